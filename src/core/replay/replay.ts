// What each policy would have chosen at every PAUSE exit of a trace: the trace's state at the
// exit (stateSweep.ts) is given to the policy's kvm_vcpu_on_spin walk (sim/kvm/onSpin.ts),
// with the walk's own state — last_boosted_vcpu per VM, dy_eligible, Strict Boost's bits —
// carried per policy. A per-decision counterfactual: after the first different choice the
// real future would have differed, and the replay keeps following the trace.

import type { StateModel } from '../analysis/analyze';
import { VcpuState } from '../analysis/result';
import { DECISION_OUTCOMES } from '../analysis/tables';
import type { Policy } from '../sim/policies';
import { walkOnSpin, type OnSpinInput, type OnSpinVcpu } from '../sim/kvm/onSpin';
import { YIELD_PROBE } from '../analysis/trackers/probes';
import { StateSweep, positionOf, type InKernelAssumption } from './stateSweep';

const ESRCH = -3;
/** Codes of a decision's target: a lane (≥ 0), none, or none after -ESRCH. */
export const NO_TARGET = -1;
export const ESRCH_ONLY = -2;

export interface PolicyReplay {
  policy: string;
  decisions: number;
  /** Same boosted vCPU as the host, or both boosted none. */
  agree: number;
  /** Boosted a vCPU other than the host's (including where the host boosted none). */
  other: number;
  /** Boosted none where the host boosted a vCPU. */
  none: number;
  /** Decisions whose walk met -ESRCH (both run queues held one task). */
  esrch: number;
  /** Whether the host scheduler would have honoured each boost: not estimated (vruntimes are not in the trace). */
  honoured: null;
  /** The target per decision (lane, NO_TARGET or ESRCH_ONLY), in decision order. */
  targets: Int32Array;
  /** Per decision: 1 when the target was woken from halt and had not yet run (an overboost unless awaited). */
  targetWoken: Uint8Array;
}

export interface ReplayResult {
  /** What the host did, per decision: observed through yield_to probes, or inferred from sched events. */
  observedFrom: 'yield_to probes' | 'inferred from sched_switch';
  observed: Int32Array;
  /** Per decision: 1 when the host's target was woken from halt and had not yet run. */
  observedWoken: Uint8Array;
  policies: PolicyReplay[];
  /** Policies whose PAUSE exit does not run the candidate walk, with the reason. */
  notReplayable: { policy: string; reason: string }[];
  assumptions: string[];
}

export interface ReplayOptions {
  policies: readonly Policy[];
  preemptedInKernel?: InKernelAssumption;
}

/** One policy's view of one vCPU: the trace's state plus what that policy's walks changed. */
class ReplayVcpu implements OnSpinVcpu<ReplayVcpu> {
  ready = false;
  preempted = false;
  preemptedInKernel = true;
  blocked = false;
  inSpinLoop = false;
  private dy = false;
  private dySchedIns = -1;
  /** Bits this policy's walks set: sender lane → when. */
  private readonly walkBits = new Map<number, number>();
  readonly ipiFrom = {
    has: (sender: ReplayVcpu) => this.lane >= 0 && this.sweep.ipiBit(this.lane, sender.lane) || (this.walkBits.get(sender.lane) ?? -Infinity) > this.sweep.lastEntryNs[this.lane],
    add: (sender: ReplayVcpu) => this.walkBits.set(sender.lane, this.now()),
  };
  readonly recentIpiFrom = { get: (sender: ReplayVcpu) => (this.lane >= 0 ? this.sweep.callIpiPending(this.lane, sender.lane) : undefined) };

  constructor(
    readonly lane: number,
    private readonly sweep: StateSweep,
    private readonly now: () => number,
  ) {}

  /** dy_eligible lives until the vCPU is next scheduled in (kvm_sched_in → kvm_vcpu_set_dy_eligible(false)). */
  get dyEligible(): boolean {
    return this.dySchedIns === this.sweep.schedIns[this.lane] ? this.dy : false;
  }
  set dyEligible(value: boolean) {
    this.dy = value;
    this.dySchedIns = this.sweep.schedIns[this.lane];
  }

  refresh(): void {
    if (this.lane < 0) return; // a vCPU the trace never shows: never a candidate
    const s = this.sweep.state[this.lane];
    this.ready = s === VcpuState.Preempted || s === VcpuState.Woken;
    this.preempted = s === VcpuState.Preempted;
    this.blocked = s === VcpuState.Halted;
    this.preemptedInKernel = this.sweep.inKernel[this.lane] === 1;
    this.inSpinLoop = this.preempted && this.sweep.inSpinLoop(this.lane);
  }
}

