// What a simulated run measured: the counters the simulator keeps while it runs, the check
// that the run was stationary, and the metrics of its result.

import type { VmRt } from './guest/vcpu';

export interface VmMetrics {
  name: string;
  vcpus: number;
  /** Useful guest work per second, in CPUs (compute + critical sections + interrupt handlers). */
  throughput: number;
  /** pCPU time the VM's vCPUs held, in CPU-seconds per second. */
  cpuShare: number;
  spinTimeShare: number;
  pleExits: number;
  operations: number;
}

export interface SimMetrics {
  /** Useful guest work per second summed over VMs, in CPUs. */
  throughput: number;
  /** Share of all pCPU time spent spinning in guests or handling PAUSE exits. */
  spinTimeShare: number;
  pleExits: number;
  yieldAttempts: number;
  boosts: number;
  esrch: number;
  decisions: number;
  helpfulBoosts: number;
  /** Boosts whose target shared the spinner's run queue (the rest crossed queues). */
  boostsSameQueue: number;
  /** Scheduler mismatch judged at the pick after the boost's reschedule: the target was not picked. */
  mismatchSameQueue: number;
  mismatchCrossQueue: number;
  /** Unhelpful boosts whose target was itself spinning (another waiter). */
  unhelpfulBoostSpinning: number;
  /** Spin waits that ended (lock, IPI-acknowledgement, barrier and timestamp waits). */
  spinWaits: number;
  /** Spin waits that took at least three PAUSE exits (continuous PLE). */
  continuousPleEpisodes: number;
  /**
   * Ground truth. schedulerMismatch: boosts whose target the next pick on its queue passed over.
   * lostOpportunity: spin waits during which a decision boosted no awaited vCPU while one sat
   * preempted and the policy's user-mode filter would skip it. overboost: boosts of a vCPU woken
   * from halt that the spinner did not wait for. unhelpfulBoost: the other boosts of a vCPU the
   * spinner did not wait for.
   */
  problems: { schedulerMismatch: number; lostOpportunity: number; overboost: number; unhelpfulBoost: number };
  /** Jain's fairness index over the VMs' pCPU time (1 = perfectly fair). */
  fairness: number;
  perVm: VmMetrics[];
}

/** The run's counters, zeroed when the warm-up ends. */
export class SimCounters {
  pleExits = 0;
  yieldAttempts = 0;
  boosts = 0;
  esrch = 0;
  decisions = 0;
  helpfulBoosts = 0;
  episodes = 0;
  spinWaits = 0;
  pleHandlingNs = 0;
  mismatchSameQueue = 0;
  mismatchCrossQueue = 0;
  boostsSameQueue = 0;
  lost = 0;
  overboost = 0;
  unhelpful = 0;
  unhelpfulSpinning = 0;

  reset(): void {
    const fields = this as unknown as Record<string, number>;
    for (const key of Object.keys(fields)) fields[key] = 0;
  }
}

/** Zeroes the VMs' own counters when the warm-up ends. */
export function resetVmCounters(vms: readonly VmRt[]): void {
  for (const vm of vms) Object.assign(vm, { usefulNs: 0, spinNs: 0, runNs: 0, pleExits: 0, operations: 0 });
}

/** The first and second half of a run differ by more than this share: warn that it is not stationary. */
const STATIONARITY_TOLERANCE = 0.1;

/** The first half's counts, for the stationarity check. */
export interface HalfTime {
  pleExits: number;
  usefulNs: number;
}

export function halfTime(m: SimCounters, vms: readonly VmRt[]): HalfTime {
  return { pleExits: m.pleExits, usefulNs: usefulNs(vms) };
}

/** Warnings when the two halves of the measured run differ by more than the tolerance. */
export function stationarityWarnings(half: HalfTime | null, m: SimCounters, vms: readonly VmRt[]): string[] {
  if (!half) return [];
  const useful = usefulNs(vms);
  const pairs: [string, number, number][] = [
    ['PAUSE exits', half.pleExits, m.pleExits - half.pleExits],
    ['throughput', half.usefulNs, useful - half.usefulNs],
  ];
  const warnings: string[] = [];
  for (const [what, first, second] of pairs) {
    const mean = (first + second) / 2;
    if (mean > 0 && Math.abs(first - second) / mean > STATIONARITY_TOLERANCE) {
      warnings.push(`not stationary: ${what} of the first and the second half of the measured run differ by ${((Math.abs(first - second) / mean) * 100).toFixed(0)} % (try a longer run or warm-up)`);
    }
  }
  return warnings;
}

function usefulNs(vms: readonly VmRt[]): number {
  return vms.reduce((a, vm) => a + vm.usefulNs, 0);
}

/** The run's metrics over `durationNs` of measured time on `pcpus` host CPUs. */
export function simMetrics(m: SimCounters, vms: readonly VmRt[], durationNs: number, pcpus: number): SimMetrics {
  const perVm: VmMetrics[] = vms.map((vm) => ({
    name: vm.name,
    vcpus: vm.vcpus.length,
    throughput: vm.usefulNs / durationNs,
    cpuShare: vm.runNs / durationNs,
    spinTimeShare: vm.runNs > 0 ? vm.spinNs / vm.runNs : 0,
    pleExits: vm.pleExits,
    operations: vm.operations,
  }));
  const shares = perVm.map((v) => v.cpuShare);
  const sum = shares.reduce((a, b) => a + b, 0);
  const sumSq = shares.reduce((a, b) => a + b * b, 0);
  const spinNs = vms.reduce((a, vm) => a + vm.spinNs, 0);
  return {
    throughput: perVm.reduce((a, v) => a + v.throughput, 0),
    spinTimeShare: (spinNs + m.pleHandlingNs) / (durationNs * pcpus),
    pleExits: m.pleExits,
    yieldAttempts: m.yieldAttempts,
    boosts: m.boosts,
    esrch: m.esrch,
    decisions: m.decisions,
    helpfulBoosts: m.helpfulBoosts,
    boostsSameQueue: m.boostsSameQueue,
    mismatchSameQueue: m.mismatchSameQueue,
    mismatchCrossQueue: m.mismatchCrossQueue,
    unhelpfulBoostSpinning: m.unhelpfulSpinning,
    spinWaits: m.spinWaits,
    continuousPleEpisodes: m.episodes,
    problems: {
      schedulerMismatch: m.mismatchSameQueue + m.mismatchCrossQueue,
      lostOpportunity: m.lost,
      overboost: m.overboost,
      unhelpfulBoost: m.unhelpful,
    },
    fairness: sumSq > 0 ? (sum * sum) / (shares.length * sumSq) : 1,
    perVm,
  };
}
