// The host's fair scheduler, per run queue, in two variants chosen per run:
//  - CFS as in 5.x (kernel/sched/fair.c): vruntime, sched_latency / min_granularity /
//    wakeup_granularity scaled by 1 + ilog2(min(ncpus, 8)), tick preemption
//    (check_preempt_tick), wakeup preemption, GENTLE_FAIR_SLEEPERS placement, and
//    pick_next_entity's skip / last / next buddies each gated by wakeup_preempt_entity() < 1.
//  - EEVDF as in 6.6+: eligibility (vruntime <= weighted average), virtual deadlines,
//    RUN_TO_PARITY, lag kept across sleep; NEXT_BUDDY off (6.6) or the "pick buddy" change
//    (6.12+: the next buddy is taken while eligible), optional forfeit-on-yield (6.19).
// All tasks have nice 0 (weight 1024), so virtual time equals real time. The hierarchy is
// flat (no per-VM cgroups) and tasks stay on their CPU (no load balancing): both documented.

export interface SchedTask {
  readonly id: number;
  readonly tid: number;
  readonly cpu: number;
  vruntime: number;
  deadline: number;
  vlag: number;
  sumExec: number;
  prevSumExec: number;
  execStart: number;
  onRq: boolean;
  running: boolean;
}

export interface SchedulerConfig {
  kind: 'cfs' | 'eevdf';
  /** 6.12+: pick_next_entity returns cfs_rq->next while it is eligible. */
  pickBuddy: boolean;
  /** 6.19: yield_task_fair charges the yielder's remaining slice. */
  forfeitOnYield: boolean;
  /** The Debooster RFC: yield_to_task_fair lowers the yielder on the same run queue. */
  debooster: boolean;
}

const NSEC_PER_MSEC = 1_000_000;

export class RunQueue {
  /** Runnable tasks not currently running. */
  readonly queued: SchedTask[] = [];
  curr: SchedTask | null = null;
  minVruntime = 0;
  next: SchedTask | null = null;
  skip: SchedTask | null = null;
  last: SchedTask | null = null;
  /** The oracle policy's boost: runs next whatever the fairness checks say. */
  forced: SchedTask | null = null;
  constructor(readonly cpu: number) {}

  get nrRunning(): number {
    return this.queued.length + (this.curr && this.curr.onRq ? 1 : 0);
  }
}

export class HostScheduler {
  readonly latency: number;
  readonly minGranularity: number;
  readonly wakeupGranularity: number;
  readonly nrLatency: number;
  /** EEVDF base slice (sysctl_sched_base_slice, 0.75 ms scaled). */
  readonly baseSlice: number;

  constructor(
    readonly config: SchedulerConfig,
    ncpus: number,
  ) {
    // sysctl_sched_tunable_scaling = LOG: factor = 1 + ilog2(min(ncpus, 8))
    const factor = 1 + Math.floor(Math.log2(Math.min(Math.max(ncpus, 1), 8)));
    this.latency = 6 * NSEC_PER_MSEC * factor;
    this.minGranularity = 0.75 * NSEC_PER_MSEC * factor;
    this.wakeupGranularity = 1 * NSEC_PER_MSEC * factor;
    this.nrLatency = Math.round(this.latency / this.minGranularity);
    this.baseSlice = this.minGranularity;
  }

  /** update_curr(): charge the running task for the time since it last was charged. */
  updateCurr(rq: RunQueue, now: number): void {
    const curr = rq.curr;
    if (!curr) return;
    const delta = now - curr.execStart;
    if (delta > 0) {
      curr.sumExec += delta;
      curr.vruntime += delta;
      curr.execStart = now;
    }
    this.updateMinVruntime(rq);
  }

  private updateMinVruntime(rq: RunQueue): void {
    let v = rq.curr && rq.curr.onRq ? rq.curr.vruntime : Infinity;
    for (const t of rq.queued) if (t.vruntime < v) v = t.vruntime;
    if (v !== Infinity && v > rq.minVruntime) rq.minVruntime = v;
  }

  /** EEVDF's avg_vruntime over every entity on the queue, the running one included. */
  avgVruntime(rq: RunQueue): number {
    let sum = 0;
    let n = 0;
    if (rq.curr && rq.curr.onRq) {
      sum += rq.curr.vruntime;
      n++;
    }
    for (const t of rq.queued) {
      sum += t.vruntime;
      n++;
    }
    return n ? sum / n : rq.minVruntime;
  }

