// Guest lanes: what each guest CPU did by the guest's own trace (on the host clock), one lane
// per guest CPU, drawn right after the host vCPU lane of the thread that ran it (the GUEST
// option's vcpu → host tid). A lane's runs: idle or a task (between the guest's sched_switch
// events), lock contention (contention_begin → end) and a csd function (entry → exit), the
// innermost shown; its instants: ipi_send_cpu / ipi_send_cpumask and csd_queue_cpu.
// Zoomed out, a lane is drawn from the coarse levels of its runs, as host lanes are
// (coarseLanes.ts): the runs stand as the vCPU states of a TimelineTables of their own.

import { EventKind, type EventStore } from '../trace/model';
import { GUEST_EVENT_KINDS as G } from '../events/guest';
import type { DecisionColumns, IntervalColumns, IpiColumns, TimelineTables, VcpuLane } from '../analysis/tables';
import type { GuestTrace } from '../guestTraces';

/** What a guest lane's run is (its code; the drawn state; named by GUEST_RUN_LABELS in protocol.ts). Later codes win while they last. */
export const GuestRunKind = { Unknown: 0, Idle: 1, Task: 2, LockContention: 3, CsdFunction: 4 } as const;
/** A guest CPU's task before its first sched_switch: not known (the run is not drawn). */
const TASK_UNKNOWN = -2;
/** The guest events shown as instants on a guest lane. */
export const GUEST_INSTANT_KINDS: readonly number[] = [G.IpiSendCpu, G.IpiSendCpumask, G.CsdQueueCpu];

export interface GuestLane {
  /** Index into the session's guests. */
  guest: number;
  /** The guest's name (may be empty) and trace id. */
  name: string;
  traceId: string;
  /** The guest CPU (= vCPU number) and the host thread that ran it. */
  vcpu: number;
  hostTid: number;
  /** The host vCPU lane of that thread; -1 when the host trace never shows it. */
  afterVcpuLane: number;
}

export interface GuestInstants {
  count: number;
  ts: Float64Array;
  lane: Uint32Array;
  /** Row in the guest's store. */
  row: Uint32Array;
  /** laneStart[l] .. laneStart[l + 1] - 1 are lane l's instants, by time. */
  laneStart: Uint32Array;
}

export interface GuestLaneTables {
  lanes: GuestLane[];
  /** state: GuestRunKind; detail: the guest task's tid (-1 idle); row: the guest store row that began the run. */
  runs: IntervalColumns;
  instants: GuestInstants;
  /** The store each lane's rows are in. */
  stores: EventStore[];
  /** The runs as the vCPU states of a TimelineTables (no pCPUs, decisions or IPIs), for its coarse levels. */
  binned: TimelineTables;
}

/** Per guest CPU, the events that open and close its runs, in time order. */
class CpuState {
  task = TASK_UNKNOWN;
  locks = 0;
  csds = 0;
  startNs = NaN;
  startRow = 0;
  kind(): number {
    if (this.csds > 0) return GuestRunKind.CsdFunction;
    if (this.locks > 0) return GuestRunKind.LockContention;
    if (this.task === TASK_UNKNOWN) return GuestRunKind.Unknown;
    return this.task > 0 ? GuestRunKind.Task : GuestRunKind.Idle;
  }
}

interface Run {
  lane: number;
  startNs: number;
  endNs: number;
  state: number;
  detail: number;
  row: number;
}

/** Runs and instants of one guest's CPUs, on the lanes `laneOf` gives each guest CPU. */
function guestRuns(guest: GuestTrace, laneOf: Map<number, number>, runs: Run[], instants: [number, number, number][]): void {
  const store = guest.store;
  const cpus = new Map<number, CpuState>();
  const order = store.order();
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const lane = laneOf.get(store.cpu[i]);
    if (lane === undefined) continue;
    const kind = store.kind[i];
    const ts = store.ts[i];
    if (GUEST_INSTANT_KINDS.includes(kind)) {
      instants.push([lane, ts, i]);
      continue;
    }
    if (kind !== EventKind.SchedSwitch && kind !== G.LockContentionBegin && kind !== G.LockContentionEnd && kind !== G.CsdFunctionEntry && kind !== G.CsdFunctionExit) continue;
    let cpu = cpus.get(lane);
    if (!cpu) cpus.set(lane, (cpu = new CpuState()));
    // The first sched_switch also says what ran before it: its prev pid.
    if (kind === EventKind.SchedSwitch && cpu.task === TASK_UNKNOWN) cpu.task = store.a[i];
    const before = cpu.kind();
    const beforeTask = cpu.task;
    if (kind === EventKind.SchedSwitch) cpu.task = store.c[i];
    else if (kind === G.LockContentionBegin) cpu.locks++;
    else if (kind === G.LockContentionEnd) cpu.locks = Math.max(0, cpu.locks - 1);
    else if (kind === G.CsdFunctionEntry) cpu.csds++;
    else if (kind === G.CsdFunctionExit) cpu.csds = Math.max(0, cpu.csds - 1);
    const after = cpu.kind();
    if (after === before && cpu.task === beforeTask && !Number.isNaN(cpu.startNs)) continue;
    if (!Number.isNaN(cpu.startNs) && ts > cpu.startNs && before !== GuestRunKind.Unknown) runs.push({ lane, startNs: cpu.startNs, endNs: ts, state: before, detail: Math.max(-1, beforeTask), row: cpu.startRow });
    cpu.startNs = ts;
    cpu.startRow = i;
  }
  // The last run lasts until the guest's last event.
  const end = guest.lastNs ?? 0;
  for (const [lane, cpu] of cpus) if (!Number.isNaN(cpu.startNs) && end > cpu.startNs && cpu.kind() !== GuestRunKind.Unknown) runs.push({ lane, startNs: cpu.startNs, endNs: end, state: cpu.kind(), detail: Math.max(-1, cpu.task), row: cpu.startRow });
}

