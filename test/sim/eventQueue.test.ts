// The event queue pops in (time, insertion) order whatever the interleaving of pushes and pops:
// checked against a sorted list, with many ties, pushes at the time last popped and pushes
// before it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { EventQueue } from '../../src/core/sim/eventQueue';

interface Ev {
  time: number;
  seq: number;
}

/** A push `dt` after the time last popped (negative: before it), or a pop. */
const op = fc.oneof(
  { weight: 3, arbitrary: fc.record({ dt: fc.constantFrom(0, 0, 1, 2, 3, 0.5, 1e6, -1) }) },
  { weight: 1, arbitrary: fc.record({ dt: fc.double({ min: 0, max: 1e9, noNaN: true }) }) },
  { weight: 3, arbitrary: fc.constant('pop' as const) },
);

/** Puts `e` into `sorted` (by time, then seq) where sorting the list after a push would put it. */
function insertSorted(sorted: Ev[], e: Ev): void {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].time < e.time || (sorted[mid].time === e.time && sorted[mid].seq < e.seq)) lo = mid + 1;
    else hi = mid;
  }
  sorted.splice(lo, 0, e);
}

function popAll(q: EventQueue, out: number[]): void {
  while (q.pop()) out.push(q.popped.ref);
}

test('pops in (time, seq) order, as a stable sort would', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
      const q = new EventQueue();
      const reference: Ev[] = [];
      let now = 0;
      let seq = 0;
      const got: number[] = [];
      const want: number[] = [];
      for (const o of ops) {
        if (o === 'pop') {
          const expected = reference.length > 0;
          assert.equal(q.pop(), expected);
          if (!expected) continue;
          reference.sort((a, b) => a.time - b.time || a.seq - b.seq);
          const e = reference.shift()!;
          assert.equal(q.popped.time, e.time);
          assert.equal(q.popped.ref, e.seq);
          now = e.time;
        } else {
          const time = now + o.dt;
          q.push(time, seq % 7, seq, seq * 3);
          reference.push({ time, seq });
          seq++;
        }
        assert.equal(q.size, reference.length);
      }
      popAll(q, got);
      reference.sort((a, b) => a.time - b.time || a.seq - b.seq);
      for (const e of reference) want.push(e.seq);
      assert.deepEqual(got, want);
    }),
    { numRuns: 300 },
  );
});

test('each event comes back with its own type, ref and version', () => {
  const q = new EventQueue();
  q.push(5, 2, 40, 7);
  q.push(1, 6, 41, 8);
  assert.equal(q.pop(), true);
  assert.deepEqual({ ...q.popped }, { time: 1, type: 6, ref: 41, version: 8 });
  q.push(1, 3, 42, 9); // at the time last popped
  q.push(1, 4, 43, 10);
  const order: number[] = [];
  popAll(q, order);
  assert.deepEqual(order, [42, 43, 40]);
  assert.equal(q.pop(), false);
  assert.equal(q.size, 0);
});

test('grows past its first capacity, and keeps order among 3,000 simultaneous events', () => {
  const q = new EventQueue();
  for (let i = 0; i < 3000; i++) q.push(3000 - i, 0, i, 0);
  q.pop();
  assert.equal(q.popped.ref, 2999);
  for (let i = 0; i < 3000; i++) q.push(1, 1, 10_000 + i, 0); // all at the time last popped
  const order: number[] = [];
  popAll(q, order);
  assert.deepEqual(order.slice(0, 3001), [...Array.from({ length: 3000 }, (_, i) => 10_000 + i), 2998]);
  assert.equal(order.length, 5999);
});

test('keeps (time, seq) order while its FIFO of events at the time last popped wraps around and grows', () => {
  const q = new EventQueue();
  const reference: Ev[] = [];
  let seq = 0;
  let now = 0;
  // Kept sorted as it grows: a sort of its ~10,000 events at each of the 20,000 steps took 4.7 s.
  const push = (time: number) => {
    q.push(time, 0, seq, 0);
    insertSorted(reference, { time, seq: seq++ });
  };
  for (let i = 0; i < 50; i++) push(i * 10);
  for (let step = 0; step < 20_000; step++) {
    // Mostly pushes at the time last popped, a burst now and then so that the arrays grow, and some later events.
    const burst = step % 5000 === 4999 ? 3000 : step % 3 === 0 ? 2 : 1;
    for (let k = 0; k < burst; k++) push(k % 4 === 3 ? now + 7 : now);
    assert.equal(q.pop(), true);
    const e = reference.shift()!;
    assert.equal(q.popped.ref, e.seq);
    now = q.popped.time;
  }
  assert.equal(q.size, reference.length);
});
