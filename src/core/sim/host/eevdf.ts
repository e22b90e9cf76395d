// EEVDF as in Linux 6.6+ (kernel/sched/fair.c): eligibility (vruntime <= the weighted average
// vruntime), virtual deadlines, lag kept across sleep; NEXT_BUDDY off (6.6, features.h) or
// the pick buddy (6.12.13+ / 6.13: cfs_rq->next is taken while eligible); DELAY_DEQUEUE (6.12+);
// forfeit on yield (6.19). The arithmetic is the kernel's: integer sums of entity_key() * weight
// relative to cfs_rq->min_vruntime, kept as entities enter and leave the rbtree (6.19 keeps them
// relative to zero_vruntime, the average itself, which only moves where avg_vruntime() rounds
// down: not modelled apart).
import { onQueue, type CfsRq, type SchedEntity, type SchedTask } from './entity';
import { FairScheduler, calcDeltaFair, updateMinVruntime } from './fair';

/** TICK_NSEC at HZ=1000: the floor of the lag clamp in entity_lag(). */
const TICK_NSEC = 1_000_000;

// The sums avg_vruntime() and vruntime_eligible() read, kept as the kernel keeps them
// (avg_vruntime_add/sub from __enqueue_entity/__dequeue_entity, 6.6+): cfs_rq->avg_vruntime =
// \Sum (v_i - min_vruntime) * w_i and avg_load = \Sum w_i over the rbtree, curr added when read.
// The kernel's vruntimes are whole nanoseconds (u64); the model's are not, so a key is taken in
// whole ns: the sums are then exact integers (below 2^53) and stay equal to a recount however
// many entities come and go, where float sums would drift.

/** entity_key() in whole ns, relative to the base the queue's sums use. */
function entityKey(q: CfsRq, vruntime: number): number {
  return Math.floor(vruntime) - q.avgBase;
}

/**
 * avg_vruntime_update() (called by update_min_vruntime(), 6.6-6.18): when min_vruntime moves by
 * d every key shrinks by d, so avg_vruntime -= avg_load * d. Done when the sums are next used.
 */
function rebase(q: CfsRq): void {
  const base = Math.floor(q.minVruntime);
  if (base === q.avgBase) return;
  q.avgVruntime -= q.avgLoad * (base - q.avgBase);
  q.avgBase = base;
}

/** avg_vruntime()'s `avg`: the kept \Sum key_i * w_i with curr added while it is on the queue. */
function weightedKeys(q: CfsRq): number {
  rebase(q);
  const curr = q.curr;
  return curr && onQueue(curr) ? q.avgVruntime + entityKey(q, curr.vruntime) * curr.weight : q.avgVruntime;
}

/** avg_vruntime()'s `load`: avg_load with curr's weight added while it is on the queue. */
function queueLoad(q: CfsRq): number {
  const curr = q.curr;
  return curr && onQueue(curr) ? q.avgLoad + curr.weight : q.avgLoad;
}

/** vruntime_eligible() against the queue's sums read once (\Sum key_i * w_i and \Sum w_i). */
function eligibleAgainst(q: CfsRq, se: SchedEntity, weightedKeySum: number, load: number): boolean {
  return weightedKeySum >= entityKey(q, se.vruntime) * load;
}

/** floor(a / b) of integers for b > 0, exact where the float quotient rounds onto an integer. */
function floorDiv(a: number, b: number): number {
  let d = Math.floor(a / b);
  if (d * b > a) d--;
  else if ((d + 1) * b <= a) d++;
  return d;
}

export class EevdfScheduler extends FairScheduler {
  /** se->rel_deadline (6.12+): the deadline an entity took off its old queue, relative to its vruntime. */
  private readonly relDeadlines = new Map<SchedEntity, number>();

  /**
   * avg_vruntime() (6.6-6.18): min_vruntime + \Sum key_i * w_i / \Sum w_i over every entity on
   * the queue (curr and delayed ones included), rounded down ("sign flips effective floor /
   * ceiling") so that an entity placed at the result is eligible; an empty queue gives min_vruntime.
   */
  avgVruntime(q: CfsRq): number {
    const sum = weightedKeys(q);
    const load = queueLoad(q);
    return load ? q.avgBase + floorDiv(sum, load) : q.minVruntime;
  }

  /** entity_eligible() / vruntime_eligible(): \Sum key_i * w_i >= key * \Sum w_i, without the division. */
  eligible(q: CfsRq, se: SchedEntity): boolean {
    return eligibleAgainst(q, se, weightedKeys(q), queueLoad(q));
  }

