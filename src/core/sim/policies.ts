// The policies a run can use: kernel versions and the proposed fixes, each a set of switches
// that the simulator's kvm_vcpu_on_spin and host scheduler follow statement by statement.

import type { SchedulerConfig } from './host/scheduler';
import type { StrictBoostForm } from './kvm/onSpin';

export interface Policy {
  name: string;
  description: string;
  scheduler: SchedulerConfig;
  /** PLE on (pause-loop exits happen) or off (spin in the guest until done or preempted). */
  ple: boolean;
  /** What a PAUSE exit does. */
  onSpin: 'directed' | 'yield-no-target' | 'oracle' | 'none';
  /** ≤ 6.12: two passes with kvm_for_each_vcpu; 6.13+: one modulo walk. */
  walk: 'two-pass' | 'single';
  /** 5.13+: a user-mode candidate with a pending (posted) interrupt is not skipped. */
  pendingInterruptRule: boolean;
  /** Strict Boost's IPI sender/receiver bitmask filters: patch 0002 as written, or the RFC's order. */
  strictBoost: StrictBoostForm;
  /** The 2025 LKML series: prefer IPI receivers of the spinner seen within this window. */
  ipiAwareWindowNs: number;
  /** Paravirtual spinlocks and TLB flush: waiters halt after SPIN_THRESHOLD loops (guest/paravirt.ts) and are kicked; preempted receivers flush on entry. */
  pv: boolean;
}

const CFS: SchedulerConfig = { kind: 'cfs', pickBuddy: false, runToParity: false, preemptShort: false, forfeitOnYield: false, delayDequeue: false, placeRelDeadline: false, debooster: 'off' };
const EEVDF_66: SchedulerConfig = { kind: 'eevdf', pickBuddy: false, runToParity: true, preemptShort: false, forfeitOnYield: false, delayDequeue: false, placeRelDeadline: false, debooster: 'off' };
const EEVDF_612: SchedulerConfig = { kind: 'eevdf', pickBuddy: true, runToParity: true, preemptShort: true, forfeitOnYield: false, delayDequeue: true, placeRelDeadline: true, debooster: 'off' };
const EEVDF_619: SchedulerConfig = { kind: 'eevdf', pickBuddy: true, runToParity: true, preemptShort: true, forfeitOnYield: true, delayDequeue: true, placeRelDeadline: true, debooster: 'off' };

const base: Omit<Policy, 'name' | 'description'> = {
  scheduler: CFS,
  ple: true,
  onSpin: 'directed',
  walk: 'two-pass',
  pendingInterruptRule: false,
  strictBoost: 'off',
  ipiAwareWindowNs: 0,
  pv: false,
};

export const POLICIES: Policy[] = [
  { ...base, name: 'vanilla-5.6', description: 'Linux 5.6: CFS, two-pass walk (the seed talk\'s baseline)' },
  { ...base, name: 'vanilla-6.6', description: 'Linux 6.6: EEVDF with RUN_TO_PARITY and NEXT_BUDDY off, so the yield_to hint is ignored', scheduler: EEVDF_66, pendingInterruptRule: true },
  {
    ...base,
    name: 'vanilla-6.6.y',
    description: 'Linux 6.6.120+ (January 2026): 6.6 with the stable backport of "sched/fair: Forfeit vruntime on yield" (79104becf42b), so a yield no longer sends the deadline away',
    scheduler: { ...EEVDF_66, forfeitOnYield: true },
    pendingInterruptRule: true,
  },
  { ...base, name: 'vanilla-6.12', description: 'Linux 6.12.13+ as modelled: EEVDF with RUN_TO_PARITY and the pick buddy (2a77e4be12cb, 6.13, backported to 6.12.y; earlier 6.12 releases behave as 6.6), two-pass walk', scheduler: EEVDF_612, pendingInterruptRule: true },
  { ...base, name: 'vanilla-6.19', description: 'Linux 6.19: single modulo walk, pick buddy, forfeit on yield', scheduler: EEVDF_619, walk: 'single', pendingInterruptRule: true },
  {
    ...base,
    name: 'debooster',
    description: 'Patch 0001 "Prevent CFS from ignoring boost requests from KVM" (sslab-keio/ple-kvm) on 5.6: deboosts only a yielder on the target\'s cfs_rq, so never under libvirt\'s vcpuN groups',
    scheduler: { ...CFS, debooster: 'patch-0001' },
  },
  {
    ...base,
    name: 'debooster-rfc',
    description: 'The April 2021 RFC of the Debooster on 5.6: walks both task-group hierarchies to their lowest common cfs_rq and deboosts the yielder\'s entity there',
    scheduler: { ...CFS, debooster: 'rfc' },
  },
  { ...base, name: 'strict-boost', description: 'Patch 0002 "Boost vCPUs based on IPI-sender and receiver information" (sslab-keio/ple-kvm) on 5.6, as written', strictBoost: 'patch-0002' },
  { ...base, name: 'strict-boost-rfc', description: 'Strict Boost in the RFC\'s order on 5.6: woken vCPUs need my IPI bit; user-mode ones without it get it and are skipped', strictBoost: 'rfc' },
  { ...base, name: 'strict-boost+debooster', description: 'Both patches of the seed talk on 5.6 (0001 and 0002); 0001 never acts under libvirt\'s vcpuN groups', scheduler: { ...CFS, debooster: 'patch-0001' }, strictBoost: 'patch-0002' },
  { ...base, name: 'strict-boost+debooster-rfc', description: 'Patch 0002 with the April 2021 RFC Debooster (lowest common cfs_rq) on 5.6', scheduler: { ...CFS, debooster: 'rfc' }, strictBoost: 'patch-0002' },
  {
    ...base,
    name: 'ipi-aware-2025',
    description: 'LKML 2025 series on 6.19: IPI-aware directed yield (50 ms recency, cleared on EOI) plus its scheduler debooster',
    scheduler: { ...EEVDF_619, debooster: 'patch-0001' },
    walk: 'single',
    pendingInterruptRule: true,
    ipiAwareWindowNs: 50_000_000,
  },
  { ...base, name: 'ple-off', description: 'PLE disabled: vCPUs spin until done or preempted by the tick', ple: false, onSpin: 'none' },
  { ...base, name: 'yield-no-target', description: 'PAUSE exit calls a plain yield() without a target', onSpin: 'yield-no-target' },
  { ...base, name: 'pv-spinlock', description: 'Paravirtual spinlocks (spin SPIN_THRESHOLD cpu_relax loops, PLE still on, then halt + kick) and PV TLB flush: not VM-agnostic', pv: true },
  { ...base, name: 'oracle', description: 'Boosts exactly the vCPU the spinner waits for, and the scheduler honours it: the upper bound', onSpin: 'oracle', scheduler: { ...CFS, debooster: 'patch-0001' } },
];

export const POLICY_NAMES = POLICIES.map((p) => p.name);

export function policyByName(name: string): Policy {
  const p = POLICIES.find((q) => q.name === name);
  if (!p) throw new Error(`unknown policy '${name}': expected one of ${POLICY_NAMES.join(', ')}, or all`);
  return p;
}

/** "all", or a comma-separated list of names. */
export function parsePolicies(spec: string): Policy[] {
  if (spec === 'all') return POLICIES;
  return spec.split(',').map((s) => policyByName(s.trim()));
}
