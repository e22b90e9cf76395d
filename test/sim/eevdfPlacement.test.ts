// EEVDF's place_entity() and avg_vruntime() as kernel/sched/fair.c (6.6+) computes them, on
// small hand-checked queues (8 CPUs: base slice 3 ms).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { EevdfScheduler } from '../../src/core/sim/host/eevdf';
import { eevdf, ms, queue, run, task } from './hostHelpers';

test('place_entity on an empty queue drops the lag (PLACE_LAG needs cfs_rq->nr_running)', () => {
  const s = eevdf() as EevdfScheduler;
  const woken = task(1, 0, 1);
  woken.vlag = -2 * ms;
  s.attach(woken, null);
  s.enqueueWakeup(woken, 0);
  assert.equal(woken.vruntime, woken.cfsRq.minVruntime);
  assert.equal(woken.deadline, woken.cfsRq.minVruntime + 3 * ms);
});

test('avg_vruntime is min_vruntime plus the relative sum divided and rounded down; eligibility compares without dividing', () => {
  const s = eevdf() as EevdfScheduler;
  const a = task(1, 0);
  const b = task(2, 0);
  const c = task(3, 1);
  queue(s, [a, b, c]);
  const q = a.cfsRq;
  assert.equal(q.minVruntime, 0);
  assert.equal(s.avgVruntime(q), 0, 'floor(1 / 3) = 0 ns');
  assert.equal(s.eligible(q, a), true);
  assert.equal(s.eligible(q, c), false, 'sum 1 < 1 * 3');
});

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
