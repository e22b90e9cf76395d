// Small run queues for the host scheduler's tests, built through its own interface.
import * as assert from 'node:assert/strict';
import { createHostScheduler } from '../../src/core/sim/host';
import type { HostScheduler, SchedulerConfig } from '../../src/core/sim/host/scheduler';
import type { CfsRq, SchedTask, TaskGroup } from '../../src/core/sim/host/entity';

export const ms = 1_000_000;

export function task(id: number, vruntime: number, cpu = 0): SchedTask {
  return { id, tid: 100 + id, cpu, weight: 1024, vruntime, deadline: vruntime + 3 * ms, vlag: 0, sumExec: 0, prevSumExec: 0, execStart: 0, onRq: false, running: false, delayed: false, cfsRq: null as unknown as CfsRq, parent: null };
}

/** Puts tasks on their queues as they are (no placement), in the given groups. */
export function queue(s: HostScheduler, tasks: SchedTask[], group: (t: SchedTask) => TaskGroup | null = () => null): void {
  for (const t of tasks) {
    s.attach(t, group(t));
    const deadline = t.deadline;
    const vruntime = t.vruntime;
    s.enqueueWakeup(t, 0);
    // Undo placement: the test states the vruntimes it means.
    t.vruntime = vruntime;
    t.deadline = deadline;
    recountSums(t.cfsRq);
  }
}

/** EEVDF's cfs_rq->avg_vruntime and avg_load counted afresh over the rbtree, in whole ns as eevdf.ts keeps them. */
export function countedSums(q: CfsRq): { sum: number; load: number; base: number } {
  const base = Math.floor(q.minVruntime);
  let sum = 0;
  let load = 0;
  for (const se of q.queued) {
    sum += (Math.floor(se.vruntime) - base) * se.weight;
    load += se.weight;
  }
  return { sum, load, base };
}

/** After a test moved a queued entity's vruntime by hand: the sums as the scheduler would have kept them. */
export function recountSums(q: CfsRq): void {
  const { sum, load, base } = countedSums(q);
  q.avgVruntime = sum;
  q.avgLoad = load;
  q.avgBase = base;
}

/** Makes `t` the running task of its CPU. */
export function run(s: HostScheduler, t: SchedTask, now = 0): void {
  s.force(t);
  assert.equal(s.pickNext(t.cpu, now), t);
}

export const config = (over: Partial<SchedulerConfig>): SchedulerConfig => ({ kind: 'cfs', pickBuddy: false, runToParity: false, preemptShort: false, forfeitOnYield: false, delayDequeue: false, placeRelDeadline: false, debooster: 'off', ...over });
export const cfs = (over: Partial<SchedulerConfig> = {}) => createHostScheduler(config(over), 8);
export const eevdf = (over: Partial<SchedulerConfig> = {}) => createHostScheduler(config({ kind: 'eevdf', ...over }), 8);

