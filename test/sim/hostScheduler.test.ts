// The host scheduler's statements on small hand-checked run queues (8 CPUs: latency 24 ms,
// min granularity 3 ms, wakeup granularity 4 ms, EEVDF base slice 3 ms).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHostScheduler } from '../../src/core/sim/host';
import type { HostScheduler } from '../../src/core/sim/host/scheduler';
import { cfs, config, eevdf, ms, queue, run, task } from './hostHelpers';

test('tunables scale with 1 + ilog2(min(ncpus, 8))', () => {
  const s = cfs();
  assert.deepEqual([s.latency, s.minGranularity, s.wakeupGranularity, s.nrLatency, s.baseSlice], [24 * ms, 3 * ms, 4 * ms, 8, 3 * ms]);
  assert.equal(createHostScheduler(config({}), 2).wakeupGranularity, 2 * ms);
});

test('CFS honours the next buddy within the wakeup granularity and drops it beyond', () => {
  const s = cfs();
  const curr = task(0, 20 * ms);
  const left = task(1, 10 * ms);
  const near = task(2, 13 * ms); // 3 ms ahead of leftmost: < 4 ms, honoured
  const far = task(3, 15 * ms); // 5 ms ahead: refused
  queue(s, [curr, left, near, far]);
  run(s, curr);
  assert.equal(s.yieldToTask(0, near, 0), true);
  assert.equal(s.pickNext(0, 0), near);
  run(s, curr);
  s.yieldToTask(0, far, 0);
  assert.equal(s.pickNext(0, 0), left, 'the scheduler mismatch: the boosted task is too far ahead');
  assert.equal(far.cfsRq.next, far, 'the hint stays set, still ignored');
});

test('CFS skip buddy: the yielder is passed over when the second is close enough', () => {
  const s = cfs();
  const yielder = task(1, 10 * ms);
  const second = task(2, 12 * ms);
  queue(s, [yielder, second]);
  run(s, yielder);
  s.yieldTask(0, 0);
  assert.equal(yielder.cfsRq.skip, yielder);
  assert.equal(s.pickNext(0, 0), second);
});

test('Debooster: the yielder on the same queue is set to target - wakeup_gran, so the target passes', () => {
  const s = cfs({ debooster: 'patch-0001' });
  const yielder = task(1, 10 * ms);
  const target = task(2, 20 * ms);
  queue(s, [yielder, target]);
  run(s, yielder);
  assert.equal(s.yieldToTask(0, target, 0), true);
  assert.equal(yielder.vruntime, 16 * ms);
  assert.equal(s.pickNext(0, 0), target);
  // Without the debooster the same boost is refused (10 ms apart > 4 ms).
  const plain = cfs();
  const y2 = task(1, 10 * ms);
  const t2 = task(2, 20 * ms);
  queue(plain, [y2, t2]);
  run(plain, y2);
  plain.yieldToTask(0, t2, 0);
  assert.equal(plain.pickNext(0, 0), y2);
});

test('EEVDF: 6.6 ignores the next buddy; 6.12 pick buddy takes it only while eligible; 6.19 forfeits the slice', () => {
  const make = (s: HostScheduler, buddy: 1 | 2) => {
    const a = task(1, 10 * ms); // deadline 13 ms
    const b = task(2, 11 * ms); // deadline 14 ms
    const c = task(3, 15 * ms); // deadline 18 ms, average vruntime 12 ms: not eligible
    queue(s, [a, b, c]);
    a.cfsRq.next = buddy === 1 ? b : c;
    return { a, b, c };
  };
  const e66 = eevdf();
  let q = make(e66, 1);
  assert.equal(e66.pickNext(0, 0), q.a, '6.6: earliest eligible deadline, hint ignored');
  const e612 = eevdf({ pickBuddy: true });
  q = make(e612, 1);
  assert.equal(e612.pickNext(0, 0), q.b, '6.12: eligible next buddy');
  const e612c = eevdf({ pickBuddy: true });
  q = make(e612c, 2);
  assert.equal(e612c.pickNext(0, 0), q.a, '6.12: ineligible next buddy refused');
  const e619 = eevdf({ pickBuddy: true, forfeitOnYield: true });
  const y = task(1, 10 * ms);
  queue(e619, [y, task(2, 12 * ms)]);
  run(e619, y);
  e619.yieldTask(0, 0);
  assert.deepEqual([y.vruntime, y.deadline], [13 * ms, 16 * ms]);
  const e66b = eevdf();
  const y66 = task(1, 10 * ms);
  queue(e66b, [y66, task(2, 12 * ms)]);
  run(e66b, y66);
  e66b.yieldTask(0, 0);
  assert.deepEqual([y66.vruntime, y66.deadline], [10 * ms, 16 * ms]);
});

test('CFS tick preemption after the slice, wake-up placement with half a latency of credit', () => {
  const s = cfs();
  const curr = task(0, 0);
  const other = task(1, 0);
  queue(s, [curr, other]);
  run(s, curr);
  assert.equal(s.tick(0, 2 * ms), false, 'below min granularity');
  assert.equal(s.tick(0, 13 * ms), true, 'slice = 24 ms / 2 tasks = 12 ms exceeded');
  const sleeper = task(2, 0);
  s.attach(sleeper, null);
  sleeper.cfsRq.minVruntime = 50 * ms;
  s.enqueueWakeup(sleeper, 13 * ms);
  assert.equal(sleeper.vruntime, 38 * ms);
});

test('EEVDF pick: the previous task counts once in avg_vruntime (it was counted twice, as curr and as queued)', () => {
  const s = eevdf();
  const a = task(1, 0); // running; deadline 10 ms
  const b = task(2, 1.8 * ms); // deadline 2 ms: eligible against the true average 2 ms, not against 1.5 ms
  const c = task(3, 4.2 * ms);
  a.deadline = 10 * ms;
  b.deadline = 2 * ms;
  c.deadline = 8 * ms;
  queue(s, [a, b, c]);
  run(s, a);
  assert.equal(s.pickNext(0, 0), b);
});

test('EEVDF RUN_TO_PARITY: the running entity keeps its CPU against an earlier deadline until its slice ends', () => {
  const make = (runToParity: boolean) => {
    const s = eevdf({ runToParity });
    const curr = task(1, 0);
    const other = task(2, 0);
    curr.deadline = 3 * ms;
    other.deadline = 1 * ms; // earlier, and eligible (vruntime 0 = the average)
    queue(s, [curr, other]);
    run(s, curr);
    return { s, curr, other };
  };
  const on = make(true);
  assert.equal(on.curr.vlag, on.curr.deadline, 'set_next_entity marks the slice it was picked with');
  assert.equal(on.s.pickNext(0, 0), on.curr, 'a reschedule (a cross-queue boost) finds curr still in its slice');
  const woken = task(3, 0);
  woken.deadline = 0.5 * ms;
  queue(on.s, [woken]);
  assert.equal(on.s.checkPreemptWakeup(woken, 0), false, 'and a wake-up does not preempt it');
  on.s.yieldTask(0, 0);
  assert.equal(on.s.pickNext(0, 0), woken, 'yield pushed the deadline: parity is over, earliest eligible deadline wins');
  const off = make(false);
  assert.equal(off.s.pickNext(0, 0), off.other);
});
