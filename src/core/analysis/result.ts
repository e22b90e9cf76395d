// The shape of an analysis: options, vCPU states, and the result every view and `--json`
// reads. Kept apart from the loop (analyze.ts) so that the trackers and the range
// aggregation share these types without importing each other.

import type { VcpuThread } from './vcpuMap';
import type { ExitReasonStats } from './exitStats';

export type { ExitReasonStats } from './exitStats';

export interface AnalysisOptions {
  /** Two PAUSE exits of one vCPU belong to one continuous-PLE episode when the vCPU spent at most this long in the guest between them (and did not halt). */
  episodeMaxGuestGapNs: number;
  /** An episode has at least this many PAUSE exits. */
  episodeMinExits: number;
  /** A ready sibling that starts running this soon after a PAUSE exit (and before the spinner's next one) counts as the yield's target. */
  boostWindowNs: number;
  /** Only events in [startNs, endNs] are analysed (a time-range selection). */
  range?: { startNs: number; endNs: number };
}

export const DEFAULT_ANALYSIS_OPTIONS: AnalysisOptions = {
  episodeMaxGuestGapNs: 100_000,
  episodeMinExits: 3,
  boostWindowNs: 1_000_000,
};

/** vCPU states of the timeline. */
export const VcpuState = { Unknown: 0, Guest: 1, Host: 2, Preempted: 3, Halted: 4, Woken: 5 } as const;
export type VcpuState = (typeof VcpuState)[keyof typeof VcpuState];
export const VCPU_STATE_NAMES = ['unknown', 'guest', 'host', 'preempted', 'halted', 'woken'] as const;

export type DecisionOutcome = 'boostedRan' | 'boostedNotRun' | 'esrch' | 'notBoosted' | 'noCandidate';

export interface DecisionOutcomes {
  /** A ready sibling was boosted and ran within the boost window. (Every outcome is null when the trace cannot judge it: see AnalysisResult.notJudged.) */
  boostedRan: number | null;
  /** A boost was made (yield_to > 0, or the spinner gave up its CPU) but no ready sibling ran: the scheduler ignored it. */
  boostedNotRun: number | null;
  /** yield_to returned -ESRCH (probes only). */
  esrch: number | null;
  /** Ready siblings existed but none was boosted (filtered, not eligible, yield_to returned 0, or -ESRCH without probes). */
  notBoosted: number | null;
  /** No sibling was ready: nothing to boost. */
  noCandidate: number | null;
}

export interface VcpuSummary {
  vcpu: number;
  tid: number;
  comm: string;
  vcpuSource: VcpuThread['vcpuSource'];
  kvmExits: number;
  pleExits: number;
  haltExits: number;
  exitReasons: Record<string, number>;
  /** Exit time per reason as perf kvm stat prints it (kvm_exit → next kvm_entry), by samples. */
  exitStats: ExitReasonStats[];
  /** Nanoseconds in each timeline state (without sched_switch only guest and host are known; without sched_wakeup, halted includes woken). */
  time: { guest: number; host: number; preempted: number | null; halted: number | null; woken: number | null };
  /** Time inside PAUSE exits, kvm_exit to the next kvm_entry (perf kvm stat's definition): on a CPU or not. */
  pleTimeNs: number;
  /**
   * On-CPU spin time: handling PAUSE exits while the vCPU thread runs, plus guest time between
   * back-to-back PAUSE exits of a continuous-PLE chain. Never more than time.guest + time.host.
   */
  spinTimeNs: number;
  /** Time inside PAUSE exits with the vCPU thread preempted (after yield_to gave up its CPU): not spinning, waiting. */
  preemptedInExitNs: number | null;
  episodes: number;
  ipisSent: number | null;
  /** PLE window changes in the range; last and max null when this vCPU had none; all null when the trace has no kvm_ple_window_update. */
  window: { grows: number; shrinks: number; last: number | null; max: number | null } | null;
  decisions: DecisionOutcomes;
}

/** [source vCPU number, target vCPU number, boosts]. */
export type BoostTarget = [number, number, number];

export interface VmSummary {
  id: string;
  tgid: number;
  name: string;
  vcpus: VcpuSummary[];
  /** Exit time per reason over all the VM's vCPUs, as perf kvm stat prints it. */
  exitStats: ExitReasonStats[];
  /**
   * Boosts whose target ran, sparse: [source vCPU, target vCPU, count], most first (a VM may
   * have 4,096 vCPUs: an N × N matrix would be 16 M cells). null when not judged.
   */
  targets: BoostTarget[] | null;
}

export interface Episode {
  vm: string;
  vcpu: number;
  tid: number;
  startNs: number;
  endNs: number;
  pleExits: number;
  firstLine: number;
  lastLine: number;
}

/** null when the trace cannot judge the problem (AnalysisResult.notJudged says why). */
export interface ProblemCounts {
  schedulerMismatch: number | null;
  lostOpportunity: number | null;
  overboost: number | null;
}

export interface AnalysisResult {
  startNs: number;
  endNs: number;
  durationNs: number;
  vms: VmSummary[];
  totals: {
    events: number;
    kvmExits: number;
    pleExits: number;
    yieldAttempts: number | null;
    boosts: number | null;
    lostEvents: number;
    ipis: number | null;
    episodes: number;
  };
  decisions: DecisionOutcomes;
  problems: ProblemCounts;
  /** Where decision outcomes and problems come from. */
  inference: 'yield_to probes' | 'inferred from sched_switch' | 'not judged';
  episodes: Episode[];
  /** Counts per KVM site (DESIGN.md site names) where probes observed them. */
  sites: Record<string, number>;
  /** Every probe event by name, including line probes. */
  probes: Record<string, number>;
  vmGrouping: string;
  /** Figure path ('problems.overboost', 'decisions.esrch', 'vcpus.time.preempted', …) → why this trace cannot judge it. */
  notJudged: Record<string, string>;
  warnings: string[];
}

