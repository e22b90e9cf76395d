// What the analysis must know of the whole trace before its one pass, from one cheap pass over
// the rows: per thread id its first vCPU number in kvm events (the vCPU map) and how many of its
// events can change a vCPU state, per pCPU its runs, per kind its rows (the tables' sizes). A
// census is taken per run of rows and added up in file order, so that each thread that reads a
// part of a file can count its own part while the others still read.

import { EventKind, PID_MAX_LIMIT, type EventStore } from '../trace/model';
import { isPauseExitReason } from './sites';
import { ReasonClass } from './reasonClass';

/** pCPU numbers are 16-bit (the store's cpu column). */
const CPU_SLOTS = 1 << 16;

export interface TraceCensus {
  /** The rows counted. */
  rows: number;
  perKind: Uint32Array;
  pauseExits: number;
  /** Per pCPU: 1 + its sched_switch events, 0 when it has no event (one run per switch and the one the first event shows). */
  runsOfCpu: Uint32Array;
  /**
   * Per thread id below PID_MAX_LIMIT (up to the largest seen): 0 no kvm event, 1 kvm events
   * without a vCPU number, n + 2 the first vCPU number n in its kvm events.
   */
  vcpuCode: Uint32Array;
  /** Per thread id below PID_MAX_LIMIT: events that can change its state were it a vCPU thread. */
  stateEvents: Uint32Array;
  /** The same for thread ids outside [0, PID_MAX_LIMIT). */
  vcpuCodeOther: Map<number, number>;
  stateEventsOther: Map<number, number>;
}

/** The census of rows [from, to) of `store`. */
export function takeCensus(store: EventStore, from = 0, to = store.length): TraceCensus {
  const isPause = new ReasonClass(store, isPauseExitReason).byId;
  const perKind = new Uint32Array(256);
  const runsOfCpu = new Uint32Array(CPU_SLOTS);
  const vcpuCode = new Uint32Array(PID_MAX_LIMIT);
  const stateEvents = new Uint32Array(PID_MAX_LIMIT);
  const vcpuCodeOther = new Map<number, number>();
  const stateEventsOther = new Map<number, number>();
  let pauseExits = 0;
  let maxTid = -1;
  const countState = (t: number) => {
    if (t >>> 0 < PID_MAX_LIMIT) {
      stateEvents[t]++;
      if (t > maxTid) maxTid = t;
    } else stateEventsOther.set(t, (stateEventsOther.get(t) ?? 0) + 1);
  };
  const noteVcpu = (t: number, id: number) => {
    const code = id >= 0 ? id + 2 : 1;
    if (t >>> 0 < PID_MAX_LIMIT) {
      if (vcpuCode[t] < 2 && code > vcpuCode[t]) vcpuCode[t] = code;
      if (t > maxTid) maxTid = t;
    } else vcpuCodeOther.set(t, firstVcpuCode(vcpuCodeOther.get(t) ?? 0, code));
  };
  const { kind: kinds, tid, a, b, c, cpu } = store;
  for (let i = from; i < to; i++) {
    const kind = kinds[i];
    perKind[kind]++;
    const on = cpu[i];
    if (runsOfCpu[on] === 0) runsOfCpu[on] = 1;
    switch (kind) {
      case EventKind.KvmExit:
      case EventKind.KvmEntry:
        if (kind === EventKind.KvmExit && isPause[b[i]] === 1) pauseExits++;
        countState(tid[i]);
        noteVcpu(tid[i], a[i]);
        break;
      case EventKind.PleWindow:
        noteVcpu(tid[i], a[i]);
        break;
      case EventKind.SchedSwitch:
        runsOfCpu[on]++;
        countState(a[i]);
        countState(c[i]);
        break;
      case EventKind.SchedWakeup:
      case EventKind.SchedWaking:
      case EventKind.SchedWakeupNew:
        countState(a[i]);
        break;
    }
  }
  const used = maxTid + 1;
  return { rows: to - from, perKind, pauseExits, runsOfCpu, vcpuCode: vcpuCode.slice(0, used), stateEvents: stateEvents.slice(0, used), vcpuCodeOther, stateEventsOther };
}

/** A thread's code after `earlier`, then `later`: the first vCPU number wins, a number beats none. */
function firstVcpuCode(earlier: number, later: number): number {
  return earlier >= 2 ? earlier : Math.max(earlier, later);
}

/** The census of `first`'s rows followed by `later`'s (the next rows of the file). */
export function addCensus(first: TraceCensus, later: TraceCensus): TraceCensus {
  const used = Math.max(first.vcpuCode.length, later.vcpuCode.length);
  const vcpuCode = new Uint32Array(used);
  const stateEvents = new Uint32Array(used);
  vcpuCode.set(first.vcpuCode);
  stateEvents.set(first.stateEvents);
  for (let t = 0; t < later.vcpuCode.length; t++) {
    vcpuCode[t] = firstVcpuCode(vcpuCode[t], later.vcpuCode[t]);
    stateEvents[t] += later.stateEvents[t];
  }
  const vcpuCodeOther = new Map(first.vcpuCodeOther);
  for (const [t, code] of later.vcpuCodeOther) vcpuCodeOther.set(t, firstVcpuCode(vcpuCodeOther.get(t) ?? 0, code));
  const stateEventsOther = new Map(first.stateEventsOther);
  for (const [t, n] of later.stateEventsOther) stateEventsOther.set(t, (stateEventsOther.get(t) ?? 0) + n);
  const perKind = first.perKind.map((n, k) => n + later.perKind[k]);
  // A pCPU seen in both counts the run its first event shows once.
  const runsOfCpu = first.runsOfCpu.map((n, on) => n + later.runsOfCpu[on] - (n > 0 && later.runsOfCpu[on] > 0 ? 1 : 0));
  return { rows: first.rows + later.rows, perKind, pauseExits: first.pauseExits + later.pauseExits, runsOfCpu, vcpuCode, stateEvents, vcpuCodeOther, stateEventsOther };
}

/** Per thread id with kvm events, its first vCPU number (-1: none), in thread-id order. */
export function eventVcpus(census: TraceCensus): Map<number, number> {
  const byTid = new Map<number, number>();
  const decode = (code: number) => (code === 1 ? -1 : code - 2);
  census.vcpuCode.forEach((code, tid) => {
    if (code !== 0) byTid.set(tid, decode(code));
  });
  for (const [tid, code] of census.vcpuCodeOther) byTid.set(tid, decode(code));
  return byTid;
}

/** Events that can change thread `tid`'s state. */
export function stateEventsOf(census: TraceCensus, tid: number): number {
  return tid >>> 0 < PID_MAX_LIMIT ? (census.stateEvents[tid] ?? 0) : (census.stateEventsOther.get(tid) ?? 0);
}

/** The census's buffers, to transfer it to another thread. */
export function censusBuffers(census: TraceCensus): ArrayBuffer[] {
  return [census.perKind, census.runsOfCpu, census.vcpuCode, census.stateEvents].map((column) => column.buffer as ArrayBuffer);
}
