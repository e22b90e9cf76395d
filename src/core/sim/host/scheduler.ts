// The host scheduler as the simulator sees it: one interface, what kernel/sched/core.c calls
// into fair_sched_class for (enqueue on wake-up, dequeue on sleep, wakeup preemption, the
// tick, the pick, yield and yield_to), with CFS (≤ 6.5, cfs.ts) and EEVDF (6.6+, eevdf.ts)
// behind it, and task groups (CONFIG_FAIR_GROUP_SCHED) in between (fair.ts).

import type { SchedTask, TaskGroup } from './entity';

export type { SchedEntity, SchedTask } from './entity';
export { TaskGroup } from './entity';

export interface SchedulerConfig {
  kind: 'cfs' | 'eevdf';
  /** 6.12.13+ / 6.13: pick_next_entity returns cfs_rq->next while it is eligible. */
  pickBuddy: boolean;
  /** EEVDF (features.h RUN_TO_PARITY, on by default since 6.6): a picked entity runs until it is ineligible or gets a new slice. */
  runToParity: boolean;
  /** 6.12+ (features.h PREEMPT_SHORT, did_preempt_short() in update_curr): reschedule a running entity that is out of its protected slice and no longer eligible. */
  preemptShort: boolean;
  /** 6.19 (79104becf42b; in 6.6.y and 6.12.y since January 2026): yield_task_fair charges the yielder's remaining slice. */
  forfeitOnYield: boolean;
  /** 6.12+ (features.h DELAY_DEQUEUE, DELAY_ZERO): a sleeping entity that is not eligible stays on its queue until picked or woken. */
  delayDequeue: boolean;
  /** 6.12+ (features.h PLACE_REL_DEADLINE, 82e9d0456e06): an entity dequeued without sleeping (a migration) keeps its deadline relative to its vruntime. */
  placeRelDeadline: boolean;
  /** The Debooster in yield_to_task_fair: off, sslab-keio/ple-kvm patch 0001, or the April 2021 RFC. */
  debooster: DeboosterForm;
}

/**
 * 'patch-0001': deboost only when cfs_rq_of(yielder) == cfs_rq_of(target) (never across task groups);
 * 'rfc': walk both hierarchies to their lowest common cfs_rq and deboost the yielder's entity there.
 */
export type DeboosterForm = 'off' | 'patch-0001' | 'rfc';

export interface HostScheduler {
  readonly config: SchedulerConfig;
  /** sysctl_sched_latency, min_granularity, wakeup_granularity (scaled), sched_nr_latency, EEVDF base slice. */
  readonly latency: number;
  readonly minGranularity: number;
  readonly wakeupGranularity: number;
  readonly nrLatency: number;
  readonly baseSlice: number;
  /** Places a task in its task group (null: the root) on its CPU, before it is first enqueued. */
  attach(task: SchedTask, group: TaskGroup | null): void;
  /** rq->curr of the fair class on `cpu`. */
  curr(cpu: number): SchedTask | null;
  /** rq->nr_running: runnable tasks on `cpu`, the running one included. */
  nrRunning(cpu: number): number;
  /** update_curr(): charge the running task (and its group entities) up to `now`. */
  updateCurr(cpu: number, now: number): void;
  /** enqueue_task_fair(ENQUEUE_WAKEUP): a task becomes runnable (wake-up, or first start). */
  enqueueWakeup(task: SchedTask, now: number): void;
  /** dequeue_task_fair(DEQUEUE_SLEEP): the running task blocks. */
  dequeueSleep(task: SchedTask, now: number): void;
  /** check_preempt_wakeup(): whether a freshly woken task preempts the running one. */
  checkPreemptWakeup(woken: SchedTask, now: number): boolean;
  /** task_tick_fair(): whether the tick reschedules `cpu`. */
  tick(cpu: number, now: number): boolean;
  /** put_prev_task + pick_next_task_fair + set_next_entity: the task that runs next on `cpu` (null: idle). */
  pickNext(cpu: number, now: number): SchedTask | null;
  /** yield_task_fair() for the running task of `cpu`. */
  yieldTask(cpu: number, now: number): void;
  /** yield_to_task_fair() called by the running task of `cpu`; false when the target is not on a run queue. */
  yieldToTask(cpu: number, target: SchedTask, now: number): boolean;
  /** The oracle policy's boost: the next pick on the task's CPU takes it, whatever the fairness checks say. */
  force(task: SchedTask): void;
  /** Runnable tasks waiting on `cpu` (not the running one): what a load balancer may pull. */
  queuedTasks(cpu: number): SchedTask[];
  /** set_task_cpu(): move a task that is not running to `cpu` (queued: dequeue and enqueue; asleep: before its wake-up). */
  migrate(task: SchedTask, cpu: number, now: number): void;
}
