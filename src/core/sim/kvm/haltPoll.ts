// Halt polling (virt/kvm/kvm_main.c): after a HLT exit the vCPU thread polls for a wake-up
// for up to vcpu->halt_poll_ns while it is the only task on its CPU (single_task_running),
// then blocks. After each halt KVM adapts the vCPU's poll time to the halt's length, as
// kvm_vcpu_block (5.6) / kvm_vcpu_halt (5.16+) do with grow_halt_poll_ns and
// shrink_halt_poll_ns. Every wake-up vCPU (valid on x86) traces kvm_vcpu_wakeup
// "poll|wait time N ns, polling valid".

export interface HaltPollParams {
  /** halt_poll_ns (KVM_HALT_POLL_NS_DEFAULT 200000 on x86): the ceiling, 0 = no polling. */
  maxNs: number;
  /** halt_poll_ns_grow (2). */
  grow: number;
  /** halt_poll_ns_grow_start (10000). */
  growStartNs: number;
  /** halt_poll_ns_shrink: 0 resets to 0 (5.6), 2 halves (newer kernels). */
  shrink: number;
}

/** The vCPU's halt_poll_ns after a halt of blockNs (poll plus wait), from its value before. */
export function nextHaltPollNs(current: number, blockNs: number, p: HaltPollParams): number {
  if (p.maxNs === 0) return 0;
  if (blockNs <= current) return current;
  // A long halt: polling would not have caught it.
  if (current > 0 && blockNs > p.maxNs) return shrinkHaltPollNs(current, p);
  // A short halt that the poll time missed.
  if (current < p.maxNs && blockNs < p.maxNs) return growHaltPollNs(current, p);
  return current;
}

/** grow_halt_poll_ns(): × grow, at least grow_start, at most halt_poll_ns. */
export function growHaltPollNs(current: number, p: HaltPollParams): number {
  if (p.grow === 0) return current;
  let next = current * p.grow;
  if (next < p.growStartNs) next = p.growStartNs;
  return Math.min(next, p.maxNs);
}

/** shrink_halt_poll_ns(): 0 with shrink 0, else ÷ shrink, and 0 below grow_start. */
export function shrinkHaltPollNs(current: number, p: HaltPollParams): number {
  const next = p.shrink === 0 ? 0 : Math.floor(current / p.shrink);
  return next < p.growStartNs ? 0 : next;
}
