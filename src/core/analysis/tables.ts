// The interval and event tables the analysis keeps with the store for the life of a session
// (Perfetto's thread_state / sched tables in spirit): what the timeline draws, what range
// requests aggregate, what exports write. Columnar; each table is ordered by (lane, startNs)
// for intervals and by ts for instants. The state trackers fill them in one pass.

/** A vCPU lane: one vCPU thread of one VM. Index = position in TimelineTables.vcpuLanes. */
export interface VcpuLane {
  vm: string;
  vmIndex: number;
  vcpu: number;
  tid: number;
  comm: string;
}

/** A pCPU lane. Index = position in TimelineTables.cpuLanes. */
export interface CpuLane {
  cpu: number;
}

/** What a pCPU ran during a CpuRuns interval. */
export const CpuRunKind = { Idle: 0, Vcpu: 1, Other: 2 } as const;
export type CpuRunKind = (typeof CpuRunKind)[keyof typeof CpuRunKind];

/** Growable columnar interval table. `lane` indexes vcpuLanes or cpuLanes, by table. */
export interface IntervalColumns {
  count: number;
  lane: Uint32Array;
  startNs: Float64Array;
  endNs: Float64Array;
  /** vCPU states: VcpuState (analyze.ts); pCPU runs: CpuRunKind. */
  state: Uint8Array;
  /** vCPU states: the pCPU it was on (-1 when not on a CPU or unknown); pCPU runs: the thread id that ran (-1 idle). */
  detail: Int32Array;
  /** pCPU runs: the vCPU lane that ran (-1 for idle / other tasks); vCPU states: -1. */
  vcpuLane: Int32Array;
  /** Store row of the event that began the interval (for details and the raw line). */
  row: Uint32Array;
  /** vCPU states: IntervalFlag bits; pCPU runs: 0. */
  flags: Uint8Array;
  /** Lane l's intervals are rows laneStart[l] .. laneStart[l + 1] - 1 (length: lanes + 1). */
  laneStart: Uint32Array;
}

/** Outcome codes of a yield decision, in the order of DecisionOutcome. */
export const DECISION_OUTCOMES = ['boostedRan', 'boostedNotRun', 'esrch', 'notBoosted', 'noCandidate'] as const;

/** One row per PAUSE exit (= one yield decision). */
export interface DecisionColumns {
  count: number;
  /** kvm_exit timestamp. */
  ts: Float64Array;
  /** Next kvm_entry of the spinner (NaN when the trace ends first). */
  endNs: Float64Array;
  spinnerLane: Uint32Array;
  /** vCPU lane of the boost target, -1 when none was identified. */
  targetLane: Int32Array;
  /** Index into DECISION_OUTCOMES, 255 when not judged (no sched events). */
  outcome: Uint8Array;
  row: Uint32Array;
  /** yield_to calls this decision made (observed with probes, else 1 when a candidate was ready). */
  attempts: Uint16Array;
  /** ProblemFlag bits. */
  problems: Uint8Array;
}

/** One row per IPI seen by kvm_apic_ipi between two vCPUs of one VM. */
export interface IpiColumns {
  count: number;
  ts: Float64Array;
  fromLane: Uint32Array;
  toLane: Uint32Array;
  row: Uint32Array;
}

export interface TimelineTables {
  vcpuLanes: VcpuLane[];
  cpuLanes: CpuLane[];
  vcpuStates: IntervalColumns;
  cpuRuns: IntervalColumns;
  decisions: DecisionColumns;
  ipis: IpiColumns;
  /** First and last timestamp of the trace (ns). */
  startNs: number;
  endNs: number;
}

// ---- Added by the state model (fields beyond the timeline's contract) ----

/** Bits of IntervalColumns.flags on vCPU states. */
export const IntervalFlag = {
  /** Between a PAUSE exit's kvm_exit and the vCPU's next kvm_entry (perf kvm stat's exit time). */
  InPauseExit: 1,
  /** Counted as spin time: on a CPU inside a PAUSE exit, or in the guest between back-to-back PAUSE exits of a continuous-PLE chain. */
  Spin: 2,
} as const;

/** Bits of DecisionColumns.problems. */
export const ProblemFlag = { SchedulerMismatch: 1, LostOpportunity: 2, Overboost: 4 } as const;

/** One row per kvm_exit of a vCPU thread, in timestamp order. */
export interface ExitColumns {
  count: number;
  /** Store row of the kvm_exit (its ts, tid and reason). */
  row: Uint32Array;
  /** Next kvm_entry of that vCPU (NaN when the trace ends first): perf kvm stat's exit time. */
  endNs: Float64Array;
  lane: Uint32Array;
}

/** One row per kvm_ple_window_update of a vCPU thread, in timestamp order. */
export interface WindowColumns {
  count: number;
  ts: Float64Array;
  lane: Uint32Array;
  /** The new window (cycles). */
  window: Float64Array;
  /** 1 grow, 0 shrink. */
  grow: Uint8Array;
}