  /** __enqueue_entity() -> avg_vruntime_add(). */
  protected override insertQueued(q: CfsRq, se: SchedEntity): void {
    super.insertQueued(q, se);
    rebase(q);
    q.avgVruntime += entityKey(q, se.vruntime) * se.weight;
    q.avgLoad += se.weight;
  }

  /** __dequeue_entity() -> avg_vruntime_sub(). */
  protected override removeQueued(q: CfsRq, se: SchedEntity): void {
    const before = q.queued.length;
    super.removeQueued(q, se);
    if (q.queued.length === before) return;
    rebase(q);
    q.avgVruntime -= entityKey(q, se.vruntime) * se.weight;
    q.avgLoad -= se.weight;
  }

  /** calc_delta_fair(sysctl_sched_base_slice, se): the request r_i / w_i. */
  private vslice(se: SchedEntity): number {
    return calcDeltaFair(this.baseSlice, se);
  }

  /**
   * place_entity() with PLACE_LAG: on a queue that holds entities the saved lag is inflated by
   * (W + w_i) / W (div_s64: truncated), so that once the entity itself moves the average its lag
   * is the one it slept with; on an empty queue it starts at V with no lag. vd_i = v_i + r_i / w_i.
   */
  protected placeOnWakeup(q: CfsRq, se: SchedEntity): void {
    const vruntime = this.avgVruntime(q);
    let lag = 0;
    if (q.nrRunning > 0) {
      const load = queueLoad(q);
      lag = Math.trunc((se.vlag * (load + se.weight)) / load);
    }
    se.vruntime = vruntime - lag;
    // PLACE_REL_DEADLINE: a migrated entity resumes the request it was in the middle of.
    const rel = this.relDeadlines.get(se);
    if (rel !== undefined) {
      this.relDeadlines.delete(se);
      se.deadline = se.vruntime + rel;
      return;
    }
    se.deadline = se.vruntime + this.vslice(se);
  }

  /** update_entity_lag() / entity_lag(): V - v_i, clamped to calc_delta_fair(max(2 slices, TICK_NSEC)). */
  protected saveOnSleep(q: CfsRq, se: SchedEntity): void {
    const lag = this.avgVruntime(q) - se.vruntime;
    const limit = calcDeltaFair(Math.max(2 * this.baseSlice, TICK_NSEC), se);
    se.vlag = Math.max(-limit, Math.min(limit, lag));
  }

  /** dequeue_entity() (6.12+, DELAY_DEQUEUE): a sleeping entity that is not eligible stays on the queue. */
  protected override delaysDequeue(q: CfsRq, se: SchedEntity): boolean {
    return this.config.delayDequeue && !this.eligible(q, se);
  }

  /**
   * requeue_delayed_entity() with DELAY_ZERO: the lag is updated; an entity that became eligible
   * while it waited is placed again at V with no lag, any other keeps its vruntime.
   */
  protected override requeueDelayed(se: SchedEntity): void {
    const q = se.cfsRq;
    this.saveOnSleep(q, se);
    if (se.vlag > 0) {
      this.removeQueued(q, se);
      se.delayed = false;
      se.vlag = 0;
      this.placeOnWakeup(q, se);
      if (q.curr !== se) this.insertQueued(q, se);
    }
    se.delayed = false;
    se.onRq = true;
  }

  /**
   * A migrating entity keeps its lag (dequeue saved it, or its sleep did) and is placed by it on
   * arrival. dequeue_entity() without DEQUEUE_SLEEP (6.12+, PLACE_REL_DEADLINE, 82e9d0456e06
   * "Avoid re-setting virtual deadline on 'migrations'"): a queued task also keeps its deadline
   * as `deadline - vruntime` (se->rel_deadline), and place_entity() adds it back, instead of a
   * fresh slice. Its parents are dequeued with DEQUEUE_SLEEP (dequeue_entities()), so only the task.
   */
  protected detachVruntime(_q: CfsRq, se: SchedEntity, runnable: boolean): void {
    if (runnable && this.config.placeRelDeadline) this.relDeadlines.set(se, se.deadline - se.vruntime);
  }

  protected attachVruntime(q: CfsRq, se: SchedEntity, runnable: boolean): void {
    if (runnable) this.placeOnWakeup(q, se);
  }

  /** set_next_entity()'s RUN_TO_PARITY hack: vlag = deadline marks the slice the entity was picked with. */
  protected override startTurn(se: SchedEntity): void {
    se.vlag = se.deadline;
  }

