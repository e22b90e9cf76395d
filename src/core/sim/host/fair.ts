// What CFS and EEVDF share in kernel/sched/fair.c: the task-group hierarchy
// (CONFIG_FAIR_GROUP_SCHED) walked by for_each_sched_entity, update_curr, the enqueue and
// dequeue walks, the level-by-level pick, and the buddies. The per-queue decisions (placement,
// the pick at one level, the tick, wakeup preemption, yield) are the subclasses'.

import { CfsRq, GroupEntity, NICE_0_LOAD, findMatchingSe, isGroup, onQueue, type SchedEntity, type SchedTask, type TaskGroup } from './entity';
import type { HostScheduler, SchedulerConfig } from './scheduler';

const NSEC_PER_MSEC = 1_000_000;
/** Group entities are numbered after every task, so ties between tasks break as before. */
const FIRST_GROUP_ENTITY_ID = 1 << 30;

export abstract class FairScheduler implements HostScheduler {
  readonly latency: number;
  readonly minGranularity: number;
  readonly wakeupGranularity: number;
  readonly nrLatency: number;
  /** EEVDF base slice (sysctl_sched_base_slice, 0.75 ms scaled). */
  readonly baseSlice: number;
  protected readonly roots: CfsRq[];
  private readonly current: (SchedTask | null)[];
  private readonly runnable: number[];
  private readonly forced: (SchedTask | null)[];
  private nextGroupEntityId = FIRST_GROUP_ENTITY_ID;
  /** Each task group's entity per CPU, created when first used. */
  private readonly groupEntities = new Map<TaskGroup, GroupEntity[]>();
  private readonly taskGroups = new Map<SchedTask, TaskGroup | null>();

  constructor(
    readonly config: SchedulerConfig,
    ncpus: number,
  ) {
    // sysctl_sched_tunable_scaling = LOG (update_sysctl): factor = 1 + ilog2(min(ncpus, 8)).
    const factor = 1 + Math.floor(Math.log2(Math.min(Math.max(ncpus, 1), 8)));
    this.latency = 6 * NSEC_PER_MSEC * factor;
    this.minGranularity = 0.75 * NSEC_PER_MSEC * factor;
    this.wakeupGranularity = 1 * NSEC_PER_MSEC * factor;
    this.nrLatency = Math.round(this.latency / this.minGranularity);
    this.baseSlice = this.minGranularity;
    this.roots = Array.from({ length: ncpus }, (_, c) => new CfsRq(c, null));
    this.current = Array.from({ length: ncpus }, () => null);
    this.runnable = Array.from({ length: ncpus }, () => 0);
    this.forced = Array.from({ length: ncpus }, () => null);
  }

  // ---- per-queue decisions: CFS and EEVDF ---------------------------------------------------

  /** place_entity() on wake-up. */
  protected abstract placeOnWakeup(q: CfsRq, se: SchedEntity): void;
  /** What dequeue_entity() keeps of a sleeping entity (EEVDF: its lag). */
  protected abstract saveOnSleep(q: CfsRq, se: SchedEntity): void;
  /** pick_next_entity() on one queue, the previous entity put back into `queued`. */
  protected abstract pickEntity(q: CfsRq): SchedEntity;
  /** check_preempt_wakeup() once both entities sit on one queue. */
  protected abstract wakeupPreempts(curr: SchedTask, se: SchedEntity, pse: SchedEntity): boolean;
  /** entity_tick() for the running entity of a queue with more than one entity. */
  protected abstract entityTick(q: CfsRq, se: SchedEntity): boolean;
  /** The class-specific end of yield_task_fair(). */
  protected abstract yieldCurrent(curr: SchedTask): void;
  /** set_next_entity() of an entity that starts a new turn on its queue. */
  protected startTurn(_se: SchedEntity): void {}
  /** The Debooster, when the policy has one: lower the yielder so the pick honours the target. */
  protected abstract deboost(yielder: SchedTask, target: SchedTask): void;
  /** DELAY_DEQUEUE's test in dequeue_entity() for a sleeping entity (EEVDF 6.12+: not eligible). */
  protected delaysDequeue(_q: CfsRq, _se: SchedEntity): boolean {
    return false;
  }
  /** requeue_delayed_entity(): a delayed entity is woken, or a task wakes below it. */
  protected requeueDelayed(se: SchedEntity): void {
    se.delayed = false;
    se.onRq = true;
  }
  /** __enqueue_entity(): into the rbtree (EEVDF adds it to the queue's sums, avg_vruntime_add). */
  protected insertQueued(q: CfsRq, se: SchedEntity): void {
    q.queued.push(se);
  }
  /** __dequeue_entity(): out of the rbtree, when there (avg_vruntime_sub). */
  protected removeQueued(q: CfsRq, se: SchedEntity): void {
    const at = q.queued.indexOf(se);
    if (at >= 0) removeAt(q.queued, at);
  }
  /** A task leaves its CPU's queue for another: make its vruntime relative (CFS) or keep its lag (EEVDF). */
  protected abstract detachVruntime(q: CfsRq, se: SchedEntity, runnable: boolean): void;
  /** ... and arrives on the other queue. */
  protected abstract attachVruntime(q: CfsRq, se: SchedEntity, runnable: boolean): void;

