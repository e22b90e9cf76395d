// kvm_vcpu_on_spin() (virt/kvm/kvm_main.c) as a pure candidate walk: given the VM's vCPUs as
// the walk sees them, the spinner, the policy's walk switches and a yield_to(), it returns the
// boosted vCPU and reports every site it passes. It mutates only what the kernel's walk
// mutates: dy_eligible (kvm_vcpu_eligible_for_directed_yield) and, under Strict Boost, the
// candidate's ipi_received bit of the spinner. The simulator calls it with its live vCPUs; a
// replay of a real trace calls it with vCPUs rebuilt from the trace.

import { SITE_ID, type SiteId } from '../siteCounters';

/** What kvm_vcpu_on_spin reads and writes of one vCPU. */
export interface OnSpinVcpu<V> {
  /** vcpu->ready: scheduled out while runnable, or woken by kvm_vcpu_wake_up. */
  readonly ready: boolean;
  /** vcpu->preempted: scheduled out while runnable (not merely woken from halt). */
  readonly preempted: boolean;
  /** Preempted while in kernel mode (kvm_arch_vcpu_in_kernel at sched-out). */
  readonly preemptedInKernel: boolean;
  /** Halted and not runnable (kvm_vcpu_is_blocking && !vcpu_dy_runnable). */
  readonly blocked: boolean;
  /** vcpu->spin_loop.in_spin_loop. */
  readonly inSpinLoop: boolean;
  /** vcpu->spin_loop.dy_eligible, toggled by the walk. */
  dyEligible: boolean;
  /** Strict Boost's ipi_received bitmask: the vCPUs that sent this one an IPI while it was out (the walk may add me). */
  readonly ipiFrom: { has(sender: V): boolean; add(sender: V): unknown };
  /** 2025 series: senders of IPIs this vCPU has not EOI'd yet, with the time sent (ns). */
  readonly recentIpiFrom: { get(sender: V): number | undefined };
}

export type StrictBoostForm = 'off' | 'patch-0002' | 'rfc';

/** The walk's switches of a policy (see policies.ts). */
export interface WalkPolicy {
  /** ≤ 6.12: two passes with kvm_for_each_vcpu; 6.13+: one modulo walk. */
  walk: 'two-pass' | 'single';
  /** 5.13+: a user-mode candidate with a pending interrupt is not skipped. */
  pendingInterruptRule: boolean;
  /** Strict Boost's IPI sender/receiver filters: as sslab-keio/ple-kvm patch 0002 writes them, or in the RFC's order. */
  strictBoost: StrictBoostForm;
  /** The 2025 series: first try IPI receivers of the spinner seen within this window (0 = off). */
  ipiAwareWindowNs: number;
}

export interface OnSpinInput<V extends OnSpinVcpu<V>> {
  vcpus: readonly V[];
  me: V;
  /** kvm->last_boosted_vcpu. */
  lastBoosted: number;
  policy: WalkPolicy;
  /** Now (ns), for the 2025 series' recency window. */
  now: number;
  /** kvm_vcpu_yield_to → yield_to(): > 0 boosted, < 0 -ESRCH, 0 nothing done. */
  yieldTo: (target: V) => number;
  /** kvm_arch_dy_has_pending_interrupt (5.13+; posted interrupts only). */
  pendingInterrupt: (candidate: V) => boolean;
  /** Called at every site the walk passes (SITE_ID of its name), with the candidate it concerns (null for the spinner's own sites). */
  site: Site<V>;
}

type Site<V> = (site: SiteId, candidate: V | null) => void;

const NO_SKIP = -1;

export interface OnSpinOutcome<V> {
  /** The last yield_to result (> 0 boosted). */
  yielded: number;
  /** The boosted vCPU, null when none. */
  target: V | null;
  /** kvm->last_boosted_vcpu after the walk. */
  lastBoosted: number;
}

/**
 * kvm_vcpu_on_spin()'s candidate walk. The caller counts on_spin.entry and sets in_spin_loop.
 * The outcome is written into `out` (the simulator passes one object for every walk).
 */
export function walkOnSpin<V extends OnSpinVcpu<V>>(input: OnSpinInput<V>, out: OnSpinOutcome<V> = { yielded: 0, target: null, lastBoosted: 0 }): OnSpinOutcome<V> {
  const { vcpus, me, policy, site } = input;
  const n = vcpus.length;
  let lastBoosted = input.lastBoosted;
  let yielded = 0;
  let tries = 3;
  let target: V | null = null;

  if (policy.ipiAwareWindowNs > 0) {
    for (const v of vcpus) {
      const at = v.recentIpiFrom.get(me);
      if (v === me || at === undefined || input.now - at > policy.ipiAwareWindowNs || !v.ready || v.blocked) continue;
      if (!eligibleForDirectedYield(v)) continue;
      yielded = attempt(v, input);
      if (yielded > 0) {
        target = v;
        break;
      }
      if (yielded < 0 && !--tries) break;
    }
  }
  if (yielded <= 0 && tries > 0) {
    if (policy.walk === 'two-pass') {
      // for (pass = 0; pass < 2 && !yielded && try; pass++) kvm_for_each_vcpu(i, vcpu, kvm)
      const last = lastBoosted;
      outer: for (let pass = 0; pass < 2 && !yielded && tries; pass++) {
        for (let i = 0; i < n; i++) {
          if (!pass && i <= last) {
            i = last;
            continue;
          } else if (pass && i > last) break;
          const v = vcpus[i];
          if (!passesFilters(v, input, false)) continue;
          yielded = attempt(v, input);
          if (yielded > 0) {
            target = v;
            lastBoosted = i;
            break outer;
          } else if (yielded < 0) {
            tries--;
            if (!tries) break outer;
          }
        }
      }
    } else {
      // 6.13+: for (i = 0; i < nr_vcpus; i++) idx = (start + i) % nr_vcpus
      const start = lastBoosted + 1;
      for (let i = 0; i < n; i++) {
        const idx = (start + i) % n;
        const v = vcpus[idx];
        if (!passesFilters(v, input, true)) continue;
        yielded = attempt(v, input);
        if (yielded > 0) {
          target = v;
          lastBoosted = idx;
          break;
        } else if (yielded < 0 && !--tries) break;
      }
    }
  }
  if (!tries) site(SITE_ID['on_spin.give_up'], null);
  if (yielded <= 0) site(SITE_ID['on_spin.exit_no_yield'], null);
  out.yielded = yielded;
  out.target = target;
  out.lastBoosted = lastBoosted;
  return out;
}