  eligible(rq: RunQueue, t: SchedTask): boolean {
    return t.vruntime <= this.avgVruntime(rq) + 1e-9;
  }

  /** A task becomes runnable (wake-up, or first start). */
  enqueueWakeup(rq: RunQueue, t: SchedTask, now: number): void {
    this.updateCurr(rq, now);
    if (this.config.kind === 'cfs') {
      // place_entity() with GENTLE_FAIR_SLEEPERS: at most half a latency of credit.
      const floor = rq.minVruntime - this.latency / 2;
      t.vruntime = Math.max(t.vruntime, floor);
    } else {
      // place_entity() keeps the lag the task had when it slept.
      t.vruntime = this.avgVruntime(rq) - t.vlag;
      t.deadline = t.vruntime + this.baseSlice;
    }
    t.onRq = true;
    rq.queued.push(t);
  }

  /** The running task blocks (halts). */
  dequeueSleep(rq: RunQueue, t: SchedTask, now: number): void {
    this.updateCurr(rq, now);
    if (this.config.kind === 'eevdf') {
      const lag = this.avgVruntime(rq) - t.vruntime;
      const limit = Math.max(2 * this.baseSlice, NSEC_PER_MSEC);
      t.vlag = Math.max(-limit, Math.min(limit, lag));
    }
    t.onRq = false;
    this.clearBuddies(rq, t);
  }

  /** wakeup_preempt_entity(curr, se): -1 se is behind, 0 within the granularity, 1 too far ahead. */
  wakeupPreemptEntity(curr: SchedTask, se: SchedTask): number {
    const vdiff = curr.vruntime - se.vruntime;
    if (vdiff <= 0) return -1;
    return vdiff > this.wakeupGranularity ? 1 : 0;
  }

  /** Whether a freshly woken task preempts the running one. */
  checkPreemptWakeup(rq: RunQueue, woken: SchedTask, now: number): boolean {
    const curr = rq.curr;
    if (!curr) return true;
    this.updateCurr(rq, now);
    if (this.config.kind === 'cfs') {
      if (this.wakeupPreemptEntity(curr, woken) === 1) {
        // LAST_BUDDY: try to give the CPU back to the preempted task.
        if (rq.nrRunning >= this.nrLatency) rq.last = curr;
        return true;
      }
      return false;
    }
    return this.pickEevdf(rq, true) === woken;
  }

  /** scheduler_tick() -> check_preempt_tick() (CFS) / update_deadline() (EEVDF). */
  tick(rq: RunQueue, now: number): boolean {
    const curr = rq.curr;
    if (!curr || !curr.onRq) return false;
    this.updateCurr(rq, now);
    if (rq.nrRunning <= 1) return false;
    if (this.config.kind === 'eevdf') {
      if (curr.vruntime >= curr.deadline) {
        curr.deadline = curr.vruntime + this.baseSlice;
        return true;
      }
      return false;
    }
    const ideal = this.sliceOf(rq);
    const ran = curr.sumExec - curr.prevSumExec;
    if (ran > ideal) {
      this.clearBuddies(rq, curr);
      return true;
    }
    if (ran < this.minGranularity) return false;
    let left: SchedTask | null = null;
    for (const t of rq.queued) if (!left || t.vruntime < left.vruntime) left = t;
    if (!left) return false;
    const delta = curr.vruntime - left.vruntime;
    return delta > ideal;
  }

  /** sched_slice() with every weight equal. */
  private sliceOf(rq: RunQueue): number {
    const nr = rq.nrRunning;
    const period = nr > this.nrLatency ? nr * this.minGranularity : this.latency;
    return period / Math.max(nr, 1);
  }

  /**
   * pick_next_task_fair(): chooses among the queued tasks (the previous task, if still
   * runnable, has been put back into `queued` by the caller) and removes the pick.
   */
  pickNext(rq: RunQueue): SchedTask | null {
    if (rq.queued.length === 0) return null;
    const forced = rq.forced && rq.queued.includes(rq.forced) ? rq.forced : null;
    rq.forced = null;
    const picked = forced ?? (this.config.kind === 'cfs' ? this.pickCfs(rq) : this.pickEevdfNext(rq));
    rq.queued.splice(rq.queued.indexOf(picked), 1);
    this.clearBuddies(rq, picked);
    return picked;
  }