  // ---- the hierarchy ---------------------------------------------------------------------

  /** The group's entity on `cpu`, created with its ancestors' on first use. */
  groupEntity(group: TaskGroup, cpu: number): GroupEntity {
    let perCpu = this.groupEntities.get(group);
    if (!perCpu) this.groupEntities.set(group, (perCpu = []));
    const existing = perCpu[cpu];
    if (existing) return existing;
    const parent = group.parent ? this.groupEntity(group.parent, cpu) : null;
    const se = new GroupEntity(this.nextGroupEntityId++, group, parent ? parent.my : this.roots[cpu], parent);
    perCpu[cpu] = se;
    return se;
  }

  attach(task: SchedTask, group: TaskGroup | null): void {
    this.taskGroups.set(task, group);
    task.parent = group ? this.groupEntity(group, task.cpu) : null;
    task.cfsRq = task.parent ? task.parent.my : this.roots[task.cpu];
  }

  curr(cpu: number): SchedTask | null {
    return this.current[cpu];
  }

  nrRunning(cpu: number): number {
    return this.runnable[cpu];
  }

  /** update_curr() at every level of the running task's hierarchy: vruntime += calc_delta_fair(delta). */
  updateCurr(cpu: number, now: number): void {
    const curr = this.current[cpu];
    if (!curr) return;
    const delta = now - curr.execStart;
    if (delta > 0) {
      for (let se: SchedEntity | null = curr; se; se = se.parent) {
        se.sumExec += delta;
        se.vruntime += calcDeltaFair(delta, se);
      }
      curr.execStart = now;
    }
    for (let se: SchedEntity | null = curr; se; se = se.parent) updateMinVruntime(se.cfsRq);
  }

  /**
   * enqueue_task_fair(): for_each_sched_entity, stopping at the first level already on its queue
   * (requeued if delayed there); a delayed task itself is only requeued (ttwu_runnable() ->
   * ENQUEUE_DELAYED), as it never left rq->nr_running.
   */
  enqueueWakeup(task: SchedTask, now: number): void {
    this.updateCurr(task.cpu, now);
    if (task.delayed) {
      this.requeueDelayed(task);
      return;
    }
    for (let se: SchedEntity | null = task; se; se = se.parent) {
      if (onQueue(se)) {
        if (se.delayed) this.requeueDelayed(se);
        break;
      }
      const q: CfsRq = se.cfsRq;
      this.placeOnWakeup(q, se);
      se.onRq = true;
      // enqueue_entity(): the running entity is not in the rbtree.
      if (q.curr !== se) this.insertQueued(q, se);
    }
    this.runnable[task.cpu]++;
  }

  /**
   * dequeue_task_fair(DEQUEUE_SLEEP): dequeue up the hierarchy while a queue empties; where one
   * still holds entities, its group entity becomes the next buddy ("bias pick_next to pick a
   * task from this cfs_rq").
   */
  dequeueSleep(task: SchedTask, now: number): void {
    this.updateCurr(task.cpu, now);
    this.dequeueEntities(task, true, false);
  }

  /**
   * dequeue_entities() (6.12; dequeue_task_fair() before): for_each_sched_entity, parents with
   * DEQUEUE_SLEEP; a sleeping entity the class delays stays on its queue (a delayed task stays
   * in rq->nr_running); `finishing` is DEQUEUE_DELAYED, the real dequeue of a delayed entity.
   * Only a sleep names the parent the next buddy.
   */
  private dequeueEntities(start: SchedEntity, sleep: boolean, finishing: boolean): void {
    let mayDelay = sleep && !finishing;
    for (let se: SchedEntity | null = start; se; se = se.parent) {
      const q: CfsRq = se.cfsRq;
      clearBuddies(q, se);
      if (mayDelay && this.delaysDequeue(q, se)) {
        se.delayed = true;
        se.onRq = false;
        if (se === start) return;
        break;
      }
      this.saveOnSleep(q, se);
      // finish_delayed_dequeue_entity(): DELAY_ZERO drops the positive lag it kept while delayed.
      if (se.delayed && se.vlag > 0) se.vlag = 0;
      se.delayed = false;
      se.onRq = false;
      this.removeQueued(q, se);
      if (q.hasEntities) {
        if (sleep && se.parent) setNextBuddy(se.parent);
        break;
      }
      mayDelay = true;
    }
    if (!isGroup(start)) this.runnable[start.cfsRq.cpu]--;
  }

