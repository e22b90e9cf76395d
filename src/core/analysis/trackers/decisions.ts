// Yield decisions: one per PAUSE exit (the kvm_vcpu_on_spin call it leads to), its outcome
// and the three problems of the seed talk. With yield_to probes the outcome is observed;
// without them it is inferred from the scheduler: yield_to calls schedule() after a
// successful boost, so a spinner that gave up its CPU had boosted someone, and a sibling that
// was ready at the exit and ran within the boost window was the target.

import { DECISION_OUTCOMES, ProblemFlag, type DecisionColumns } from '../tables';
import type { AnalysisOptions, DecisionOutcome } from '../result';
import { addRow, newDecisionColumns, trimmed } from './columns';
import type { Lanes } from './lanes';
import type { VcpuStateTracker } from './vcpuState';
import type { IpiTracker } from './ipis';

const ESRCH = -3;
const OUTCOME_CODE = new Map<DecisionOutcome, number>(DECISION_OUTCOMES.map((name, code) => [name, code]));

interface OpenDecision {
  /** Row in the decision table. */
  at: number;
  spinner: number;
  ts: number;
  /** Loop position of the PAUSE exit: candidates are the lanes ready then. */
  seq: number;
  /** Ready siblings at the exit (the spinner itself is in the host then). */
  candidates: number;
  /** Receivers of the spinner's IPIs not taken yet at the exit, and those of them preempted. */
  pendingReceivers: number[] | null;
  preemptedReceivers: number[] | null;
  /** Candidates that have run since the exit (their state no longer tells they were ready then). */
  ranCandidates: Map<number, boolean> | null;
  target: number;
  targetWasWoken: boolean;
  spinnerSwitchedOut: boolean;
  probeAttempts: number;
  /** yield_to's return value, NaN when none was seen. */
  probeResult: number;
  probeTargetTid: number;
}

export class DecisionTracker {
  private readonly table: DecisionColumns;
  private readonly openByVm: OpenDecision[][];
  private readonly openOf: (OpenDecision | null)[];
  private waitingEntry: Int32Array;

  constructor(
    private readonly lanes: Lanes,
    private readonly states: VcpuStateTracker,
    private readonly ipis: IpiTracker,
    private readonly opts: AnalysisOptions,
    /** Decided before the pass, so that decisions before the first probe event are judged the same way. */
    private readonly hasYieldProbes: boolean,
    capacity: number,
  ) {
    this.table = newDecisionColumns(capacity);
    this.openByVm = lanes.map.vms.map(() => []);
    this.openOf = new Array(lanes.count).fill(null);
    this.waitingEntry = new Int32Array(lanes.count).fill(-1);
  }

  /** After the state change of a PAUSE exit. */
  onPauseExit(spinner: number, ts: number, seq: number, row: number): void {
    const previous = this.openOf[spinner];
    if (previous) this.close(previous);
    const t = this.table;
    const at = addRow(t);
    t.ts[at] = ts;
    t.endNs[at] = NaN;
    t.spinnerLane[at] = spinner;
    t.targetLane[at] = -1;
    t.outcome[at] = 255;
    t.row[at] = row;
    t.attempts[at] = 0;
    t.problems[at] = 0;
    this.waitingEntry[spinner] = at;
    const pending = this.ipis.pendingReceivers(spinner);
    const pendingReceivers = pending ? [...pending] : null;
    const preempted = pendingReceivers?.filter((r) => this.states.wasReadyAt(r, seq + 1) && !this.states.wasWokenAt(r, seq + 1)) ?? [];
    const d: OpenDecision = {
      at,
      spinner,
      ts,
      seq,
      candidates: this.states.readyInVm[this.lanes.vmOf[spinner]],
      pendingReceivers,
      preemptedReceivers: preempted.length > 0 ? preempted : null,
      ranCandidates: null,
      target: -1,
      targetWasWoken: false,
      spinnerSwitchedOut: false,
      probeAttempts: 0,
      probeResult: NaN,
      probeTargetTid: -1,
    };
    this.openOf[spinner] = d;
    this.openByVm[this.lanes.vmOf[spinner]].push(d);
  }

  onEntry(lane: number, ts: number): void {
    const at = this.waitingEntry[lane];
    if (at < 0) return;
    this.table.endNs[at] = ts;
    this.waitingEntry[lane] = -1;
  }

