// The shape of an analysis: options, vCPU states, and the result every view and `--json`
// reads. Kept apart from the loop (analyze.ts) so that the trackers and the range
// aggregation share these types without importing each other.

import type { VcpuThread } from './vcpuMap';

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
  /** A ready sibling was boosted and ran within the boost window. */
  boostedRan: number;
  /** A boost was made (yield_to > 0, or the spinner gave up its CPU) but no ready sibling ran: the scheduler ignored it. */
  boostedNotRun: number;
  /** yield_to returned -ESRCH (probes only). */
  esrch: number;
  /** Ready siblings existed but none was boosted (filtered, not eligible, yield_to returned 0, or -ESRCH without probes). */
  notBoosted: number;
  /** No sibling was ready: nothing to boost. */
  noCandidate: number;
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
  /** Nanoseconds in each timeline state. */
  time: { guest: number; host: number; preempted: number; halted: number; woken: number };
  /** Time handling PAUSE exits, kvm_exit to the next kvm_entry (perf kvm stat's definition). */
  pleTimeNs: number;
  /** PAUSE-exit time plus guest time between back-to-back PAUSE exits of an episode. */
  spinTimeNs: number;
  episodes: number;
  ipisSent: number;
  window: { grows: number; shrinks: number; last: number; max: number };
  decisions: DecisionOutcomes;
}

export interface VmSummary {
  id: string;
  tgid: number;
  name: string;
  vcpus: VcpuSummary[];
  /** boosts[i][j]: decisions of vCPU i whose target was vCPU j (by position in vcpus). */
  targetMatrix: number[][];
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

export interface ProblemCounts {
  schedulerMismatch: number;
  lostOpportunity: number;
  overboost: number;
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
    yieldAttempts: number;
    boosts: number;
    lostEvents: number;
    ipis: number;
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
  warnings: string[];
}

