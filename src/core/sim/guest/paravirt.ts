// Paravirtual spinlocks (kernel/locking/qspinlock_paravirt.h): pv_wait_node() and
// pv_wait_head_or_lock() spin SPIN_THRESHOLD cpu_relax() loops before pv_wait() halts the
// vCPU, and the unlocker's pv_kick() wakes it.

/** SPIN_THRESHOLD in arch/x86/include/asm/qspinlock.h: 1 << 15 loops. */
export const PV_SPIN_THRESHOLD_LOOPS = 1 << 15;

/**
 * How long a PV waiter spins before it halts, taking one cpu_relax() loop as one PAUSE of
 * `pauseCycles` (the loop's load and branch are assumed free beside it): at 2.5 GHz about
 * 0.13 ms with 10-cycle PAUSEs (before Skylake) and 1.8 ms with 140-cycle ones (Skylake on).
 */
export function pvSpinNs(pauseCycles: number, cpuGhz: number): number {
  return (PV_SPIN_THRESHOLD_LOOPS * pauseCycles) / cpuGhz;
}