  private pickCfs(rq: RunQueue): SchedTask {
    const left = leftmost(rq.queued, null)!;
    let se = left;
    // Avoid running the skip buddy if running something else is not too unfair.
    if (rq.skip === se) {
      const second = leftmost(rq.queued, left);
      if (second && this.wakeupPreemptEntity(second, left) < 1) se = second;
    }
    // Prefer the last buddy, to give the CPU back to a preempted task.
    if (rq.last && rq.last.onRq && !rq.last.running && this.wakeupPreemptEntity(rq.last, left) < 1) se = rq.last;
    // Someone really wants this to run; if it is not unfair, run it.
    if (rq.next && rq.next.onRq && !rq.next.running && this.wakeupPreemptEntity(rq.next, left) < 1) se = rq.next;
    return se;
  }

  private pickEevdfNext(rq: RunQueue): SchedTask {
    const next = rq.next;
    if (this.config.pickBuddy && next && next.onRq && !next.running && this.eligible(rq, next)) return next;
    return this.pickEevdf(rq, false)!;
  }

  /** pick_eevdf(): the eligible entity with the earliest deadline (RUN_TO_PARITY for curr). */
  private pickEevdf(rq: RunQueue, includeCurr: boolean): SchedTask | null {
    const curr = includeCurr && rq.curr && rq.curr.onRq ? rq.curr : null;
    const all = curr ? [curr, ...rq.queued] : rq.queued;
    let best: SchedTask | null = null;
    for (const t of all) {
      if (!this.eligible(rq, t)) continue;
      if (!best || t.deadline < best.deadline || (t.deadline === best.deadline && t.id < best.id)) best = t;
    }
    if (!best) {
      // Nothing eligible can only be rounding: fall back to the smallest vruntime.
      for (const t of all) if (!best || t.vruntime < best.vruntime) best = t;
    }
    return best;
  }

  /** yield_task_fair() for the running task of `rq`. */
  yieldTaskFair(rq: RunQueue, now: number): void {
    const curr = rq.curr;
    if (!curr || rq.nrRunning === 1) return;
    this.clearBuddies(rq, curr);
    this.updateCurr(rq, now);
    if (this.config.kind === 'cfs') {
      rq.skip = curr;
      return;
    }
    if (this.config.forfeitOnYield) {
      if (this.eligible(rq, curr)) {
        curr.vruntime = curr.deadline;
        curr.deadline += this.baseSlice;
      }
    } else {
      curr.deadline += this.baseSlice;
    }
  }

  /**
   * yield_to_task_fair(): make `target` the next buddy of its queue and yield the caller.
   * Returns false when the target is not on a run queue.
   */
  yieldToTaskFair(rq: RunQueue, targetRq: RunQueue, target: SchedTask, now: number): boolean {
    if (!target.onRq) return false;
    targetRq.next = target;
    this.yieldTaskFair(rq, now);
    const yielder = rq.curr;
    if (this.config.debooster && yielder && rq === targetRq) {
      if (this.config.kind === 'cfs') {
        // deboost_yield_task_vruntime(): only when the target would be refused against the yielder.
        if (this.wakeupPreemptEntity(target, yielder) >= 1) yielder.vruntime = target.vruntime - this.wakeupGranularity;
      } else if (!this.eligible(rq, target)) {
        // The 2025 series' debooster for EEVDF: push the yielder behind the target.
        yielder.vruntime = Math.max(yielder.vruntime, target.vruntime + this.baseSlice);
        yielder.deadline = yielder.vruntime + this.baseSlice;
      }
    }
    return true;
  }

  clearBuddies(rq: RunQueue, t: SchedTask): void {
    if (rq.next === t) rq.next = null;
    if (rq.skip === t) rq.skip = null;
    if (rq.last === t) rq.last = null;
  }
}

/** The entity with the smallest vruntime (then id), passing over `except`: the rbtree's leftmost. */
function leftmost(tasks: readonly SchedTask[], except: SchedTask | null): SchedTask | null {
  let best: SchedTask | null = null;
  for (const t of tasks) {
    if (t === except) continue;
    if (!best || t.vruntime < best.vruntime || (t.vruntime === best.vruntime && t.id < best.id)) best = t;
  }
  return best;
}
