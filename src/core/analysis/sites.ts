// Names shared by the simulator, the source annotations and trace analysis (DESIGN.md §1),
// and how probe events and exit reasons map onto them.

export const SITES = [
  'on_spin.entry',
  'on_spin.candidate',
  'on_spin.skip_not_ready',
  'on_spin.skip_self',
  'on_spin.skip_blocked',
  'on_spin.skip_user_mode',
  'on_spin.skip_not_eligible',
  'on_spin.skip_strict_boost',
  'on_spin.yield_attempt',
  'on_spin.yield_boosted',
  'on_spin.yield_esrch',
  'on_spin.give_up',
  'on_spin.exit_no_yield',
  'handle_pause.entry',
  'ple_window.grow',
  'ple_window.shrink',
] as const;
export type SiteName = (typeof SITES)[number];

/** VMX "PAUSE_INSTRUCTION" and SVM "pause"; both are pause-loop exits. */
export function isPauseExitReason(reason: string): boolean {
  return reason === 'PAUSE_INSTRUCTION' || reason === 'pause' || reason === 'PAUSE';
}

const ESRCH = -3;

/**
 * The site a function or return probe observes. Line probes (kvm_vcpu_on_spin_L17) need the
 * kernel source to be mapped and are reported by name only.
 */
export function siteOfProbe(event: string, isReturn: boolean, firstArg: number): SiteName | null {
  const fn = event.replace(/__return$/, '').replace(/_\d+$/, '');
  if (!isReturn) {
    if (fn === 'kvm_vcpu_on_spin') return 'on_spin.entry';
    if (fn === 'handle_pause' || fn === 'pause_interception') return 'handle_pause.entry';
    if (fn === 'grow_ple_window') return 'ple_window.grow';
    if (fn === 'shrink_ple_window') return 'ple_window.shrink';
    if (fn === 'yield_to' || fn === 'kvm_vcpu_yield_to') return 'on_spin.yield_attempt';
    return null;
  }
  if (fn === 'yield_to' || fn === 'kvm_vcpu_yield_to') {
    if (firstArg > 0) return 'on_spin.yield_boosted';
    if (firstArg === ESRCH) return 'on_spin.yield_esrch';
  }
  return null;
}
