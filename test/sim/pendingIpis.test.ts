// A vCPU's pending IPIs: first in, first out, and "is one from this sender waiting" kept exact.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { PendingIpis } from '../../src/core/sim/guest/pendingIpis';

const senders = [0, 1, 2, 3].map((idx) => ({ idx }));

test('oldest first; a reschedule (null) counts for no sender', () => {
  const q = new PendingIpis<{ idx: number }>(4);
  q.push(senders[2]);
  q.push(null);
  q.push(senders[2]);
  assert.equal(q.length, 3);
  assert.equal(q.first(), senders[2]);
  assert.equal(q.shift(), senders[2]);
  assert.equal(q.hasFrom(senders[2]), true); // the second one still waits
  assert.equal(q.shift(), null);
  assert.equal(q.shift(), senders[2]);
  assert.equal(q.hasFrom(senders[2]), false);
  assert.equal(q.length, 0);
});

test('hasFrom agrees with a search of the queue, on any pushes and shifts', () => {
  const op = fc.oneof(fc.integer({ min: -1, max: 3 }), fc.constant('shift' as const));
  fc.assert(
    fc.property(fc.array(op, { maxLength: 50 }), (ops) => {
      const q = new PendingIpis<{ idx: number }>(4);
      const model: ({ idx: number } | null)[] = [];
      for (const o of ops) {
        if (o === 'shift') {
          if (model.length > 0) assert.equal(q.shift(), model.shift());
        } else {
          const s = o < 0 ? null : senders[o];
          q.push(s);
          model.push(s);
        }
        assert.equal(q.length, model.length);
        for (const s of senders) assert.equal(q.hasFrom(s), model.includes(s));
      }
    }),
  );
});