  /**
   * set_task_cpu() for a task that is not running: a queued one is dequeued (without
   * DEQUEUE_SLEEP) and enqueued on the other CPU (ENQUEUE_MIGRATED; group entities that were
   * not on a queue are placed as on a wake-up); a sleeping one only changes queue, and its
   * wake-up places it.
   */
  migrate(task: SchedTask, cpu: number, now: number): void {
    if (task.running) throw new Error(`task ${task.tid} is running on CPU ${task.cpu}: only a queued or sleeping task migrates`);
    // The kernel wakes a delayed task in place (ttwu_runnable); here it leaves as a sleeper.
    if (task.delayed) {
      this.updateCurr(task.cpu, now);
      this.dequeueEntities(task, true, true);
    }
    const runnable = task.onRq;
    if (runnable) {
      this.updateCurr(task.cpu, now);
      this.dequeueEntities(task, false, false);
    }
    this.detachVruntime(task.cfsRq, task, runnable);
    if (this.forced[task.cpu] === task) this.forced[task.cpu] = null;
    task.cpu = cpu;
    this.attach(task, this.taskGroups.get(task) ?? null);
    if (!runnable) {
      this.attachVruntime(task.cfsRq, task, false);
      return;
    }
    this.updateCurr(cpu, now);
    this.attachVruntime(task.cfsRq, task, true);
    task.onRq = true;
    this.insertQueued(task.cfsRq, task);
    for (let se: SchedEntity | null = task.parent; se; se = se.parent) {
      if (onQueue(se)) {
        if (se.delayed) this.requeueDelayed(se);
        break;
      }
      this.placeOnWakeup(se.cfsRq, se);
      se.onRq = true;
      if (se.cfsRq.curr !== se) this.insertQueued(se.cfsRq, se);
    }
    this.runnable[cpu]++;
  }

  queuedTasks(cpu: number): SchedTask[] {
    const out: SchedTask[] = [];
    const visit = (q: CfsRq): void => {
      for (const se of q.queued) {
        if (isGroup(se)) visit(se.my);
        else if (!se.delayed) out.push(se as SchedTask);
      }
      // A running group entity is not in its parent's rbtree, but its queue holds waiting tasks.
      if (q.curr && isGroup(q.curr)) visit(q.curr.my);
    };
    visit(this.roots[cpu]);
    return out;
  }

  checkPreemptWakeup(woken: SchedTask, now: number): boolean {
    const curr = this.current[woken.cpu];
    if (!curr) return true;
    this.updateCurr(woken.cpu, now);
    const [se, pse] = findMatchingSe(curr, woken);
    return this.wakeupPreempts(curr, se, pse);
  }

  /** task_tick_fair(): entity_tick() at every level whose queue holds more than one entity. */
  tick(cpu: number, now: number): boolean {
    const curr = this.current[cpu];
    if (!curr || !curr.onRq) return false;
    this.updateCurr(cpu, now);
    if (this.runnable[cpu] <= 1) return false;
    let resched = false;
    for (let se: SchedEntity | null = curr; se; se = se.parent) {
      if (se.cfsRq.nrRunning > 1 && this.entityTick(se.cfsRq, se)) resched = true;
    }
    return resched;
  }

  /**
   * pick_next_task_fair(): the previous task's entities go back on their queues (put_prev_entity;
   * each counted once, so avg_vruntime sees curr once), then the pick walks down from the root
   * cfs_rq, one pick_next_entity() per level, until it reaches a task.
   */
  pickNext(cpu: number, now: number): SchedTask | null {
    this.updateCurr(cpu, now);
    const prev = this.current[cpu];
    for (let se: SchedEntity | null = prev; se; se = se.parent) {
      if (onQueue(se)) this.insertQueued(se.cfsRq, se);
      se.cfsRq.curr = null;
      se.cfsRq.putBack = se;
    }
    const forced = this.forced[cpu];
    this.forced[cpu] = null;
    const next = forced && forced.onRq && forced.cpu === cpu ? forced : this.walkDown(this.roots[cpu]);
    for (let se: SchedEntity | null = prev; se; se = se.parent) se.cfsRq.putBack = null;
    // set_next_entity() at every level of the pick; an entity that was already running there keeps its slice.
    for (let se: SchedEntity | null = next; se; se = se.parent) {
      const q = se.cfsRq;
      this.removeQueued(q, se);
      clearBuddies(q, se);
      if (!isRunningChain(prev, se)) {
        se.prevSumExec = se.sumExec;
        se.execStart = now;
        this.startTurn(se);
      }
      q.curr = se;
    }
    if (next === prev) {
      if (prev) prev.execStart = now;
      return prev;
    }
    if (prev) prev.running = false;
    if (next) {
      next.running = true;
      next.execStart = now;
    }
    this.current[cpu] = next;
    return next;
  }

