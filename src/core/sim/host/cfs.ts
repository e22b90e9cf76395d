// CFS as in Linux 5.6 (kernel/sched/fair.c): vruntime order, GENTLE_FAIR_SLEEPERS placement,
// check_preempt_tick, wakeup preemption with the LAST_BUDDY, and pick_next_entity's skip /
// last / next buddies, each gated by wakeup_preempt_entity() < 1 against the leftmost.

import { leftmost, type CfsRq, type SchedEntity, type SchedTask } from './entity';
import { FairScheduler, clearBuddies, setLastBuddy, setSkipBuddy } from './fair';

export class CfsScheduler extends FairScheduler {
  /** place_entity(initial = 0) with GENTLE_FAIR_SLEEPERS: at most half a latency of sleeper credit. */
  protected placeOnWakeup(q: CfsRq, se: SchedEntity): void {
    const floor = q.minVruntime - this.latency / 2;
    se.vruntime = Math.max(se.vruntime, floor);
  }

  protected saveOnSleep(): void {
    // CFS keeps the absolute vruntime of a sleeper (dequeue_entity with DEQUEUE_SLEEP).
  }

  /**
   * Migration keeps vruntime relative to min_vruntime: dequeue_entity() without DEQUEUE_SLEEP,
   * or migrate_task_rq_fair() for a waking task, subtracts the old queue's; enqueue_entity()
   * with ENQUEUE_MIGRATED adds the new one's.
   */
  protected detachVruntime(q: CfsRq, se: SchedEntity): void {
    se.vruntime -= q.minVruntime;
  }

  protected attachVruntime(q: CfsRq, se: SchedEntity): void {
    se.vruntime += q.minVruntime;
  }

  /** wakeup_preempt_entity(curr, se): -1 se is behind, 0 within wakeup_gran(se), 1 too far ahead. */
  wakeupPreemptEntity(curr: SchedEntity, se: SchedEntity): number {
    const vdiff = curr.vruntime - se.vruntime;
    if (vdiff <= 0) return -1;
    return vdiff > this.wakeupGranularity ? 1 : 0;
  }

  /** pick_next_entity() (5.6). A running task is never taken as a buddy (yield_to refuses one). */
  protected pickEntity(q: CfsRq): SchedEntity {
    const left = leftmost(q.queued, null)!;
    let se = left;
    // Avoid running the skip buddy if running something else is not too unfair.
    if (q.skip === se) {
      const second = leftmost(q.queued, left);
      if (second && this.wakeupPreemptEntity(second, left) < 1) se = second;
    }
    // Prefer the last buddy, to give the CPU back to a preempted task.
    if (q.last && q.last.onRq && !q.last.running && this.wakeupPreemptEntity(q.last, left) < 1) se = q.last;
    // Someone really wants this to run; if it is not unfair, run it.
    if (q.next && q.next.onRq && !q.next.running && this.wakeupPreemptEntity(q.next, left) < 1) se = q.next;
    return se;
  }

  /**
   * check_preempt_wakeup() after find_matching_se(): preempt when the woken side is more than a
   * wakeup granularity behind; LAST_BUDDY only when the matched entity is the task itself
   * (entity_is_task) and its cfs_rq holds at least sched_nr_latency entities.
   */
  protected wakeupPreempts(curr: SchedTask, se: SchedEntity, pse: SchedEntity): boolean {
    if (this.wakeupPreemptEntity(se, pse) !== 1) return false;
    if (se === curr && se.onRq && curr.cfsRq.nrRunning >= this.nrLatency) setLastBuddy(se);
    return true;
  }

  /** check_preempt_tick(). */
  protected entityTick(q: CfsRq, curr: SchedEntity): boolean {
    const ideal = this.schedSlice(curr);
    const ran = curr.sumExec - curr.prevSumExec;
    if (ran > ideal) {
      clearBuddies(q, curr);
      return true;
    }
    if (ran < this.minGranularity) return false;
    const left = leftmost(q.queued, null);
    if (!left) return false;
    return curr.vruntime - left.vruntime > ideal;
  }

  /** sched_slice(): the period of the entity's queue, shared at every level by (equal) weight. */
  schedSlice(se: SchedEntity): number {
    const nr = se.cfsRq.nrRunning + (se.onRq ? 0 : 1);
    let slice = nr > this.nrLatency ? nr * this.minGranularity : this.latency;
    for (let e: SchedEntity | null = se; e; e = e.parent) slice /= Math.max(e.cfsRq.nrRunning + (e.onRq ? 0 : 1), 1);
    return slice;
  }

  /** yield_task_fair() (5.6): set_skip_buddy() up the hierarchy. */
  protected yieldCurrent(curr: SchedTask): void {
    setSkipBuddy(curr);
  }

  /**
   * The Debooster, before yield_task_fair() as both patches call it:
   *  - patch 0001 (sslab-keio/ple-kvm, for 5.6), deboost_yield_task(): only when
   *    cfs_rq_of(yield_se) == cfs_rq_of(next_se) — with task groups only for siblings of one group;
   *  - the RFC ("[RFC PATCH 1/2] Prevent CFS from ignoring boost requests from KVM", Ishiguro,
   *    21 Apr 2021): on one rq, walk yield_se up and, for each, next_se up to the first shared
   *    cfs_rq, and deboost the yielder's entity at that level (a group entity under libvirt).
   */
  protected deboost(yielder: SchedTask, target: SchedTask): void {
    if (this.config.debooster === 'patch-0001') {
      if (yielder.cfsRq === target.cfsRq) this.deboostVruntime(target, yielder);
      return;
    }
    if (yielder.cpu !== target.cpu) return;
    for (let y: SchedEntity | null = yielder; y; y = y.parent) {
      for (let n: SchedEntity | null = target; n; n = n.parent) {
        if (y.cfsRq === n.cfsRq) {
          this.deboostVruntime(n, y);
          return;
        }
      }
    }
  }

  /** deboost_yield_task_vruntime(): only when the target would be refused against the yielder (wakeup_gran: all weights 1024). */
  private deboostVruntime(next: SchedEntity, yielder: SchedEntity): void {
    if (this.wakeupPreemptEntity(next, yielder) >= 1) yielder.vruntime = next.vruntime - this.wakeupGranularity;
  }
}
