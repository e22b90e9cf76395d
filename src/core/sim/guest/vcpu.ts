// The guest side of a simulated vCPU: what it runs, what it waits for, and the KVM flags the
// candidate walk reads. The simulator owns the objects; the workloads in this folder drive
// the guest phases through the GuestEngine they are given.

import type { SchedTask } from '../host/scheduler';
import type { Random } from '../random';
import type { GuestViewRecorder } from '../guestView';
import { SenderMask, SenderTimes } from './senders';
import type { WaitSet } from './waitSet';
import { PendingIpis } from './pendingIpis';

export type Phase = 'compute' | 'critical' | 'lock-spin' | 'ipi-spin' | 'barrier-spin' | 'time-spin' | 'halt' | 'pv-halt';
/** A spin wait's phase (PAUSE exits come from these). */
export function isSpinPhase(phase: Phase): boolean {
  return phase === 'lock-spin' || phase === 'ipi-spin' || phase === 'barrier-spin' || phase === 'time-spin';
}
export type Segment = 'none' | 'work' | 'spin' | 'handler';

export interface Lock {
  owner: Vcpu | null;
  waiters: Vcpu[];
}

export interface VmRt {
  index: number;
  name: string;
  tgid: number;
  workload: GuestWorkload;
  vcpus: Vcpu[];
  lastBoosted: number;
  usefulNs: number;
  spinNs: number;
  runNs: number;
  pleExits: number;
  operations: number;
}

export interface Vcpu {
  task: SchedTask;
  vm: VmRt;
  idx: number;
  global: number;
  comm: string;
  // KVM's flags
  ready: boolean;
  preempted: boolean;
  preemptedInKernel: boolean;
  inSpinLoop: boolean;
  dyEligible: boolean;
  blocked: boolean;
  /** Woken from halt and not yet run: ready but not preempted. */
  woken: boolean;
  window: number;
  /** Strict Boost's bitmask: senders of IPIs received while scheduled out. */
  ipiFrom: SenderMask;
  /** 2025 series: senders of IPIs not yet EOI'd, with the time sent. */
  recentIpiFrom: SenderTimes;
  // guest
  phase: Phase;
  remaining: number;
  userMode: boolean;
  lock: Lock | null;
  pendingIpis: PendingIpis<Vcpu>;
  handlerRemaining: number;
  outstanding: number;
  spinExits: number;
  /** What a paravirtual waiter goes back to when kicked. */
  pvWaiting: Phase | null;
  /** barrier-spin: the generation waited on; time-spin: the time the wait ends. */
  waitToken: number;
  // execution
  inGuest: boolean;
  segment: Segment;
  segStart: number;
  version: number;
  resumePending: boolean;
  // ground truth bookkeeping
  lastSchedIn: number;
  /** The current spin wait has already counted a lost opportunity. */
  waitLost: boolean;
  // halt
  /** vcpu->halt_poll_ns: how long the next halt polls (starts at 0, adapted after each halt). */
  haltPollNs: number;
  /** When the current halt began (its HLT exit), -1 when not halted. */
  haltStart: number;
  /** Halt polling: out of the guest, still running on its CPU, waiting for a wake-up. */
  polling: boolean;
  /** A halt the guest asked for while out of the guest (after an ICR-write exit): HLT on entry. */
  haltOnEntry: number | null;
  /** Counts halts, so a halt's timer knows whether the vCPU is still in that halt. */
  haltSeq: number;
  /** Paravirtual waits: guest spin time left before pv_wait() halts (SPIN_THRESHOLD loops). */
  pvSpinLeft: number;
}

/** A vCPU of `vm` (one of `vmVcpus`) before its thread is built and first scheduled: in the guest's kernel, nothing pending. */
export function newVcpu(vm: VmRt, idx: number, global: number, vmVcpus: number, window: number, pvSpinNs: number): Vcpu {
  return {
    task: null as unknown as SchedTask,
    vm,
    idx,
    global,
    comm: `CPU ${idx}/KVM`,
    ready: false,
    preempted: false,
    preemptedInKernel: false,
    inSpinLoop: false,
    dyEligible: false,
    blocked: false,
    woken: false,
    window,
    ipiFrom: new SenderMask(vmVcpus),
    recentIpiFrom: new SenderTimes(vmVcpus),
    phase: 'compute',
    remaining: 0,
    userMode: false,
    lock: null,
    pendingIpis: new PendingIpis(vmVcpus),
    handlerRemaining: 0,
    outstanding: 0,
    spinExits: 0,
    pvWaiting: null,
    waitToken: 0,
    inGuest: false,
    segment: 'none',
    segStart: 0,
    version: 0,
    resumePending: false,
    waitLost: false,
    lastSchedIn: -1,
    haltPollNs: 0,
    haltStart: -1,
    polling: false,
    haltOnEntry: null,
    haltSeq: 0,
    pvSpinLeft: pvSpinNs,
  };
}

/** What a guest workload may ask of the simulator. */
export interface GuestEngine {
  readonly now: number;
  readonly random: Random;
  /** The guest's own trace of the run (guestView.ts), when it is being written. */
  readonly guestView: GuestViewRecorder | null;
  /** Starts the vCPU's next guest segment now (an interrupt handler first, if one is pending). */
  runGuest(v: Vcpu): void;
  /** A new compute segment of the vCPU's workload. */
  newCompute(v: Vcpu): void;
  /** The vCPU spins now until its wait ends, PLE exits it, or (paravirtual) it halts. */
  startSpin(v: Vcpu): void;
  /** A spin wait has ended (counted for continuous PLE). */
  endSpinWait(v: Vcpu): void;
  /** The condition a spinner waits for has come true: let it see so. */
  spinConditionMet(v: Vcpu): void;
  /** The guest uses KVM's paravirtual features (steal time's preempted flag, PV TLB flush, PV spinlocks). */
  readonly paravirtGuest: boolean;
  sendIpi(sender: Vcpu, receiver: Vcpu, needsAck: boolean): void;
  /** The ICR writes that sent IPIs to `receivers`: true when they exited the guest (the vCPU then resumes by itself; do not run it now). */
  icrWrite(v: Vcpu, receivers: readonly Vcpu[]): boolean;
  /** HLT until a timer `sleepNs` from now or an interrupt. */
  halt(v: Vcpu, sleepNs: number): void;
}

/** One guest workload of a VM: its operations, its waits and their ground truth. */
export interface GuestWorkload {
  /** Share of compute segments run in guest user mode; null: always kernel mode (no draw). */
  readonly userFraction: number | null;
  readonly computeNs: number;
  /** Length of one interrupt handler. */
  readonly handlerNs: number;
  /** Paravirtual policies halt this workload's spin waits after the PV spin threshold. */
  readonly pvHaltsWaits: boolean;
  /** A work segment (compute or critical section) ended: what the vCPU does next. */
  afterWork(v: Vcpu, engine: GuestEngine): void;
  /** The vCPU runs in one of this workload's wait phases: go on if the wait is over, else spin. */
  resumeWait(v: Vcpu, engine: GuestEngine): void;
  /** Ground truth: the vCPUs this spinner waits for (none for a timestamp loop), in the workload's one WaitSet that the next call refills: read it at once. */
  waitSet(v: Vcpu): WaitSet;
  /** When the current spin ends by itself (a timestamp loop), else Infinity. */
  spinDeadline(v: Vcpu): number;
}
