// The PLE window of one vCPU: grow_ple_window() on each PAUSE exit, shrink_ple_window() at
// sched-in (vmx.c and svm.c, both through __grow_ple_window / __shrink_ple_window in
// arch/x86/kvm/x86.h).

import type { Hardware, Scenario } from '../scenario';

export type PleConfig = Scenario['ple'];

/** x grow while the modifier is below the base, + grow otherwise; capped at max (grow 0: the base). */
export function grownPleWindow(old: number, ple: PleConfig): number {
  const { window: base, grow, max } = ple;
  let next: number;
  if (grow < 1) next = base;
  else if (grow < base) next = old * grow;
  else next = old + grow;
  return Math.min(next, max);
}

/** ÷ shrink while the modifier is below the base, − shrink otherwise; at least the base (shrink 0: the base). */
export function shrunkPleWindow(old: number, ple: PleConfig): number {
  const { window: base, shrink } = ple;
  let next: number;
  if (shrink < 1) next = base;
  else if (shrink < base) next = Math.floor(old / shrink);
  else next = old - shrink;
  return Math.max(next, base);
}

/** How long a spin lasts before the window exits it: VMX's ple_window counts cycles, SVM's pause_filter_count PAUSE instructions. */
export function pleWindowNs(window: number, hardware: Hardware, cpuGhz: number): number {
  return hardware.vendor === 'amd' ? (window * hardware.pauseCycles) / cpuGhz : window / cpuGhz;
}
