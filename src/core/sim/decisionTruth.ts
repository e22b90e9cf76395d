// The simulator's per-decision truth: for every kvm_vcpu_on_spin call (one per PAUSE exit) of
// the measured run, when, which vCPU thread, and which of the three problems it truly had —
// the same ProblemFlag bits the analysis puts on its decision columns, so the two align by
// (timestamp, thread id). Kept in memory only (never written into the run file): it is what
// the host-only inference is measured against.

import { ProblemFlag } from '../analysis/tables';

export interface DecisionTruth {
  count: number;
  /** PAUSE exit time (the decision's kvm_exit timestamp), ns. */
  ts: number[];
  /** Host thread id of the spinning vCPU. */
  tid: number[];
  /** ProblemFlag bits, set when the simulator judges the decision (scheduler mismatch later, at the pick). */
  labels: number[];
}

export class DecisionTruthLog {
  readonly truth: DecisionTruth = { count: 0, ts: [], tid: [], labels: [] };

  /** A new decision; returns its index for the labels judged later. */
  open(ts: number, tid: number): number {
    const t = this.truth;
    t.ts.push(ts);
    t.tid.push(tid);
    t.labels.push(0);
    return t.count++;
  }

  label(at: number, flag: (typeof ProblemFlag)[keyof typeof ProblemFlag]): void {
    if (at >= 0) this.truth.labels[at] |= flag;
  }
}
