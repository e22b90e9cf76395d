// Strict Boost's sender mask and the 2025 series' sender times behave as the Set and Map they
// replace, on any sequence of operations.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { SenderMask, SenderTimes } from '../../src/core/sim/guest/senders';

const VCPUS = 6;
const senders = Array.from({ length: VCPUS }, (_, idx) => ({ idx }));
const sender = fc.integer({ min: 0, max: VCPUS - 1 }).map((i) => senders[i]);

test('SenderMask: add, has, size and clear as a Set', () => {
  const op = fc.oneof(fc.record({ add: sender }), fc.record({ has: sender }), fc.constant('clear' as const));
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const mask = new SenderMask(VCPUS);
      const set = new Set<object>();
      for (const o of ops) {
        if (o === 'clear') (mask.clear(), set.clear());
        else if ('add' in o) (mask.add(o.add), set.add(o.add));
        else assert.equal(mask.has(o.has), set.has(o.has));
        assert.equal(mask.size, set.size);
      }
    }),
  );
});

test('SenderMask: a second add of one sender counts once; clear empties it', () => {
  const mask = new SenderMask(3);
  mask.add(senders[2]).add(senders[2]).add(senders[0]);
  assert.equal(mask.size, 2);
  assert.equal(mask.has(senders[1]), false);
  mask.clear();
  assert.equal(mask.size, 0);
  assert.equal(mask.has(senders[2]), false);
});

test('SenderTimes: get, set and delete as a Map, a time of 0 included', () => {
  const op = fc.oneof(fc.record({ set: sender, at: fc.integer({ min: 0, max: 1e9 }) }), fc.record({ get: sender }), fc.record({ del: sender }));
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const times = new SenderTimes(VCPUS);
      const map = new Map<object, number>();
      for (const o of ops) {
        if ('set' in o) (times.set(o.set, o.at), map.set(o.set, o.at));
        else if ('del' in o) (times.delete(o.del), map.delete(o.del));
        else assert.equal(times.get(o.get), map.get(o.get));
      }
    }),
  );
  const times = new SenderTimes(2);
  assert.equal(times.get(senders[1]), undefined);
  times.set(senders[1], 0);
  assert.equal(times.get(senders[1]), 0);
});
