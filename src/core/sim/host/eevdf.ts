// EEVDF as in Linux 6.6+ (kernel/sched/fair.c): eligibility (vruntime <= the weighted average
// vruntime), virtual deadlines, lag kept across sleep; NEXT_BUDDY off (6.6, features.h) or
// the pick buddy (6.12.13+ / 6.13: cfs_rq->next is taken while eligible); forfeit on yield (6.19).

import type { CfsRq, SchedEntity, SchedTask } from './entity';
import { FairScheduler } from './fair';

const NSEC_PER_MSEC = 1_000_000;

export class EevdfScheduler extends FairScheduler {
  /** avg_vruntime() over every entity on the queue, the running one included. */
  avgVruntime(q: CfsRq): number {
    let sum = 0;
    let n = 0;
    if (q.curr && q.curr.onRq) {
      sum += q.curr.vruntime;
      n++;
    }
    for (const t of q.queued) {
      sum += t.vruntime;
      n++;
    }
    return n ? sum / n : q.minVruntime;
  }

  /** entity_eligible(): lag >= 0. */
  eligible(q: CfsRq, se: SchedEntity): boolean {
    return se.vruntime <= this.avgVruntime(q) + 1e-9;
  }

  /**
   * place_entity() keeps the lag the entity had when it slept. Not modelled (open): the kernel's
   * avg_vruntime relative to min_vruntime with exact eligibility, and the lag inflation by
   * (W + w) / W; each, tried, made 6.6 starve a VM in this model (paper seed 1, 0.2 s: fairness
   * 0.43; lock-2vm seed 7: 1 PAUSE exit in 0.04 s) through an interaction not yet found.
   */
  protected placeOnWakeup(q: CfsRq, se: SchedEntity): void {
    se.vruntime = this.avgVruntime(q) - se.vlag;
    se.deadline = se.vruntime + this.baseSlice;
  }

  /** update_entity_lag() in dequeue_entity(), clamped to max(2 slices, 1 ms). */
  protected saveOnSleep(q: CfsRq, se: SchedEntity): void {
    const lag = this.avgVruntime(q) - se.vruntime;
    const limit = Math.max(2 * this.baseSlice, NSEC_PER_MSEC);
    se.vlag = Math.max(-limit, Math.min(limit, lag));
  }

  /** A migrating entity keeps its lag (dequeue saved it, or its sleep did) and is placed by it on arrival. */
  protected detachVruntime(): void {}

  protected attachVruntime(q: CfsRq, se: SchedEntity, runnable: boolean): void {
    if (runnable) this.placeOnWakeup(q, se);
  }

  /** set_next_entity()'s RUN_TO_PARITY hack: vlag = deadline marks the slice the entity was picked with. */
  protected override startTurn(se: SchedEntity): void {
    se.vlag = se.deadline;
  }

  /** RUN_TO_PARITY in pick_eevdf(): the running entity keeps the CPU while eligible and in the slice it was picked with. */
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
    const all = curr ? [curr, ...q.queued] : q.queued;
    let best: SchedEntity | null = null;
    for (const t of all) {
      if (!this.eligible(q, t)) continue;
      if (!best || t.deadline < best.deadline || (t.deadline === best.deadline && t.id < best.id)) best = t;
    }
    if (!best) {
      // Nothing eligible can only be rounding: fall back to the smallest vruntime.
      for (const t of all) if (!best || t.vruntime < best.vruntime) best = t;
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
      curr.deadline = curr.vruntime + this.baseSlice;
      return true;
    }
    return this.config.preemptShort && curr.vlag !== curr.deadline && !this.eligible(q, curr);
  }

  /** yield_task_fair() (6.6+): push the deadline out by a slice; 6.19 forfeits the rest of the slice. */
  protected yieldCurrent(curr: SchedTask): void {
    const q = curr.cfsRq;
    if (this.config.forfeitOnYield) {
      if (this.eligible(q, curr)) {
        curr.vruntime = curr.deadline;
        curr.deadline += this.baseSlice;
      }
    } else {
      curr.deadline += this.baseSlice;
    }
  }

  /** The 2025 series' debooster for EEVDF (whatever the form): push a same-queue yielder behind an ineligible target. */
  protected deboost(yielder: SchedTask, target: SchedTask): void {
    if (yielder.cfsRq !== target.cfsRq || this.eligible(target.cfsRq, target)) return;
    yielder.vruntime = Math.max(yielder.vruntime, target.vruntime + this.baseSlice);
    yielder.deadline = yielder.vruntime + this.baseSlice;
  }
}
