// The host's state as kvm_vcpu_on_spin would see it at any PAUSE exit of a trace, rebuilt from
// the state model by one forward sweep over its tables in event order: each vCPU's state, the
// pCPU it is on, when it last entered the guest, the runnable tasks of every run queue, and the
// IPIs each vCPU has received since it last entered the guest.

import { EventKind, PrevState, type EventStore } from '../trace/model';
import { VcpuState } from '../analysis/result';
import { CpuRunKind, IntervalFlag } from '../analysis/tables';
import type { StateModel } from '../analysis/analyze';
import { GUEST_MODE_PROBE } from '../analysis/trackers/probes';

/** Whether a vCPU preempted outside a PAUSE exit was in guest kernel mode: the host trace cannot tell. */
export type InKernelAssumption = 'kernel' | 'user' | { share: number };

const MAX_CPUS = 1 << 16;
/** x86 CALL_FUNCTION_VECTOR (0xfc) and CALL_FUNCTION_SINGLE_VECTOR (0xfb): IPIs whose sender waits for the function to run. */
const CALL_FUNCTION_VECTORS = new Set([0xfc, 0xfb]);
const isReady = (s: number) => s === VcpuState.Preempted || s === VcpuState.Woken;

export class StateSweep {
  readonly state: Uint8Array;
  /** Index of each lane's current vCPU-state interval (-1 before its first). */
  readonly interval: Int32Array;
  readonly cpu: Int32Array;
  readonly lastEntryNs: Float64Array;
  /** When the lane last left the guest: an interrupt it received before that was handled. */
  readonly lastGuestEndNs: Float64Array;
  /** Times each lane was scheduled in (entered a running state): kvm_sched_in resets dy_eligible. */
  readonly schedIns: Uint32Array;
  /** schedIns when the lane's current PAUSE exit began (kvm_vcpu_on_spin runs until it is next scheduled in). */
  private readonly spinSchedIns: Int32Array;
  /** Whether the lane's latest kvm_vcpu_on_spin boosted someone (then yield_to's schedule() switched it out inside the walk). */
  private readonly lastWalkYielded: Uint8Array;
  /** kvm_arch_vcpu_in_kernel at the lane's last preemption (stale while woken, as in the kernel). */
  readonly inKernel: Uint8Array;
  /** Runnable vCPU threads on each pCPU that are not running (preempted or woken onto it). */
  readonly waitingVcpus = new Int32Array(MAX_CPUS);
  /** Non-vCPU tasks preempted while runnable, by pCPU. */
  readonly waitingOthers = new Int32Array(MAX_CPUS);
  readonly busy = new Uint8Array(MAX_CPUS);
  /** Per receiver lane: sender lane → time of its latest IPI, and of its latest one received while scheduled out. */
  readonly ipiFrom: Map<number, number>[];
  readonly ipiWhileOut: Map<number, number>[];
  /** Function-call IPIs (smp_call_function: the sender waits for them) per receiver: sender lane → time. */
  readonly callIpiFrom: Map<number, number>[];
  readonly lastIpiNs: Float64Array;
  /** The trace records kvm:kvm_eoi: an IPI is handled at its receiver's EOI, not guessed from its next exit. */
  readonly hasEoi: boolean;
  /** With kvm_eoi: per receiver, the IPIs it has not acknowledged yet, oldest first. */
  private readonly unacked: { sender: number; vector: number }[][];
  private readonly eoiRows: number[] = [];

  private readonly events: Float64Array; // position of each event (sorted), for merging
  private readonly refs: Int32Array; // table index, negative kinds encoded below
  private next = 0;
  /** How many preemptions a kvm_arch_vcpu_put probe told the guest mode of. */
  probedLanes = 0;
  private readonly waitingOtherCpu = new Map<number, number>();
  private readonly position: (row: number) => number;

