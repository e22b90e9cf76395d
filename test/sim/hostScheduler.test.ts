// The host scheduler's statements on small hand-checked run queues (8 CPUs: latency 24 ms,
// min granularity 3 ms, wakeup granularity 4 ms, EEVDF base slice 3 ms).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { HostScheduler, RunQueue, type SchedTask } from '../../src/core/sim/hostScheduler';

const ms = 1_000_000;
function task(id: number, vruntime: number): SchedTask {
  return { id, tid: 100 + id, cpu: 0, vruntime, deadline: vruntime + 3 * ms, vlag: 0, sumExec: 0, prevSumExec: 0, execStart: 0, onRq: true, running: false };
}
function rqWith(curr: SchedTask, queued: SchedTask[]): RunQueue {
  const rq = new RunQueue(0);
  rq.curr = curr;
  curr.running = true;
  rq.queued.push(...queued);
  return rq;
}
const cfs = (debooster = false) => new HostScheduler({ kind: 'cfs', pickBuddy: false, forfeitOnYield: false, debooster }, 8);

test('tunables scale with 1 + ilog2(min(ncpus, 8))', () => {
  const s = cfs();
  assert.deepEqual([s.latency, s.minGranularity, s.wakeupGranularity, s.nrLatency, s.baseSlice], [24 * ms, 3 * ms, 4 * ms, 8, 3 * ms]);
  const two = new HostScheduler({ kind: 'cfs', pickBuddy: false, forfeitOnYield: false, debooster: false }, 2);
  assert.equal(two.wakeupGranularity, 2 * ms);
});

test('CFS honours the next buddy within the wakeup granularity and drops it beyond', () => {
  const s = cfs();
  const left = task(1, 10 * ms);
  const near = task(2, 13 * ms); // 3 ms ahead of leftmost: < 4 ms, honoured
  const far = task(3, 15 * ms); // 5 ms ahead: refused
  const rq = rqWith(task(0, 20 * ms), [left, near, far]);
  rq.next = near;
  assert.equal(s.pickNext(rq), near);
  rq.queued.push(near);
  rq.next = far;
  assert.equal(s.pickNext(rq), left, 'the scheduler mismatch: the boosted task is too far ahead');
  assert.equal(rq.next, far, 'the hint stays set, still ignored');
});

test('CFS skip buddy: the yielder is passed over when the second is close enough', () => {
  const s = cfs();
  const yielder = task(1, 10 * ms);
  const second = task(2, 12 * ms);
  const rq = rqWith(yielder, [second]);
  s.yieldTaskFair(rq, 0);
  assert.equal(rq.skip, yielder);
  rq.curr = null;
  rq.queued.push(yielder);
  assert.equal(s.pickNext(rq), second);
});

test('Debooster: the yielder on the same queue is set to target - wakeup_gran, so the target passes', () => {
  const s = cfs(true);
  const yielder = task(1, 10 * ms);
  const target = task(2, 20 * ms);
  const rq = rqWith(yielder, [target]);
  assert.equal(s.yieldToTaskFair(rq, rq, target, 0), true);
  assert.equal(yielder.vruntime, 16 * ms);
  rq.curr = null;
  rq.queued.push(yielder);
  assert.equal(s.pickNext(rq), target);
  // Without the debooster the same boost is refused (10 ms apart > 4 ms).
  const plain = cfs();
  const y2 = task(1, 10 * ms);
  const t2 = task(2, 20 * ms);
  const rq2 = rqWith(y2, [t2]);
  plain.yieldToTaskFair(rq2, rq2, t2, 0);
  rq2.curr = null;
  rq2.queued.push(y2);
  assert.equal(plain.pickNext(rq2), y2);
});

test('EEVDF: 6.6 ignores the next buddy; 6.12 pick buddy takes it only while eligible; 6.19 forfeits the slice', () => {
  const e66 = new HostScheduler({ kind: 'eevdf', pickBuddy: false, forfeitOnYield: false, debooster: false }, 8);
  const e612 = new HostScheduler({ kind: 'eevdf', pickBuddy: true, forfeitOnYield: false, debooster: false }, 8);
  const make = () => {
    const a = task(1, 10 * ms); // deadline 13 ms
    const b = task(2, 11 * ms); // deadline 14 ms
    const c = task(3, 15 * ms); // deadline 18 ms, average vruntime 12 ms: not eligible
    const rq = new RunQueue(0);
    rq.queued.push(a, b, c);
    return { a, b, c, rq };
  };
  let q = make();
  q.rq.next = q.b;
  assert.equal(e66.pickNext(q.rq), q.a, '6.6: earliest eligible deadline, hint ignored');
  q = make();
  q.rq.next = q.b;
  assert.equal(e612.pickNext(q.rq), q.b, '6.12: eligible next buddy');
  q = make();
  q.rq.next = q.c;
  assert.equal(e612.pickNext(q.rq), q.a, '6.12: ineligible next buddy refused');
  const e619 = new HostScheduler({ kind: 'eevdf', pickBuddy: true, forfeitOnYield: true, debooster: false }, 8);
  const y = task(1, 10 * ms);
  const rq = rqWith(y, [task(2, 12 * ms)]);
  e619.yieldTaskFair(rq, 0);
  assert.deepEqual([y.vruntime, y.deadline], [13 * ms, 16 * ms]);
  const y66 = task(1, 10 * ms);
  const rq66 = rqWith(y66, [task(2, 12 * ms)]);
  e66.yieldTaskFair(rq66, 0);
  assert.deepEqual([y66.vruntime, y66.deadline], [10 * ms, 16 * ms]);
});

test('CFS tick preemption after the slice, wake-up placement with half a latency of credit', () => {
  const s = cfs();
  const curr = task(0, 0);
  const other = task(1, 0);
  const rq = rqWith(curr, [other]);
  curr.execStart = 0;
  assert.equal(s.tick(rq, 2 * ms), false, 'below min granularity');
  assert.equal(s.tick(rq, 13 * ms), true, 'slice = 24 ms / 2 tasks = 12 ms exceeded');
  const sleeper = task(2, 0);
  sleeper.onRq = false;
  rq.minVruntime = 50 * ms;
  s.enqueueWakeup(rq, sleeper, 13 * ms);
  assert.equal(sleeper.vruntime, 38 * ms);
});
