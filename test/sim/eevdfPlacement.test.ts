// EEVDF's tick as kernel/sched/fair.c (6.12+) reschedules, on small hand-checked queues
// (8 CPUs: base slice 3 ms).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { eevdf, ms, queue, run, task } from './hostHelpers';

test('PREEMPT_SHORT (6.12+): the tick reschedules an ineligible entity out of its protected slice; 6.6 lets it run to its deadline', () => {
  const make = (preemptShort: boolean) => {
    const s = eevdf({ runToParity: true, preemptShort });
    const a = task(1, 0);
    const b = task(2, 0);
    queue(s, [a, b]);
    run(s, a); // vlag = deadline = 3 ms: the slice RUN_TO_PARITY protects
    return { s, a };
  };
  const protectedSlice = make(true);
  assert.equal(protectedSlice.s.tick(0, 2 * ms), false, 'ineligible at 2 ms (V = 1 ms) but inside the slice it was picked with');
  for (const preemptShort of [false, true]) {
    const { s, a } = make(preemptShort);
    a.deadline = 100 * ms; // pushed out by yields: the slice is no longer protected
    assert.equal(s.tick(0, 2 * ms), preemptShort, `preemptShort ${preemptShort}`);
    assert.equal(a.deadline, 100 * ms, 'update_deadline leaves an unspent slice alone');
  }
});
