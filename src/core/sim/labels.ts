// The simulator's ground truth about each yield decision: whether its boost was helpful, an
// overboost or unhelpful, whether the spin wait lost an opportunity, and — later, at the pick
// after the boost's reschedule — whether the scheduler passed the target over. It counts them
// and, with a truth log, labels the decision.

import { ProblemFlag } from '../analysis/tables';
import { BoostsAwaitingPick } from './boostsAwaitingPick';
import { DecisionTruthLog } from './decisionTruth';
import type { DecisionLabel } from './guestView';
import { isSpinPhase, type Vcpu } from './guest/vcpu';
import type { WaitSet } from './guest/waitSet';
import type { SchedTask } from './host/scheduler';
import { userModeFilterSkips } from './kvm/onSpin';
import type { SimCounters } from './metrics';
import type { Policy } from './policies';

export class DecisionJudge {
  /** Truth log index of the decision being made (-1: none, or not logging). */
  private truthAt = -1;
  /** Per pCPU: boosts waiting for the next pick on that queue to judge them. */
  private readonly awaiting: BoostsAwaitingPick[] = [];

  constructor(
    private readonly m: SimCounters,
    readonly truthLog: DecisionTruthLog | null,
    pcpus: number,
    private readonly policy: Policy,
    /** kvm_arch_dy_has_pending_interrupt() of the modelled hardware. */
    private readonly pendingInterrupt: (v: Vcpu) => boolean,
  ) {
    for (let c = 0; c < pcpus; c++) this.awaiting.push(new BoostsAwaitingPick());
  }

  /** A decision starts: while measuring, its truth labels go to a new entry. */
  open(now: number, tid: number, measuring: boolean): void {
    this.truthAt = this.truthLog && measuring ? this.truthLog.open(now, tid) : -1;
  }

  boost(target: Vcpu | null, wanted: WaitSet): DecisionLabel {
    if (!target) return 'noBoost';
    this.m.boosts++;
    if (wanted.includes(target)) {
      this.m.helpfulBoosts++;
      return 'helpful';
    }
    if (target.woken && !target.preempted) {
      this.m.overboost++;
      this.truthLog?.label(this.truthAt, ProblemFlag.Overboost);
      return 'overboost';
    }
    this.m.unhelpful++;
    if (isSpinPhase(target.phase)) this.m.unhelpfulSpinning++;
    return 'unhelpful';
  }

  /**
   * Lost opportunity, once per spin wait: no awaited vCPU was boosted while one sat preempted
   * and the policy's user-mode filter would skip it — wherever the walk stopped.
   */
  lostOpportunity(me: Vcpu, target: Vcpu | null, wanted: WaitSet): boolean {
    if (me.waitLost || (target && wanted.includes(target))) return false;
    let skipped = false;
    for (let i = 0; i < wanted.length && !skipped; i++) {
      const w = wanted.at(i);
      skipped = w.preempted && !w.blocked && userModeFilterSkips(w, me, this.policy, this.pendingInterrupt);
    }
    if (!skipped) return false;
    me.waitLost = true;
    this.m.lost++;
    this.truthLog?.label(this.truthAt, ProblemFlag.LostOpportunity);
    return true;
  }

  /** yield_to boosted `target` on `targetCpu`: the next pick there judges it. */
  boosted(target: SchedTask, targetCpu: number, sameQueue: boolean): void {
    this.awaiting[targetCpu].add(target, sameQueue, this.truthAt);
    if (sameQueue) this.m.boostsSameQueue++;
  }

  /** Scheduler mismatch where the kernel decides it: the pick after a boost's reschedule. */
  pick(cpu: number, next: SchedTask | null): void {
    const waiting = this.awaiting[cpu];
    if (waiting.length === 0) return;
    for (let i = 0; i < waiting.length; i++) {
      if (waiting.target(i) === next) continue;
      this.truthLog?.label(waiting.truthIndex(i), ProblemFlag.SchedulerMismatch);
      if (waiting.isSameQueue(i)) this.m.mismatchSameQueue++;
      else this.m.mismatchCrossQueue++;
    }
    waiting.clear();
  }
}