export function replayTrace(model: StateModel, options: ReplayOptions): ReplayResult {
  const assumption = options.preemptedInKernel ?? 'kernel';
  const sweep = new StateSweep(model, assumption);
  const directed = options.policies.filter((p) => notReplayableBecause(p) === null);
  const notReplayable = options.policies.flatMap((p) => {
    const reason = notReplayableBecause(p);
    return reason === null ? [] : [{ policy: p.name, reason }];
  });
  const d = model.decisions;
  const observed = observedTargets(model);
  const hostKnown = model.seen.hasYieldProbes;
  let now = 0;
  // The walk visits vCPUs by index (kvm_for_each_vcpu): a VM's slots by vCPU number, with a
  // placeholder where the trace never shows a vCPU, so that positions and last_boosted_vcpu match.
  const slotOf = new Int32Array(model.vcpuLanes.length);
  const vmLanes = model.lanesInfo.ofVm.map((lanes) => {
    const slots = new Array<number>(lanes.reduce((n, l) => Math.max(n, model.vcpuLanes[l].vcpu + 1), 0)).fill(-1);
    for (const lane of lanes) slots[(slotOf[lane] = model.vcpuLanes[lane].vcpu)] = lane;
    return slots;
  });
  const runs = directed.map((policy) => ({
    policy,
    vcpus: vmLanes.map((slots) => slots.map((lane) => new ReplayVcpu(lane, sweep, () => now))),
    lastBoosted: new Int32Array(vmLanes.length),
    result: { policy: policy.name, decisions: d.count, agree: 0, other: 0, none: 0, esrch: 0, honoured: null, targets: new Int32Array(d.count), targetWoken: new Uint8Array(d.count) } as PolicyReplay,
  }));

  const boostedRan = DECISION_OUTCOMES.indexOf('boostedRan');
  const boostedNotRun = DECISION_OUTCOMES.indexOf('boostedNotRun');
  const observedWoken = new Uint8Array(d.count);
  const isWoken = (lane: number) => (lane >= 0 && sweep.state[lane] === VcpuState.Woken ? 1 : 0);
  for (let k = 0; k < d.count; k++) {
    sweep.advanceBefore(d.row[k]);
    observedWoken[k] = isWoken(observed[k]);
    now = d.ts[k];
    const spinner = d.spinnerLane[k];
    const vm = model.lanesInfo.vmOf[spinner];
    for (const run of runs) {
      const vcpus = run.vcpus[vm];
      for (const v of vcpus) v.refresh();
      const me = vcpus[slotOf[spinner]];
      let sawEsrch = false;
      const input: OnSpinInput<ReplayVcpu> = {
        vcpus,
        me,
        lastBoosted: run.lastBoosted[vm],
        policy: run.policy,
        now,
        yieldTo: (target) => {
          const r = estimateYieldTo(sweep, spinner, target.lane);
          if (r === ESRCH) sawEsrch = true;
          return r;
        },
        pendingInterrupt: (v) => sweep.anyIpiPending(v.lane),
        site: () => {},
      };
      const out = walkOnSpin(input);
      // The moment's real last_boosted_vcpu is the host's: where probes show a host boost the
      // policy did not make, its next walk starts after the host's target; otherwise after its own.
      const target = out.target ? out.target.lane : sawEsrch ? ESRCH_ONLY : NO_TARGET;
      if (!hostKnown || target === observed[k]) run.lastBoosted[vm] = out.lastBoosted;
      else if (observed[k] >= 0) run.lastBoosted[vm] = slotOf[observed[k]];
      run.result.targets[k] = target;
      run.result.targetWoken[k] = isWoken(target);
      if (sawEsrch) run.result.esrch++;
      tally(run.result, target, observed[k]);
    }
    sweep.noteWalk(spinner, d.outcome[k] === boostedRan || d.outcome[k] === boostedNotRun);
  }
  return {
    observedFrom: model.seen.hasYieldProbes ? 'yield_to probes' : 'inferred from sched_switch',
    observed,
    observedWoken,
    policies: runs.map((r) => r.result),
    notReplayable,
    assumptions: assumptionsOf(assumption, sweep.probedLanes, sweep.hasEoi),
  };
}