  /**
   * RUN_TO_PARITY in pick_eevdf(): the running entity keeps the CPU while eligible and in the
   * slice it was picked with. 6.17 (052c3d87c82e "Limit run to parity to the min slice of
   * enqueued entities") keeps the bound in se->vprot = min(deadline, vruntime +
   * calc_delta_fair(cfs_rq_min_slice())) and protects while vruntime < vprot. Every entity here
   * has the base slice (no sched_attr slices), so vprot is the deadline, and the deadline moves
   * only once vruntime has passed it (update_deadline) or, in 6.19, by the forfeit (vruntime =
   * deadline): "vlag === deadline" asks the same, and 6.19 needs no separate form. (6.17-6.18,
   * whose yield only pushes the deadline, would keep vprot across a yield: not modelled.)
   */
  private keepsParity(q: CfsRq, se: SchedEntity | null): boolean {
    return this.config.runToParity && se !== null && se.onRq && se.vlag === se.deadline && this.eligible(q, se);
  }

  /** pick_next_entity(): the next buddy first (PICK_BUDDY, 6.12.13+), then pick_eevdf() with the put-back entity as curr. */
  protected pickEntity(q: CfsRq): SchedEntity {
    const next = q.next;
    if (this.config.pickBuddy && next && next.onRq && !next.running && this.eligible(q, next)) return next;
    if (this.keepsParity(q, q.putBack)) return q.putBack!;
    return this.pickEevdf(q, false)!;
  }

  /** pick_eevdf(): the eligible entity with the earliest deadline. */
  pickEevdf(q: CfsRq, includeCurr: boolean): SchedEntity | null {
    const curr = includeCurr && q.curr && q.curr.onRq ? q.curr : null;
    if (this.keepsParity(q, curr)) return curr;
    // vruntime_eligible()'s sums, read once: nothing in the loop moves them.
    const avg = weightedKeys(q);
    const load = queueLoad(q);
    let best: SchedEntity | null = null;
    if (curr && eligibleAgainst(q, curr, avg, load)) best = curr;
    const queued = q.queued;
    for (let i = 0; i < queued.length; i++) {
      const t = queued[i];
      if (!eligibleAgainst(q, t, avg, load)) continue;
      if (!best || t.deadline < best.deadline || (t.deadline === best.deadline && t.id < best.id)) best = t;
    }
    if (!best) {
      // Nothing eligible can only be rounding: fall back to the smallest vruntime.
      best = curr;
      for (const t of q.queued) if (!best || t.vruntime < best.vruntime) best = t;
    }
    return best;
  }

  /** check_preempt_wakeup_fair(): preempt when pick_eevdf() of the matched queue is the woken side. */
  protected wakeupPreempts(_curr: SchedTask, se: SchedEntity, pse: SchedEntity): boolean {
    return this.pickEevdf(se.cfsRq, true) === pse;
  }

  /**
   * update_curr() from the tick: update_deadline() gives a spent slice a new deadline and a
   * reschedule; 6.12+ (PREEMPT_SHORT) also reschedules an entity that is out of the slice
   * RUN_TO_PARITY protects and no longer eligible (did_preempt_short()). Without that rule
   * (6.6) an entity whose deadline yields pushed far ahead keeps the CPU until its vruntime
   * reaches it.
   */
  protected entityTick(q: CfsRq, curr: SchedEntity): boolean {
    if (curr.vruntime >= curr.deadline) {
      curr.deadline = curr.vruntime + this.vslice(curr);
      return true;
    }
    return this.config.preemptShort && curr.vlag !== curr.deadline && !this.eligible(q, curr);
  }

  /**
   * yield_task_fair() (6.6+): push the deadline out by a slice, however far ahead it already is
   * (a tight yield loop sends it seconds ahead: see eevdfRunaway.test.ts); 6.19 forfeits the rest
   * of the slice instead, only while eligible, and updates min_vruntime.
   */
  protected yieldCurrent(curr: SchedTask): void {
    const q = curr.cfsRq;
    if (this.config.forfeitOnYield) {
      if (this.eligible(q, curr)) {
        curr.vruntime = curr.deadline;
        curr.deadline += this.vslice(curr);
        updateMinVruntime(q);
      }
    } else {
      curr.deadline += this.vslice(curr);
    }
  }

  /** The 2025 series' debooster for EEVDF (whatever the form): push a same-queue yielder behind an ineligible target. */
  protected deboost(yielder: SchedTask, target: SchedTask): void {
    if (yielder.cfsRq !== target.cfsRq || this.eligible(target.cfsRq, target)) return;
    yielder.vruntime = Math.max(yielder.vruntime, target.vruntime + this.baseSlice);
    yielder.deadline = yielder.vruntime + this.vslice(yielder);
  }
}