  constructor(
    private readonly model: StateModel,
    private readonly assumption: InKernelAssumption,
  ) {
    const lanes = model.vcpuLanes.length;
    this.state = new Uint8Array(lanes);
    this.interval = new Int32Array(lanes).fill(-1);
    this.cpu = new Int32Array(lanes).fill(-1);
    this.lastEntryNs = new Float64Array(lanes).fill(-Infinity);
    this.lastGuestEndNs = new Float64Array(lanes).fill(-Infinity);
    this.schedIns = new Uint32Array(lanes);
    this.spinSchedIns = new Int32Array(lanes).fill(-1);
    this.lastWalkYielded = new Uint8Array(lanes);
    this.inKernel = new Uint8Array(lanes).fill(1);
    this.ipiFrom = Array.from({ length: lanes }, () => new Map());
    this.ipiWhileOut = Array.from({ length: lanes }, () => new Map());
    this.callIpiFrom = Array.from({ length: lanes }, () => new Map());
    this.lastIpiNs = new Float64Array(lanes).fill(-Infinity);
    const { store } = model;
    for (let r = 0; r < store.length; r++) if (store.kind[r] === EventKind.KvmEoi) this.eoiRows.push(r);
    this.hasEoi = this.eoiRows.length > 0;
    this.unacked = Array.from({ length: this.hasEoi ? lanes : 0 }, () => []);
    this.position = positionOf(model);
    [this.events, this.refs] = this.mergedEvents();
  }

  private get store(): EventStore {
    return this.model.store;
  }

  /** Every interval start, IPI and in-kernel probe, by loop position (stable: states, runs, IPIs, probes). */
  private mergedEvents(): [Float64Array, Int32Array] {
    const { vcpuStates, cpuRuns, ipis, probes, store } = this.model;
    const keyed: [number, number][] = [];
    for (let i = 0; i < vcpuStates.count; i++) keyed.push([this.position(vcpuStates.row[i]), i]);
    for (let i = 0; i < cpuRuns.count; i++) keyed.push([this.position(cpuRuns.row[i]), vcpuStates.count + i]);
    for (let i = 0; i < ipis.count; i++) keyed.push([this.position(ipis.row[i]), vcpuStates.count + cpuRuns.count + i]);
    const inKernelProbe = store.strings.lookup(GUEST_MODE_PROBE);
    if (inKernelProbe !== undefined) {
      for (let i = 0; i < probes.count; i++) {
        const row = probes.row[i];
        if (store.a[row] === inKernelProbe) keyed.push([this.position(row), vcpuStates.count + cpuRuns.count + ipis.count + i]);
      }
    }
    const eoiBase = vcpuStates.count + cpuRuns.count + ipis.count + probes.count;
    this.eoiRows.forEach((row, i) => keyed.push([this.position(row), eoiBase + i]));
    const n = keyed.length;
    keyed.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    const events = new Float64Array(n);
    const refs = new Int32Array(n);
    keyed.forEach(([pos, ref], i) => ((events[i] = pos), (refs[i] = ref)));
    return [events, refs];
  }

  /** Applies every event before store row `row` (the kvm_exit of a PAUSE exit, or a probe). */
  advanceBefore(row: number): void {
    const until = this.position(row);
    const { vcpuStates, cpuRuns } = this.model;
    while (this.next < this.events.length && this.events[this.next] < until) {
      const ref = this.refs[this.next++];
      if (ref < vcpuStates.count) this.applyState(ref);
      else if (ref < vcpuStates.count + cpuRuns.count) this.applyRun(ref - vcpuStates.count);
      else if (ref < vcpuStates.count + cpuRuns.count + this.model.ipis.count) this.applyIpi(ref - vcpuStates.count - cpuRuns.count);
      else if (ref < vcpuStates.count + cpuRuns.count + this.model.ipis.count + this.model.probes.count) this.applyInKernelProbe(this.model.probes.row[ref - vcpuStates.count - cpuRuns.count - this.model.ipis.count]);
      else this.applyEoi(this.eoiRows[ref - vcpuStates.count - cpuRuns.count - this.model.ipis.count - this.model.probes.count]);
    }
  }