function notReplayableBecause(p: Policy): string | null {
  if (p.onSpin === 'oracle') return 'the oracle needs to know what each spinner waits for';
  if (p.onSpin !== 'directed') return `a PAUSE exit does not run the candidate walk (${p.onSpin})`;
  if (p.pv) return 'paravirtual spinlocks change the guest (waiters halt and are kicked), not the walk';
  return null;
}

function tally(r: PolicyReplay, target: number, host: number): void {
  const boosted = target >= 0;
  const hostBoosted = host >= 0;
  if (boosted ? target === host : !hostBoosted) r.agree++;
  else if (boosted) r.other++;
  else r.none++;
}

/**
 * yield_to(): -ESRCH when the caller's and the target's run queues each hold one task, 0 when
 * the target is running or not runnable, else 1 (the boost is made; whether the scheduler honours
 * it is another question).
 */
function estimateYieldTo(sweep: StateSweep, spinner: number, target: number): number {
  const s = sweep.state[target];
  if (s !== VcpuState.Preempted && s !== VcpuState.Woken) return 0;
  if (sweep.nrRunning(sweep.cpu[spinner]) === 1 && sweep.nrRunning(sweep.cpu[target]) === 1) return ESRCH;
  return 1;
}

/** What the host boosted at each decision: the yield_to call that returned > 0, else none (-ESRCH apart). */
function observedTargets(model: StateModel): Int32Array {
  const d = model.decisions;
  const out = new Int32Array(d.count).fill(NO_TARGET);
  if (!model.seen.hasYieldProbes) {
    const boostedRan = DECISION_OUTCOMES.indexOf('boostedRan');
    for (let k = 0; k < d.count; k++) if (d.outcome[k] === boostedRan && d.targetLane[k] >= 0) out[k] = d.targetLane[k];
    return out;
  }
  const { store, lanesInfo, probes } = model;
  // The open decision of each lane while walking the probes in time order.
  const open = new Int32Array(model.vcpuLanes.length).fill(-1);
  const attempted = new Int32Array(model.vcpuLanes.length).fill(-1);
  let k = 0;
  const pos = positionOf(model);
  for (let p = 0; p < probes.count; p++) {
    const row = probes.row[p];
    while (k < d.count && pos(d.row[k]) < pos(row)) open[d.spinnerLane[k]] = k++;
    const lane = lanesInfo.ofTid(store.tid[row]);
    if (lane < 0 || open[lane] < 0) continue;
    const name = store.strings.get(store.a[row]);
    if (!YIELD_PROBE.test(name)) continue;
    const value = store.x[row];
    if (store.b[row] !== 1) attempted[lane] = Number.isNaN(value) ? -1 : lanesInfo.ofTid(value);
    else if (value > 0 && attempted[lane] >= 0) out[open[lane]] = attempted[lane];
    else if (value === ESRCH && out[open[lane]] === NO_TARGET) out[open[lane]] = ESRCH_ONLY;
  }
  return out;
}

/** The guest mode an assumption gives a preempted vCPU no probe tells, in words. */
export function inKernelText(a: InKernelAssumption): string {
  return a === 'kernel' ? 'in kernel mode' : a === 'user' ? 'in user mode' : `in kernel mode with probability ${a.share}`;
}

function assumptionsOf(a: InKernelAssumption, probed: number, hasEoi: boolean): string[] {
  const rest = inKernelText(a);
  const mode =
    probed > 0
      ? `the guest mode of ${probed} preemptions from kvm_arch_vcpu_put probes (preempted_in_kernel); any other preempted vCPU is taken to be ${rest}`
      : `a vCPU preempted elsewhere is taken to be ${rest} (the host trace cannot tell: a line probe on kvm_arch_vcpu_put reading vcpu->arch.preempted_in_kernel would)`;
  return [
    'a vCPU preempted inside a PAUSE exit was spinning, which guests do in kernel mode',
    mode,
    hasEoi
      ? "IPIs come from kvm_apic_ipi; one is pending until the receiver's kvm_eoi of its vector (where the 2025 series clears its IPI context)"
      : 'IPIs come from kvm_apic_ipi; one is pending until the receiver next leaves the guest (its handler runs there): the trace has no kvm_eoi events (record kvm:kvm_eoi; under APICv an IPI\'s EOI is not trapped, so not traced)',
    'runnable non-vCPU tasks are known only after they were preempted while runnable',
    'per decision: after the first different choice the real future would have differed',
  ];
}
