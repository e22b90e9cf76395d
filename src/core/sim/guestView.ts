// The guest's view of a simulated run: what each VM's kernel would trace of the same run with
// the guest events of events/guest.ts and its own sched_switch — lock waits (contention_begin /
// contention_end on the lock), IPIs (csd_queue_cpu per receiver and ipi_send_cpu / _cpumask on
// the sender, csd_function_entry / _exit on each receiver), and the switch to the idle task
// when a vCPU halts and back when it runs again. One store per VM, on the guest clock (host
// time + the VM's offset, per guest CPU = vCPU), with the trace ids that pair it with its
// host. Beside it, the simulator's own label of every yield decision (the truth the guest
// view is checked against).

import { EventKind, EventStore, PrevState, type EventKind as Kind } from '../trace/model';
import { cpuListText } from '../events/guest';
import { traceIdText, type TimeShift } from '../trace/dat/datOptions';

/** The simulator's label of one yield decision (a PAUSE exit's kvm_vcpu_on_spin call). */
export type DecisionLabel = 'helpful' | 'overboost' | 'unhelpful' | 'noBoost';

export interface DecisionTruth {
  /** Host time of the PAUSE exit (ns) and the spinning vCPU's host thread. */
  ts: number;
  tid: number;
  label: DecisionLabel;
  /** This decision counted the spin wait's lost opportunity. */
  lost: boolean;
  /** Host threads of the vCPUs the spinner truly waited for. */
  waitedFor: number[];
}

export interface GuestViewVm {
  name: string;
  traceId: string;
  /** Guest clock − host clock (ns): the guest's TIME_SHIFT offset is its negative. */
  offsetNs: number;
  /** The host thread of every vCPU. */
  vcpus: { vcpu: number; hostTid: number }[];
  /** The guest file's TIME_SHIFT: one sample per guest CPU, host = guest − offsetNs. */
  timeShift: TimeShift;
  store: EventStore;
}

export interface GuestView {
  hostTraceId: string;
  vms: GuestViewVm[];
  decisions: DecisionTruth[];
}

/** The guest task that runs on each guest CPU between its halts (pid = base + vCPU). */
const GUEST_WORKER_PID = 1000;
/** Addresses of the guest's objects, fixed so that runs are reproducible. */
const LOCK_BASE = 0xffff888003a1c000n;
const CSD_BASE = 0xffff88803fc00000n;
const HOST_TRACE_ID_BASE = 0x6b766d73706e0000n; // "kvmspn" + the seed's low bits
/** Guest clock offsets: VM k runs k + 1 seconds and a few µs ahead of the host. */
const OFFSET_STEP_NS = 1_000_000_000;
const OFFSET_EXTRA_NS = 123_456;
const CALLSITE = 'smp_call_function_many_cond+0x1a0/0x4a0';
const CSD_FUNC = 'flush_tlb_func';
const RESCHED_CALLSITE = 'ttwu_queue_wakelist+0xbc/0x110';
const LCB_F_SPIN = 1;

/** A vCPU as the simulator knows it: its VM's index and its number. */
interface VcpuRef {
  vm: { index: number };
  idx: number;
}

export class GuestViewRecorder {
  readonly hostTraceId: string;
  readonly vms: GuestViewVm[] = [];
  readonly decisions: DecisionTruth[] = [];
  /** Per VM and vCPU: the guest is idle (halted) since its last switch to the idle task. */
  private readonly idle: boolean[][] = [];
  /** Per VM and vCPU: a contention_begin without its end yet. */
  private readonly waiting: boolean[][] = [];

  constructor(
    seed: number,
    vms: { name: string; vcpuTids: number[] }[],
    private readonly recording: () => boolean,
  ) {
    const host = HOST_TRACE_ID_BASE + BigInt(seed & 0xffff);
    this.hostTraceId = traceIdText(host);
    vms.forEach((vm, k) => {
      const store = new EventStore(1 << 12);
      vm.vcpuTids.forEach((_, idx) => store.noteThread(GUEST_WORKER_PID + idx, `worker/${idx}`));
      const offsetNs = (k + 1) * OFFSET_STEP_NS + OFFSET_EXTRA_NS;
      const sample = () => ({ time: 0n, offset: BigInt(-offsetNs), scaling: 1n, fraction: 0n });
      this.vms.push({
        name: vm.name,
        traceId: traceIdText(((host << 8n) | BigInt(k + 1)) & 0xffffffffffffffffn),
        offsetNs,
        vcpus: vm.vcpuTids.map((hostTid, vcpu) => ({ vcpu, hostTid })),
        timeShift: { peerTraceId: this.hostTraceId, flags: 0, cpus: vm.vcpuTids.map(() => [sample()]) },
        store,
      });
      this.idle.push(vm.vcpuTids.map(() => false));
      this.waiting.push(vm.vcpuTids.map(() => false));
    });
  }

  private row(now: number, v: VcpuRef, kind: Kind): number {
    if (!this.recording()) return -1;
    const vm = this.vms[v.vm.index];
    const tid = this.idle[v.vm.index][v.idx] ? 0 : GUEST_WORKER_PID + v.idx;
    return vm.store.push(now + vm.offsetNs, v.idx, tid, kind, vm.store.length + 1);
  }

