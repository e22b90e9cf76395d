// The tracks both exports write (Perfetto protobuf and Chrome JSON), read from the timeline
// tables: one process per VM with a thread track per vCPU (its states as slices, PAUSE exits
// as instants), one "Host CPUs" process with a track per pCPU (what ran), boosts and IPIs as
// flows from one vCPU track to another. Process ids are synthetic (the trace has no VM pid);
// vCPU thread ids are the real ones.

import { CpuRunKind, DECISION_OUTCOMES, type TimelineTables } from '../analysis/tables';
import { CPU_RUN_LABELS, OUTCOME_NOT_JUDGED, VCPU_STATE_LABELS } from '../../shared/protocol';

/** Synthetic pid of the host-CPU process; VM n is HOST_PID + 1 + n. */
export const HOST_PID = 1;
/** pCPU tracks need a thread id in the JSON format: CPU n is CPU_TID_BASE + n (far from real tids). */
export const CPU_TID_BASE = 1 << 30;

export interface ExportProcess {
  pid: number;
  name: string;
  uuid: number;
}

export interface ExportTrack {
  uuid: number;
  parentUuid: number;
  pid: number;
  tid: number;
  name: string;
  /** A real thread (vCPU) or a named track (pCPU). */
  thread: boolean;
}

export interface ExportLayout {
  processes: ExportProcess[];
  vcpuTracks: ExportTrack[];
  cpuTracks: ExportTrack[];
}

/** The store's thread names, for the other tasks pCPU tracks show. */
export type ThreadName = (tid: number) => string;

export function exportLayout(tables: TimelineTables): ExportLayout {
  let uuid = 1;
  const host: ExportProcess = { pid: HOST_PID, name: 'Host CPUs', uuid: uuid++ };
  const vms = new Map<string, ExportProcess>();
  for (const l of tables.vcpuLanes) if (!vms.has(l.vm)) vms.set(l.vm, { pid: HOST_PID + 1 + l.vmIndex, name: l.vm, uuid: uuid++ });
  const vcpuTracks = tables.vcpuLanes.map((l) => {
    const vm = vms.get(l.vm)!;
    return { uuid: uuid++, parentUuid: vm.uuid, pid: vm.pid, tid: l.tid, name: `vCPU ${l.vcpu} (${l.comm})`, thread: true };
  });
  const cpuTracks = tables.cpuLanes.map((c) => ({ uuid: uuid++, parentUuid: host.uuid, pid: HOST_PID, tid: CPU_TID_BASE + c.cpu, name: `CPU ${c.cpu}`, thread: false }));
  return { processes: [host, ...vms.values()], vcpuTracks, cpuTracks };
}

export interface ExportSlice {
  track: ExportTrack;
  startNs: number;
  endNs: number;
  name: string;
  args: Record<string, string | number>;
}

/** Every vCPU state (unknown left out) and every pCPU run (idle left out), track by track. */
export function* exportSlices(tables: TimelineTables, layout: ExportLayout, threadName: ThreadName, line: (row: number) => number): Generator<ExportSlice> {
  const s = tables.vcpuStates;
  for (let i = 0; i < s.count; i++) {
    if (s.state[i] === 0 || !(s.endNs[i] > s.startNs[i])) continue;
    const args: Record<string, string | number> = { line: line(s.row[i]) };
    if (s.detail[i] >= 0) args.pcpu = s.detail[i];
    yield { track: layout.vcpuTracks[s.lane[i]], startNs: s.startNs[i], endNs: s.endNs[i], name: VCPU_STATE_LABELS[s.state[i]] ?? `state ${s.state[i]}`, args };
  }
  const c = tables.cpuRuns;
  for (let i = 0; i < c.count; i++) {
    if (c.state[i] === CpuRunKind.Idle || !(c.endNs[i] > c.startNs[i])) continue;
    const lane = c.vcpuLane[i] >= 0 ? tables.vcpuLanes[c.vcpuLane[i]] : undefined;
    const name = lane ? `${lane.vm}/vCPU ${lane.vcpu}` : c.detail[i] >= 0 ? `${threadName(c.detail[i])}-${c.detail[i]}` : CPU_RUN_LABELS[c.state[i]] ?? 'other task';
    yield { track: layout.cpuTracks[c.lane[i]], startNs: c.startNs[i], endNs: c.endNs[i], name, args: { tid: c.detail[i], line: line(c.row[i]) } };
  }
}

export interface ExportInstant {
  track: ExportTrack;
  ts: number;
  name: string;
  args: Record<string, string | number>;
  /** A flow that starts here and ends on `flowTo` at the same instant (boosts, IPIs). */
  flowId?: number;
  flowTo?: ExportTrack;
  flowName?: string;
}

const outcomeName = (code: number) => (code === OUTCOME_NOT_JUDGED ? 'not judged' : DECISION_OUTCOMES[code] ?? `outcome ${code}`);
/** Outcomes with a target the spinner tried to boost: drawn as a flow. */
const FLOW_OUTCOMES = new Set([DECISION_OUTCOMES.indexOf('boostedRan'), DECISION_OUTCOMES.indexOf('boostedNotRun'), DECISION_OUTCOMES.indexOf('esrch'), OUTCOME_NOT_JUDGED]);

/** PAUSE exits (with a boost flow when a target was tried) and IPIs (a flow each). */
export function* exportInstants(tables: TimelineTables, layout: ExportLayout, line: (row: number) => number): Generator<ExportInstant> {
  let flow = 1;
  const d = tables.decisions;
  for (let i = 0; i < d.count; i++) {
    const track = layout.vcpuTracks[d.spinnerLane[i]];
    const args: Record<string, string | number> = { outcome: outcomeName(d.outcome[i]), line: line(d.row[i]) };
    const target = d.targetLane[i] >= 0 ? layout.vcpuTracks[d.targetLane[i]] : undefined;
    if (target) args.target = target.name;
    const flows = target && FLOW_OUTCOMES.has(d.outcome[i]);
    yield { track, ts: d.ts[i], name: 'PAUSE exit', args, flowId: flows ? flow++ : undefined, flowTo: flows ? target : undefined, flowName: flows ? `boost (${args.outcome})` : undefined };
  }
  const p = tables.ipis;
  for (let i = 0; i < p.count; i++) {
    const to = layout.vcpuTracks[p.toLane[i]];
    yield { track: layout.vcpuTracks[p.fromLane[i]], ts: p.ts[i], name: 'IPI', args: { to: to.name, line: line(p.row[i]) }, flowId: flow++, flowTo: to, flowName: 'IPI' };
  }
}