  private applyState(i: number): void {
    const t = this.model.vcpuStates;
    const lane = t.lane[i];
    const old = this.state[lane];
    if (isReady(old) && this.cpu[lane] >= 0) this.waitingVcpus[this.cpu[lane]]--;
    const state = t.state[i];
    if (t.detail[i] >= 0) this.cpu[lane] = t.detail[i];
    else if (state === VcpuState.Woken) {
      const r = t.row[i];
      const kind = this.store.kind[r];
      if (kind === EventKind.SchedWakeup || kind === EventKind.SchedWaking || kind === EventKind.SchedWakeupNew) this.cpu[lane] = this.store.b[r];
    }
    const running = (x: number) => x === VcpuState.Guest || x === VcpuState.Host;
    if (running(state) && !running(old)) this.schedIns[lane]++;
    const inPauseExit = (t.flags[i] & IntervalFlag.InPauseExit) !== 0;
    const wasInPauseExit = this.interval[lane] >= 0 && (t.flags[this.interval[lane]] & IntervalFlag.InPauseExit) !== 0;
    if (inPauseExit && !wasInPauseExit) this.spinSchedIns[lane] = this.schedIns[lane];
    this.state[lane] = state;
    this.interval[lane] = i;
    if (isReady(state) && this.cpu[lane] >= 0) this.waitingVcpus[this.cpu[lane]]++;
    if (state === VcpuState.Guest) this.lastEntryNs[lane] = t.startNs[i];
    if (old === VcpuState.Guest && state !== VcpuState.Guest) this.lastGuestEndNs[lane] = t.startNs[i];
    if (state === VcpuState.Preempted) this.inKernel[lane] = this.preemptedInKernel(lane, i) ? 1 : 0;
  }

  /** A vCPU preempted inside a PAUSE exit was spinning, which guests do in kernel mode; the rest as assumed. */
  private preemptedInKernel(lane: number, interval: number): boolean {
    if (this.model.vcpuStates.flags[interval] & IntervalFlag.InPauseExit) return true;
    const a = this.assumption;
    if (a === 'kernel') return true;
    if (a === 'user') return false;
    return hashUnit(lane, interval) < a.share;
  }

  private applyRun(i: number): void {
    const t = this.model.cpuRuns;
    const cpu = this.model.cpuLanes[t.lane[i]].cpu;
    this.busy[cpu] = t.state[i] === CpuRunKind.Idle ? 0 : 1;
    const r = t.row[i];
    if (this.store.kind[r] !== EventKind.SchedSwitch) return;
    // Other tasks preempted while runnable wait on this queue until they run again.
    const prev = this.store.a[r];
    const next = this.store.c[r];
    const waitingOn = this.waitingOtherCpu.get(next);
    if (waitingOn !== undefined) {
      this.waitingOthers[waitingOn]--;
      this.waitingOtherCpu.delete(next);
    }
    const prevRunnable = (this.store.b[r] & 3) === PrevState.Runnable;
    if (prev !== 0 && prevRunnable && this.model.lanesInfo.ofTid(prev) < 0 && !this.waitingOtherCpu.has(prev)) {
      this.waitingOtherCpu.set(prev, cpu);
      this.waitingOthers[cpu]++;
    }
  }

  /** kvm_arch_vcpu_put's preempted_in_kernel, read by a probe as the vCPU is scheduled out: it replaces the assumption. */
  private applyInKernelProbe(row: number): void {
    const lane = this.model.lanesInfo.ofTid(this.store.tid[row]);
    if (lane < 0 || Number.isNaN(this.store.x[row])) return;
    this.inKernel[lane] = this.store.x[row] ? 1 : 0;
    this.probedLanes++;
  }

  private applyIpi(i: number): void {
    const t = this.model.ipis;
    const to = t.toLane[i];
    const ts = t.ts[i];
    this.ipiFrom[to].set(t.fromLane[i], ts);
    if (CALL_FUNCTION_VECTORS.has(this.store.b[t.row[i]])) this.callIpiFrom[to].set(t.fromLane[i], ts);
    this.lastIpiNs[to] = ts;
    if (this.hasEoi) this.unacked[to].push({ sender: t.fromLane[i], vector: this.store.b[t.row[i]] });
    const s = this.state[to];
    if (s !== VcpuState.Guest && s !== VcpuState.Host) this.ipiWhileOut[to].set(t.fromLane[i], ts);
  }