  private intern(v: VcpuRef, text: string): number {
    return this.vms[v.vm.index].store.strings.intern(text);
  }

  /** `v` starts to wait for lock `lock` of its VM (it is held). */
  lockWaitBegin(now: number, v: VcpuRef, lock: number): void {
    this.waiting[v.vm.index][v.idx] = true;
    const r = this.row(now, v, EventKind.LockContentionBegin);
    if (r < 0) return;
    const s = this.vms[v.vm.index].store;
    s.a[r] = this.intern(v, lockAddress(lock));
    s.b[r] = LCB_F_SPIN;
  }

  /** `v` holds `lock` now; only a wait that began is ended. */
  lockAcquired(now: number, v: VcpuRef, lock: number): void {
    if (!this.waiting[v.vm.index][v.idx]) return;
    this.waiting[v.vm.index][v.idx] = false;
    const r = this.row(now, v, EventKind.LockContentionEnd);
    if (r < 0) return;
    const s = this.vms[v.vm.index].store;
    s.a[r] = this.intern(v, lockAddress(lock));
    s.b[r] = 0;
  }

  /** smp_call_function_many: one csd queued per receiver, then the IPI to all of them. */
  callFunction(now: number, sender: VcpuRef, receivers: number[]): void {
    for (const cpu of receivers) {
      const r = this.row(now, sender, EventKind.CsdQueueCpu);
      if (r < 0) return;
      const s = this.vms[sender.vm.index].store;
      s.a[r] = cpu;
      s.b[r] = this.intern(sender, CSD_FUNC);
      s.c[r] = this.intern(sender, csdAddress(sender.idx, cpu));
    }
    if (receivers.length === 0) return;
    const single = receivers.length === 1;
    const r = this.row(now, sender, single ? EventKind.IpiSendCpu : EventKind.IpiSendCpumask);
    if (r < 0) return;
    const s = this.vms[sender.vm.index].store;
    s.a[r] = single ? receivers[0] : this.intern(sender, cpuListText([...receivers].sort((p, q) => p - q)));
    s.b[r] = this.intern(sender, 'generic_smp_call_function_interrupt+0x0/0x20');
    s.c[r] = this.intern(sender, CALLSITE);
  }

  /** A wake-up IPI (no function call): the reschedule vector to one CPU. */
  reschedule(now: number, sender: VcpuRef, cpu: number): void {
    const r = this.row(now, sender, EventKind.IpiSendCpu);
    if (r < 0) return;
    const s = this.vms[sender.vm.index].store;
    s.a[r] = cpu;
    s.b[r] = this.intern(sender, '0x0');
    s.c[r] = this.intern(sender, RESCHED_CALLSITE);
  }

  /** The receiver starts (entry) or finishes (exit) the function `sender` queued on it. */
  csdFunction(now: number, receiver: VcpuRef, senderIdx: number, entry: boolean): void {
    const r = this.row(now, receiver, entry ? EventKind.CsdFunctionEntry : EventKind.CsdFunctionExit);
    if (r < 0) return;
    const s = this.vms[receiver.vm.index].store;
    s.a[r] = this.intern(receiver, CSD_FUNC);
    s.b[r] = this.intern(receiver, csdAddress(senderIdx, receiver.idx));
  }

  /** The guest halts: its scheduler switches to the idle task. */
  halted(now: number, v: VcpuRef): void {
    if (this.idle[v.vm.index][v.idx]) return;
    this.switchTask(now, v, GUEST_WORKER_PID + v.idx, PrevState.Sleeping, 0);
    this.idle[v.vm.index][v.idx] = true;
  }

  /** The vCPU runs guest code again: a halted guest switches back to its task. */
  entered(now: number, v: VcpuRef): void {
    if (!this.idle[v.vm.index][v.idx]) return;
    this.idle[v.vm.index][v.idx] = false;
    this.switchTask(now, v, 0, PrevState.Runnable, GUEST_WORKER_PID + v.idx);
  }

  private switchTask(now: number, v: VcpuRef, prev: number, state: number, next: number): void {
    const vm = this.vms[v.vm.index];
    if (!this.recording()) return;
    const r = vm.store.push(now + vm.offsetNs, v.idx, prev, EventKind.SchedSwitch, vm.store.length + 1);
    vm.store.a[r] = prev;
    vm.store.b[r] = state;
    vm.store.c[r] = next;
  }

  decision(now: number, tid: number, label: DecisionLabel, lost: boolean, waitedFor: { task: { tid: number } }[]): void {
    if (this.recording()) this.decisions.push({ ts: now, tid, label, lost, waitedFor: waitedFor.map((w) => w.task.tid) });
  }

  result(): GuestView {
    return { hostTraceId: this.hostTraceId, vms: this.vms, decisions: this.decisions };
  }
}

function lockAddress(lock: number): string {
  return '0x' + (LOCK_BASE + BigInt(lock) * 64n).toString(16);
}

/** One csd per (sender, receiver) pair, as the kernel's per-CPU cfd_data has. */
function csdAddress(sender: number, receiver: number): string {
  return '0x' + (CSD_BASE + BigInt(sender) * 0x8000n + BigInt(receiver) * 32n).toString(16);
}
