// EEVDF's arithmetic as kernel/sched/fair.c does it (avg_vruntime, vruntime_eligible,
// place_entity, entity_lag, 6.12's DELAY_DEQUEUE), on hand-built queues (8 CPUs: base slice
// 3 ms; lag clamp max(2 slices, TICK_NSEC) = 6 ms at weight 1024).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { EevdfScheduler } from '../../src/core/sim/host/eevdf';
import { eevdf, ms, queue, run, task } from './hostHelpers';

const asEevdf = (s: ReturnType<typeof eevdf>) => s as unknown as EevdfScheduler;

test('avg_vruntime() weighs each entity by its load weight; eligibility follows the weighted average', () => {
  const s = asEevdf(eevdf());
  const a = task(1, 10 * ms);
  const b = task(2, 13 * ms);
  const d = task(3, 11.75 * ms);
  b.weight = 2048;
  queue(s, [a, b, d]);
  const q = a.cfsRq;
  // (10·1024 + 13·2048 + 11.75·1024) / 4096 = 11.9375 ms; the plain mean would be 11.583 ms.
  assert.equal(s.avgVruntime(q), 11.9375 * ms);
  assert.deepEqual([s.eligible(q, a), s.eligible(q, b), s.eligible(q, d)], [true, false, true], 'd is eligible only by the weighted average');
});

test('avg_vruntime() is relative to min_vruntime and rounds down; vruntime_eligible() compares without dividing', () => {
  const s = asEevdf(eevdf());
  const x = task(1, 100);
  const y = task(2, 101);
  queue(s, [x, y]);
  const q = x.cfsRq;
  q.minVruntime = 101; // x was placed behind min_vruntime (positive lag)
  // keys -1 and 0 ns: sum -1024, load 2048, floor(-0.5) = -1, so V = 100 ns (not 100.5).
  assert.equal(s.avgVruntime(q), 100);
  assert.equal(s.eligible(q, x), true);
  assert.equal(s.eligible(q, y), false);
});

test('place_entity() inflates the saved lag by (W + w) / W, so the woken entity keeps it; an empty queue drops it', () => {
  for (const [weight, vruntime, deadline] of [
    [1024, 8.5 * ms, 11.5 * ms], // lag 1 ms · 3072 / 2048 = 1.5 ms; new V = (9 + 11 + 8.5) / 3 = 9.5 ms
    [2048, 8 * ms, 9.5 * ms], // lag 1 ms · 4096 / 2048 = 2 ms; deadline 3 ms · 1024 / 2048 later
  ]) {
    const s = asEevdf(eevdf());
    const a = task(1, 9 * ms);
    const b = task(2, 11 * ms);
    queue(s, [a, b]);
    const c = task(3, 0);
    c.weight = weight;
    c.vlag = 1 * ms;
    s.attach(c, null);
    s.enqueueWakeup(c, 0);
    assert.deepEqual([c.vruntime, c.deadline], [vruntime, deadline], `weight ${weight}`);
    assert.equal(s.avgVruntime(c.cfsRq) - c.vruntime, 1 * ms, 'the lag after placement is the lag it slept with');
  }
  const s = asEevdf(eevdf());
  const lone = task(1, 0);
  lone.vlag = 1 * ms;
  s.attach(lone, null);
  s.enqueueWakeup(lone, 0);
  assert.deepEqual([lone.vruntime, lone.deadline], [0, 3 * ms], 'alone on its queue: placed at V, no lag');
});

test('entity_lag(): V - v clamped to calc_delta_fair(max(2 slices, TICK_NSEC)), so a heavier entity keeps less', () => {
  const s = asEevdf(eevdf());
  const a = task(1, 20 * ms);
  const b = task(2, 0);
  a.weight = 2048;
  queue(s, [a, b]);
  run(s, a);
  s.dequeueSleep(a, 0);
  // V = (20·2048 + 0·1024) / 3072 = 13.33 ms: lag -6.67 ms, clamped to -6 ms · 1024 / 2048.
  assert.equal(a.vlag, -3 * ms);
});

/** a (20 ms) runs beside b (10 ms): V = 15 ms, so a is not eligible when it blocks. */
function blockIneligible(delayDequeue: boolean) {
  const s = asEevdf(eevdf({ delayDequeue }));
  const a = task(1, 20 * ms);
  const b = task(2, 10 * ms);
  queue(s, [a, b]);
  run(s, a);
  s.dequeueSleep(a, 0);
  return { s, a, b };
}

test('DELAY_DEQUEUE (6.12+): a sleeper that is not eligible stays on its queue, counted, until the pick reaches it', () => {
  const plain = blockIneligible(false);
  assert.deepEqual([plain.s.nrRunning(0), plain.a.vlag, plain.a.delayed], [1, -5 * ms, false], '6.6: dequeued at once with lag -5 ms');

  const { s, a, b } = blockIneligible(true);
  assert.deepEqual([a.onRq, a.delayed, s.nrRunning(0)], [false, true, 2], 'asleep to the simulator, still in rq->nr_running');
  assert.equal(s.avgVruntime(a.cfsRq), 15 * ms, 'still in the average');
  assert.equal(s.pickNext(0, 0), b, 'not eligible: the pick passes over it');
  assert.equal(s.nrRunning(0), 2);
  // b runs 15 ms: V = (20 + 25) / 2 = 22.5 ms; a is eligible, picked, and only then dequeued.
  assert.equal(s.pickNext(0, 15 * ms), b, 'the delayed entity is dequeued and the pick starts again');
  assert.deepEqual([a.delayed, a.vlag, s.nrRunning(0)], [false, 0, 1], 'DELAY_ZERO: its positive lag (2.5 ms) is dropped');
  assert.equal(a.cfsRq.queued.includes(a), false);
});

test('requeue_delayed_entity(): woken with positive lag it is placed again at V; with negative lag it keeps its vruntime', () => {
  const early = blockIneligible(true);
  early.s.enqueueWakeup(early.a, 0); // V = 15 ms: lag -5 ms
  assert.deepEqual([early.a.onRq, early.a.delayed, early.a.vruntime, early.a.vlag, early.s.nrRunning(0)], [true, false, 20 * ms, -5 * ms, 2]);

  const late = blockIneligible(true);
  assert.equal(late.s.pickNext(0, 0), late.b);
  late.s.updateCurr(0, 20 * ms); // b at 30 ms: V = 25 ms, a's lag +5 ms
  late.s.enqueueWakeup(late.a, 20 * ms);
  // Placed with lag 0 on a queue holding only b (V = 30 ms).
  assert.deepEqual([late.a.vruntime, late.a.deadline, late.a.vlag, late.s.nrRunning(0)], [30 * ms, 33 * ms, 0, 2]);
});

test('6.19 forfeit on yield: an eligible yielder is charged its slice and min_vruntime follows', () => {
  const s = asEevdf(eevdf({ forfeitOnYield: true }));
  const a = task(1, 10 * ms);
  const b = task(2, 11 * ms);
  queue(s, [a, b]);
  run(s, a);
  s.yieldTask(0, 0);
  assert.deepEqual([a.vruntime, a.deadline], [13 * ms, 16 * ms]);
  assert.equal(a.cfsRq.minVruntime, 11 * ms, 'update_min_vruntime(): the leftmost is now b');
});