  /**
   * kvm_eoi on the receiver's thread: the oldest unacknowledged IPI of that vector is handled,
   * and the 2025 series' kvm_clear_ipi_on_eoi forgets its sender (the simulator clears the same).
   */
  private applyEoi(row: number): void {
    const lane = this.model.lanesInfo.ofTid(this.store.tid[row]);
    if (lane < 0) return;
    const queue = this.unacked[lane];
    const at = queue.findIndex((q) => q.vector === this.store.b[row]);
    if (at < 0) return;
    const [ipi] = queue.splice(at, 1);
    this.callIpiFrom[lane].delete(ipi.sender);
  }

  /** What the host's kvm_vcpu_on_spin at the lane's latest PAUSE exit achieved: a boost, or none. */
  noteWalk(lane: number, yielded: boolean): void {
    this.lastWalkYielded[lane] = yielded ? 1 : 0;
  }

  /**
   * in_spin_loop: switched out by the schedule() of a successful yield_to inside its own
   * kvm_vcpu_on_spin, and not scheduled in since (the walk ends as soon as the vCPU runs
   * again). A vCPU preempted later in the exit, after a walk that boosted nobody, is not.
   */
  inSpinLoop(lane: number): boolean {
    const i = this.interval[lane];
    if (i < 0 || !(this.model.vcpuStates.flags[i] & IntervalFlag.InPauseExit)) return false;
    return this.spinSchedIns[lane] === this.schedIns[lane] && this.lastWalkYielded[lane] === 1;
  }

  /** Runnable tasks on `cpu` (nr_running): the one running plus those waiting. */
  nrRunning(cpu: number): number {
    if (cpu < 0) return 2; // unknown: assume it is shared, which rules out -ESRCH
    return this.busy[cpu] + this.waitingVcpus[cpu] + this.waitingOthers[cpu];
  }

  /**
   * A function-call IPI from `sender` that `lane` has not handled yet (what the 2025 series
   * tracks until EOI): until its kvm_eoi, or without kvm_eoi events until the receiver next
   * leaves the guest after it.
   */
  callIpiPending(lane: number, sender: number): number | undefined {
    const at = this.callIpiFrom[lane].get(sender);
    if (this.hasEoi) return at;
    return at !== undefined && at > this.lastGuestEndNs[lane] ? at : undefined;
  }

  /**
   * An IPI from `sender` that `lane` has not handled yet: it has not left the guest since (the
   * handler runs in the guest, at once for a posted interrupt; EOI is not in a host trace).
   */
  ipiPending(lane: number, sender: number): number | undefined {
    const at = this.ipiFrom[lane].get(sender);
    return at !== undefined && at > this.lastGuestEndNs[lane] ? at : undefined;
  }

  /** Strict Boost's ipi_received bit: an IPI from `sender` while `lane` was scheduled out, since its last entry. */
  ipiBit(lane: number, sender: number): boolean {
    const at = this.ipiWhileOut[lane].get(sender);
    return at !== undefined && at > this.lastEntryNs[lane];
  }

  /** kvm_arch_dy_has_pending_interrupt: an interrupt the lane has not handled yet. */
  anyIpiPending(lane: number): boolean {
    return this.lastIpiNs[lane] > this.lastGuestEndNs[lane];
  }
}

/** Loop position of a store row: the row itself when the store is in time order. */
export function positionOf(model: StateModel): (row: number) => number {
  const order = model.order;
  if (!order) return (row) => row;
  const rank = new Uint32Array(order.length);
  for (let k = 0; k < order.length; k++) rank[order[k]] = k;
  return (row) => rank[row];
}

/** A reproducible number in [0, 1) for a (lane, interval) pair. */
function hashUnit(a: number, b: number): number {
  let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39) >>> 0;
  return ((h ^ (h >>> 15)) >>> 0) / 2 ** 32;
}
