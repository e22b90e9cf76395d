// Which figures a trace can judge, and why not: a figure that needs an event the trace lacks
// is null (never a made-up 0) and carries its reason, keyed by the figure's path in the
// result ('problems.overboost', 'decisions.esrch', 'vcpus.time.preempted', ...).

export interface TraceContents {
  switches: number;
  wakeups: number;
  ipiEvents: number;
  windowEvents: number;
  hasYieldProbes: boolean;
  /** A probe of kvm_arch_vcpu_put's preempted_in_kernel (the guest mode of a preempted vCPU). */
  hasGuestModeProbe: boolean;
}

const NEEDS = {
  sched: 'needs sched_switch events (record sched:sched_switch)',
  wakeup: 'needs sched_wakeup events to tell vCPUs woken from halt (record sched:sched_wakeup)',
  ipi: 'needs kvm_apic_ipi events to know whom a spinner waits for (record kvm:kvm_apic_ipi)',
  probes: 'needs yield_to return probes to see -ESRCH (perf probe yield_to%return)',
  window: 'needs kvm_ple_window_update events (record kvm:kvm_ple_window_update)',
  // Measured against the simulator's truth (bench --only inference): from host tracepoints
  // alone these counts are off by far more than ±25 %, so they are not given.
  boosts: 'needs yield_to probes to know which vCPU each PAUSE exit boosted (perf probe yield_to and yield_to%return)',
  guestMode: "needs guest events (or a kvm_arch_vcpu_put probe of preempted_in_kernel) to know whether a preempted vCPU was in user mode",
} as const;

/** Figure path → why it is not judged, for every figure this trace cannot judge. */
export function notJudged(c: TraceContents): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (reason: string | null, ...figures: string[]) => {
    if (reason) for (const f of figures) out[f] = reason;
  };
  const sched = c.switches === 0 ? NEEDS.sched : null;
  const boosts = c.hasYieldProbes ? null : NEEDS.boosts;
  put(sched, 'decisions.boostedRan', 'decisions.boostedNotRun', 'totals.boosts', 'targets');
  put(sched ?? boosts, 'problems.schedulerMismatch');
  put(sched ?? (c.ipiEvents === 0 ? NEEDS.ipi : c.hasGuestModeProbe ? null : NEEDS.guestMode), 'problems.lostOpportunity');
  put(sched ?? (c.ipiEvents === 0 ? NEEDS.ipi : c.wakeups === 0 ? NEEDS.wakeup : boosts), 'problems.overboost');
  put(c.hasYieldProbes ? null : NEEDS.probes, 'decisions.esrch');
  // Without probes, whether a sibling was ready comes from the scheduler's events.
  put(c.hasYieldProbes ? null : sched, 'decisions.notBoosted', 'decisions.noCandidate', 'totals.yieldAttempts');
  put(sched, 'vcpus.time.preempted', 'vcpus.time.halted', 'vcpus.preemptedInExitNs');
  put(sched ?? (c.wakeups === 0 ? NEEDS.wakeup : null), 'vcpus.time.woken');
  put(c.ipiEvents === 0 ? NEEDS.ipi : null, 'totals.ipis', 'vcpus.ipisSent');
  put(c.windowEvents === 0 ? NEEDS.window : null, 'vcpus.window');
  return out;
}

/** `value`, or null when `figure` is not judged. */
export function judged<T>(reasons: Record<string, string>, figure: string, value: T): T | null {
  return figure in reasons ? null : value;
}