/** The guest lanes of `guests` beside the host's vCPU lanes. */
export function guestLaneTables(guests: readonly GuestTrace[], vcpuLanes: readonly VcpuLane[]): GuestLaneTables {
  const lanes: GuestLane[] = [];
  const runs: Run[] = [];
  const instants: [number, number, number][] = [];
  guests.forEach((guest, g) => {
    const laneOf = new Map<number, number>();
    for (const { vcpu, hostTid } of [...guest.vcpus].sort((p, q) => p.vcpu - q.vcpu)) {
      laneOf.set(vcpu, lanes.length);
      lanes.push({ guest: g, name: guest.name, traceId: guest.traceId, vcpu, hostTid, afterVcpuLane: vcpuLanes.findIndex((l) => l.tid === hostTid) });
    }
    guestRuns(guest, laneOf, runs, instants);
  });
  runs.sort((p, q) => p.lane - q.lane || p.startNs - q.startNs);
  instants.sort((p, q) => p[0] - q[0] || p[1] - q[1] || p[2] - q[2]);
  const columns = runColumns(runs, lanes.length);
  return { lanes, runs: columns, instants: instantColumns(instants, lanes.length), stores: guests.map((g) => g.store), binned: binnedTables(columns, lanes) };
}

/** Guest lanes stand as vCPU lanes; the span is the runs' own. */
function binnedTables(runs: IntervalColumns, lanes: GuestLane[]): TimelineTables {
  let startNs = Infinity;
  let endNs = -Infinity;
  for (let i = 0; i < runs.count; i++) {
    startNs = Math.min(startNs, runs.startNs[i]);
    endNs = Math.max(endNs, runs.endNs[i]);
  }
  if (runs.count === 0) startNs = endNs = 0;
  const vcpuLanes = lanes.map((l) => ({ vm: l.name, vmIndex: l.guest, vcpu: l.vcpu, tid: l.hostTid, comm: '' }));
  return { vcpuLanes, cpuLanes: [], vcpuStates: runs, cpuRuns: runColumns([], 0), decisions: NO_DECISIONS, ipis: NO_IPIS, startNs, endNs };
}

const NO_DECISIONS: DecisionColumns = {
  count: 0,
  ts: new Float64Array(0),
  endNs: new Float64Array(0),
  spinnerLane: new Uint32Array(0),
  targetLane: new Int32Array(0),
  outcome: new Uint8Array(0),
  row: new Uint32Array(0),
  attempts: new Uint16Array(0),
  problems: new Uint8Array(0),
};
const NO_IPIS: IpiColumns = { count: 0, ts: new Float64Array(0), fromLane: new Uint32Array(0), toLane: new Uint32Array(0), row: new Uint32Array(0) };

function laneStarts(laneOfRow: (k: number) => number, count: number, lanes: number): Uint32Array {
  const starts = new Uint32Array(lanes + 1);
  for (let k = 0; k < count; k++) starts[laneOfRow(k) + 1]++;
  for (let l = 0; l < lanes; l++) starts[l + 1] += starts[l];
  return starts;
}

function runColumns(runs: Run[], lanes: number): IntervalColumns {
  const n = runs.length;
  const c: IntervalColumns = {
    count: n,
    lane: Uint32Array.from(runs, (r) => r.lane),
    startNs: Float64Array.from(runs, (r) => r.startNs),
    endNs: Float64Array.from(runs, (r) => r.endNs),
    state: Uint8Array.from(runs, (r) => r.state),
    detail: Int32Array.from(runs, (r) => r.detail),
    vcpuLane: new Int32Array(n).fill(-1),
    row: Uint32Array.from(runs, (r) => r.row),
    flags: new Uint8Array(n),
    laneStart: laneStarts((k) => runs[k].lane, n, lanes),
  };
  return c;
}

function instantColumns(rows: [number, number, number][], lanes: number): GuestInstants {
  return {
    count: rows.length,
    lane: Uint32Array.from(rows, (r) => r[0]),
    ts: Float64Array.from(rows, (r) => r[1]),
    row: Uint32Array.from(rows, (r) => r[2]),
    laneStart: laneStarts((k) => rows[k][0], rows.length, lanes),
  };
}