  /** `prev` leaves its CPU (before its state change); `inPauseExit`: inside a PAUSE exit. */
  onSwitchOut(prev: number, inPauseExit: boolean): void {
    const d = this.openOf[prev];
    if (d && inPauseExit) d.spinnerSwitchedOut = true;
  }

  /** `next` starts to run (before its state change): it may be an open decision's target. */
  onSwitchIn(next: number, ts: number): void {
    const list = this.openByVm[this.lanes.vmOf[next]];
    const tid = this.lanes.lanes[next].tid;
    let matched = false;
    for (const d of [...list]) {
      if (ts - d.ts > this.opts.boostWindowNs) {
        this.close(d);
        continue;
      }
      if (d.spinner === next || d.target >= 0) continue;
      const wasCandidate = this.states.wasReadyAt(next, d.seq) || (d.ranCandidates?.has(next) ?? false);
      const woken = this.states.wasWokenAt(next, d.seq) || (d.ranCandidates?.get(next) ?? false);
      if (matched) {
        // It runs for an earlier decision now, but stays this one's candidate if it runs again.
        if (wasCandidate) (d.ranCandidates ??= new Map()).set(next, woken);
        continue;
      }
      const wanted = d.probeTargetTid >= 0 ? d.probeTargetTid === tid : wasCandidate;
      if (wanted) {
        d.target = next;
        d.targetWasWoken = woken;
        matched = true;
      } else if (wasCandidate) (d.ranCandidates ??= new Map()).set(next, woken);
    }
  }

  /** A yield_to (or kvm_vcpu_yield_to) probe on a vCPU thread. */
  onYieldProbe(lane: number, isReturn: boolean, firstArg: number): void {
    const d = this.openOf[lane];
    if (!d) return;
    if (isReturn) d.probeResult = firstArg;
    else {
      d.probeAttempts++;
      if (!Number.isNaN(firstArg)) d.probeTargetTid = firstArg;
    }
  }

  private close(d: OpenDecision): void {
    const list = this.openByVm[this.lanes.vmOf[d.spinner]];
    const where = list.indexOf(d);
    if (where >= 0) list.splice(where, 1);
    if (this.openOf[d.spinner] === d) this.openOf[d.spinner] = null;
    const ran = d.target >= 0;
    let outcome: DecisionOutcome;
    let attempts: number;
    if (this.hasYieldProbes) {
      attempts = d.probeAttempts;
      if (Number.isNaN(d.probeResult)) outcome = d.probeAttempts > 0 ? 'notBoosted' : 'noCandidate';
      else if (d.probeResult > 0) outcome = ran ? 'boostedRan' : 'boostedNotRun';
      else if (d.probeResult === ESRCH) outcome = 'esrch';
      else outcome = 'notBoosted';
    } else {
      attempts = d.candidates > 0 ? 1 : 0;
      if (ran) outcome = 'boostedRan';
      else if (d.candidates === 0) outcome = 'noCandidate';
      else if (d.spinnerSwitchedOut) outcome = 'boostedNotRun';
      else outcome = 'notBoosted';
    }
    let problems = 0;
    if (outcome === 'boostedNotRun') problems |= ProblemFlag.SchedulerMismatch;
    // Lost opportunity: the vCPU the spinner waits for (an IPI receiver that has not taken
    // the IPI yet) sat preempted, and the decision did not boost it.
    if (d.preemptedReceivers && !(ran && d.preemptedReceivers.includes(d.target))) problems |= ProblemFlag.LostOpportunity;
    // Overboost: the boost went to a vCPU woken from halt that the spinner does not wait for.
    if (ran && d.targetWasWoken && !d.pendingReceivers?.includes(d.target)) problems |= ProblemFlag.Overboost;
    const t = this.table;
    t.outcome[d.at] = OUTCOME_CODE.get(outcome)!;
    t.targetLane[d.at] = d.target;
    t.attempts[d.at] = Math.min(attempts, 0xffff);
    t.problems[d.at] = problems;
  }

  finish(): DecisionColumns {
    for (const list of this.openByVm) for (const d of [...list]) this.close(d);
    return trimmed(this.table);
  }
}