  /** The pick's walk; a delayed entity it meets is dequeued for good and the pick starts again (pick_next_entity, 6.12). */
  private walkDown(root: CfsRq): SchedTask | null {
    for (;;) {
      if (root.queued.length === 0) return null;
      let se = this.pickEntity(root);
      while (!se.delayed && isGroup(se)) {
        if (se.my.queued.length === 0) throw new Error(`group entity ${se.group.name} on CPU ${root.cpu} is queued with an empty cfs_rq`);
        se = this.pickEntity(se.my);
      }
      if (!se.delayed) return se as SchedTask;
      this.dequeueEntities(se, true, true);
    }
  }

  /** yield_task_fair(): clear the yielder's buddies, charge it, then the class's own step. */
  yieldTask(cpu: number, now: number): void {
    const curr = this.current[cpu];
    if (!curr || this.runnable[cpu] === 1) return;
    clearBuddies(curr.cfsRq, curr);
    this.updateCurr(cpu, now);
    this.yieldCurrent(curr);
  }

  /**
   * yield_to_task_fair(): set_next_buddy(target) up its hierarchy, the Debooster if any (both
   * patches call it between set_next_buddy and yield_task_fair), then yield the caller.
   */
  yieldToTask(cpu: number, target: SchedTask, now: number): boolean {
    if (!target.onRq) return false;
    setNextBuddy(target);
    const yielder = this.current[cpu];
    if (yielder && this.config.debooster !== 'off') this.deboost(yielder, target);
    this.yieldTask(cpu, now);
    return true;
  }

  force(task: SchedTask): void {
    this.forced[task.cpu] = task;
  }
}

/** calc_delta_fair(): `delta` of real time in the entity's virtual time (delta * NICE_0_LOAD / weight). */
export function calcDeltaFair(delta: number, se: SchedEntity): number {
  return se.weight === NICE_0_LOAD ? delta : (delta * NICE_0_LOAD) / se.weight;
}

/** Whether `se` is one of the entities of `prev`'s hierarchy (so it was running on its queue). */
function isRunningChain(prev: SchedEntity | null, se: SchedEntity): boolean {
  for (let p = prev; p; p = p.parent) if (p === se) return true;
  return false;
}

/** splice(at, 1) without the array of removed items it allocates: the order of the rest is kept. */
function removeAt<T>(list: T[], at: number): void {
  if (at < 0) at += list.length;
  if (at < 0 || at >= list.length) return;
  for (let i = at + 1; i < list.length; i++) list[i - 1] = list[i];
  list.pop();
}

/** update_min_vruntime(): monotonic, the smaller of curr's and the leftmost's vruntime. */
export function updateMinVruntime(q: CfsRq): void {
  const curr = q.curr;
  let v = curr !== null && onQueue(curr) ? curr.vruntime : Infinity;
  const queued = q.queued;
  for (let i = 0; i < queued.length; i++) {
    const t = queued[i].vruntime;
    if (t < v) v = t;
  }
  if (v !== Infinity && v > q.minVruntime) q.minVruntime = v;
}

/** set_next_buddy(): for_each_sched_entity, stopping at an entity not on its queue. */
export function setNextBuddy(se: SchedEntity): void {
  for (let e: SchedEntity | null = se; e; e = e.parent) {
    if (!e.onRq) return;
    e.cfsRq.next = e;
  }
}

/** set_skip_buddy() (≤ 6.5): for_each_sched_entity. */
export function setSkipBuddy(se: SchedEntity): void {
  for (let e: SchedEntity | null = se; e; e = e.parent) e.cfsRq.skip = e;
}

/** set_last_buddy(): for_each_sched_entity, stopping at an entity not on its queue. */
export function setLastBuddy(se: SchedEntity): void {
  for (let e: SchedEntity | null = se; e; e = e.parent) {
    if (!e.onRq) return;
    e.cfsRq.last = e;
  }
}

/** clear_buddies(): each buddy that is `se` is cleared up the hierarchy while it names that level's entity. */
export function clearBuddies(q: CfsRq, se: SchedEntity): void {
  if (q.last === se) for (let e: SchedEntity | null = se; e && e.cfsRq.last === e; e = e.parent) e.cfsRq.last = null;
  if (q.next === se) for (let e: SchedEntity | null = se; e && e.cfsRq.next === e; e = e.parent) e.cfsRq.next = null;
  if (q.skip === se) for (let e: SchedEntity | null = se; e && e.cfsRq.skip === e; e = e.parent) e.cfsRq.skip = null;
}