/** kvm_vcpu_yield_to() on one candidate, counting its sites. */
function attempt<V extends OnSpinVcpu<V>>(v: V, input: OnSpinInput<V>): number {
  input.site(SITE_ID['on_spin.yield_attempt'], v);
  const r = input.yieldTo(v);
  if (r > 0) input.site(SITE_ID['on_spin.yield_boosted'], v);
  else if (r < 0) input.site(SITE_ID['on_spin.yield_esrch'], v);
  return r;
}

/** The filters of one candidate, in the kernel's order (the 6.13+ walk checks `vcpu == me` first): the site of the skip, or NO_SKIP when it passes. */
function filterSkip<V extends OnSpinVcpu<V>>(v: V, input: OnSpinInput<V>, checkSelfFirst: boolean): SiteId {
  const { me, policy } = input;
  if (checkSelfFirst && v === me) return SITE_ID['on_spin.skip_self'];
  if (policy.strictBoost === 'patch-0002') {
    // Patch 0002 replaces the ready check: if (!READ_ONCE(vcpu->preempted)) { if (!(ready &&
    // ipi_received & my bit)) { set my bit; continue; } } — me and running vCPUs land here too.
    if (!v.preempted && !(v.ready && v.ipiFrom.has(me))) {
      v.ipiFrom.add(me);
      return SITE_ID['on_spin.skip_strict_boost'];
    }
  } else if (!v.ready) return SITE_ID['on_spin.skip_not_ready'];
  if (!checkSelfFirst && v === me) return SITE_ID['on_spin.skip_self'];
  if (v.blocked) return SITE_ID['on_spin.skip_blocked'];
  if (policy.strictBoost === 'rfc' && !v.preempted && !v.ipiFrom.has(me)) {
    // The RFC: a woken (ready, not preempted) vCPU only if it received my IPI; my bit makes it eligible next time.
    v.ipiFrom.add(me);
    return SITE_ID['on_spin.skip_strict_boost'];
  }
  if (userModeFilterSkips(v, me, policy, input.pendingInterrupt)) {
    // The RFC sets my bit on a skipped user-mode candidate, so that it is accepted the next time.
    if (policy.strictBoost === 'rfc') v.ipiFrom.add(me);
    return SITE_ID['on_spin.skip_user_mode'];
  }
  if (!eligibleForDirectedYield(v)) return SITE_ID['on_spin.skip_not_eligible'];
  return NO_SKIP;
}

/** Counts the candidate and its skip, if any; true when it passes every filter. */
function passesFilters<V extends OnSpinVcpu<V>>(v: V, input: OnSpinInput<V>, checkSelfFirst: boolean): boolean {
  input.site(SITE_ID['on_spin.candidate'], v);
  const skipped = filterSkip(v, input, checkSelfFirst);
  if (skipped !== NO_SKIP) input.site(skipped, v);
  return skipped === NO_SKIP;
}

/**
 * Whether the policy's user-mode filter skips candidate v of spinner me (it changes nothing).
 * Vanilla: `preempted && yield_to_kernel_mode && !in_kernel`, with 5.13's pending-interrupt
 * exception; the RFC accepts such a candidate when it has my IPI bit; patch 0002 drops the
 * `preempted &&` guard and accepts any candidate with my bit.
 */
export function userModeFilterSkips<V extends OnSpinVcpu<V>>(v: V, me: V, policy: WalkPolicy, pendingInterrupt: (v: V) => boolean): boolean {
  if (policy.strictBoost === 'patch-0002') return !v.preemptedInKernel && !v.ipiFrom.has(me);
  if (!v.preempted || v.preemptedInKernel) return false;
  if (policy.pendingInterruptRule && pendingInterrupt(v)) return false;
  return !(policy.strictBoost === 'rfc' && v.ipiFrom.has(me));
}

/** kvm_vcpu_eligible_for_directed_yield(): a vCPU in its own spin loop only every other time. */
export function eligibleForDirectedYield(v: { readonly inSpinLoop: boolean; dyEligible: boolean }): boolean {
  const eligible = !v.inSpinLoop || v.dyEligible;
  if (v.inSpinLoop) v.dyEligible = !v.dyEligible;
  return eligible;
}
