// What a click on the timeline points at: on a vCPU lane the PAUSE exit (yield decision) or IPI
// nearest the click within a few pixels, else the run under it; every answer names the raw
// line of the event behind it (store row → line).

import { CpuRunKind, DECISION_OUTCOMES, type TimelineTables } from '../analysis/tables';
import { GUEST_RUN_LABELS, OUTCOME_NOT_JUDGED, VCPU_STATE_LABELS, type TimelineDetails, type TimelineDetailsRequest } from '../../shared/protocol';
import { lowerBound, upperBound } from './sortedSearch';
import type { GuestLaneTables } from './guestLanes';
import { descriptorOf } from '../events/registry';

/** What the details need from the store: a row's raw line and a thread's name. */
export interface RowSource {
  line(row: number): number;
  comm(tid: number): string;
}

export const OUTCOME_LABELS: Record<(typeof DECISION_OUTCOMES)[number], string> = {
  boostedRan: 'boosted and ran',
  boostedNotRun: 'boosted, did not run (scheduler ignored the boost)',
  esrch: 'yield_to returned -ESRCH',
  notBoosted: 'ready vCPUs, none boosted',
  noCandidate: 'no candidate',
};

const seconds = (ns: number) => (ns / 1e9).toFixed(9);
const duration = (ns: number) => (Number.isFinite(ns) ? `${(ns / 1e3).toFixed(3)} µs` : 'until the trace ends');

export function laneName(tables: TimelineTables, vcpuLane: number): string {
  const l = tables.vcpuLanes[vcpuLane];
  return l ? `${l.vm}/vCPU ${l.vcpu}` : `lane ${vcpuLane}`;
}

export function outcomeLabel(code: number): string {
  return code === OUTCOME_NOT_JUDGED ? 'not judged (the trace has no sched events)' : OUTCOME_LABELS[DECISION_OUTCOMES[code]] ?? `outcome ${code}`;
}

/** More fields for the details of decision k (the replay's per-policy targets). */
export type DecisionFields = (k: number) => [string, string][];

export function timelineDetails(tables: TimelineTables, rows: RowSource, request: TimelineDetailsRequest, decisionFields?: DecisionFields, guests?: GuestLaneTables | null): TimelineDetails | null {
  if (request.lane === 'guest') {
    if (!guests || request.index >= guests.lanes.length) return null;
    return guestInstantAt(guests, request) ?? guestRunAt(guests, request.index, request.ns);
  }
  if (request.lane === 'vcpu') {
    if (request.index >= tables.vcpuLanes.length) return null;
    return decisionAt(tables, rows, request, decisionFields) ?? ipiAt(tables, rows, request) ?? vcpuRunAt(tables, rows, request.index, request.ns);
  }
  if (request.index >= tables.cpuLanes.length) return null;
  return cpuRunAt(tables, rows, request.index, request.ns);
}

/** The row in [from, to) of `ts` nearest to ns among those `matches` accepts. */
function nearest(ts: Float64Array, from: number, to: number, ns: number, matches: (i: number) => boolean): number {
  let best = -1;
  for (let i = from; i < to; i++) if (matches(i) && (best < 0 || Math.abs(ts[i] - ns) < Math.abs(ts[best] - ns))) best = i;
  return best;
}

function decisionAt(tables: TimelineTables, rows: RowSource, r: TimelineDetailsRequest, decisionFields?: DecisionFields): TimelineDetails | null {
  const d = tables.decisions;
  const from = lowerBound(d.ts, 0, d.count, r.ns - r.toleranceNs);
  const to = upperBound(d.ts, from, d.count, r.ns + r.toleranceNs);
  const i = nearest(d.ts, from, to, r.ns, (k) => d.spinnerLane[k] === r.index);
  if (i < 0) return null;
  const target = d.targetLane[i] >= 0 ? laneName(tables, d.targetLane[i]) : 'none identified';
  return {
    title: `PAUSE exit of ${laneName(tables, r.index)}: ${outcomeLabel(d.outcome[i])}`,
    fields: [
      ['kvm_exit at', `${seconds(d.ts[i])} s`],
      ['exit handled for', duration(d.endNs[i] - d.ts[i])],
      ['spinner', laneName(tables, r.index)],
      ['boost target', target],
      ['outcome', outcomeLabel(d.outcome[i])],
      ['line', String(rows.line(d.row[i]))],
      ...(decisionFields?.(i) ?? []),
    ],
    line: rows.line(d.row[i]),
    startNs: d.ts[i],
    endNs: Number.isFinite(d.endNs[i]) ? d.endNs[i] : d.ts[i],
  };
}

function ipiAt(tables: TimelineTables, rows: RowSource, r: TimelineDetailsRequest): TimelineDetails | null {
  const p = tables.ipis;
  const from = lowerBound(p.ts, 0, p.count, r.ns - r.toleranceNs);
  const to = upperBound(p.ts, from, p.count, r.ns + r.toleranceNs);
  const i = nearest(p.ts, from, to, r.ns, (k) => p.fromLane[k] === r.index || p.toLane[k] === r.index);
  if (i < 0) return null;
  return {
    title: `IPI ${laneName(tables, p.fromLane[i])} → ${laneName(tables, p.toLane[i])}`,
    fields: [
      ['kvm_apic_ipi at', `${seconds(p.ts[i])} s`],
      ['from', laneName(tables, p.fromLane[i])],
      ['to', laneName(tables, p.toLane[i])],
      ['line', String(rows.line(p.row[i]))],
    ],
    line: rows.line(p.row[i]),
    startNs: p.ts[i],
    endNs: p.ts[i],
  };
}

/** Index of the run of `lane` that covers ns, or -1. */
function runAt(columns: TimelineTables['vcpuStates'], lane: number, ns: number): number {
  const ranges = columns.laneStart;
  const i = upperBound(columns.endNs, ranges[lane], ranges[lane + 1], ns);
  return i < ranges[lane + 1] && columns.startNs[i] <= ns ? i : -1;
}

function vcpuRunAt(tables: TimelineTables, rows: RowSource, lane: number, ns: number): TimelineDetails | null {
  const s = tables.vcpuStates;
  const i = runAt(s, lane, ns);
  if (i < 0) return null;
  const l = tables.vcpuLanes[lane];
  const state = VCPU_STATE_LABELS[s.state[i]] ?? `state ${s.state[i]}`;
  return {
    title: `${laneName(tables, lane)}: ${state}`,
    fields: [
      ['state', state],
      ['from', `${seconds(s.startNs[i])} s`],
      ['to', `${seconds(s.endNs[i])} s`],
      ['duration', duration(s.endNs[i] - s.startNs[i])],
      ['pCPU', s.detail[i] >= 0 ? String(s.detail[i]) : '—'],
      ['thread', `${l.comm}-${l.tid}`],
      ['line', String(rows.line(s.row[i]))],
    ],
    line: rows.line(s.row[i]),
    startNs: s.startNs[i],
    endNs: s.endNs[i],
  };
}

function cpuRunAt(tables: TimelineTables, rows: RowSource, lane: number, ns: number): TimelineDetails | null {
  const c = tables.cpuRuns;
  const i = runAt(c, lane, ns);
  if (i < 0) return null;
  const cpu = tables.cpuLanes[lane].cpu;
  const what = c.state[i] === CpuRunKind.Idle ? 'idle' : c.vcpuLane[i] >= 0 ? laneName(tables, c.vcpuLane[i]) : `${rows.comm(c.detail[i])}-${c.detail[i]}`;
  return {
    title: `CPU ${cpu}: ${what}`,
    fields: [
      ['ran', what],
      ['thread', c.detail[i] >= 0 ? `${rows.comm(c.detail[i])}-${c.detail[i]}` : '—'],
      ['from', `${seconds(c.startNs[i])} s`],
      ['to', `${seconds(c.endNs[i])} s`],
      ['duration', duration(c.endNs[i] - c.startNs[i])],
      ['line', String(rows.line(c.row[i]))],
    ],
    line: rows.line(c.row[i]),
    startNs: c.startNs[i],
    endNs: c.endNs[i],
  };
}

const guestLaneName = (guests: GuestLaneTables, lane: number) => {
  const l = guests.lanes[lane];
  return `guest ${l.name || l.traceId} CPU ${l.vcpu}`;
};

/** A guest store row: its event, the event's fields (descriptor columns) and its line as the kernel prints it. */
function guestEventFields(guests: GuestLaneTables, lane: number, row: number): [string, string][] {
  const store = guests.stores[guests.lanes[lane].guest];
  const d = descriptorOf(store.kind[row]);
  if (!d) return [['guest line', String(store.line[row])]];
  const columns = (['a', 'b', 'c'] as const).flatMap((c) => {
    const spec = d.columns[c];
    if (!spec) return [];
    const v = store[c][row];
    return [[spec.meaning, spec.stringId ? store.strings.get(v) : String(v)] as [string, string]];
  });
  return [['event', `${d.system}:${d.name}`], ...columns, ['raw', d.render.kernel?.(store, row) ?? ''], ['guest line', String(store.line[row])]];
}

function guestInstantAt(guests: GuestLaneTables, r: TimelineDetailsRequest): TimelineDetails | null {
  const p = guests.instants;
  const lo = p.laneStart[r.index];
  const hi = p.laneStart[r.index + 1];
  const from = lowerBound(p.ts, lo, hi, r.ns - r.toleranceNs);
  const to = upperBound(p.ts, from, hi, r.ns + r.toleranceNs);
  const i = nearest(p.ts, from, to, r.ns, () => true);
  if (i < 0) return null;
  const fields = guestEventFields(guests, r.index, p.row[i]);
  return { title: `${guestLaneName(guests, r.index)}: ${fields[0][1]}`, fields: [['at', `${seconds(p.ts[i])} s`], ...fields], line: 0, startNs: p.ts[i], endNs: p.ts[i] };
}

function guestRunAt(guests: GuestLaneTables, lane: number, ns: number): TimelineDetails | null {
  const s = guests.runs;
  const i = runAt(s, lane, ns);
  if (i < 0) return null;
  const what = GUEST_RUN_LABELS[s.state[i]] ?? `state ${s.state[i]}`;
  return {
    title: `${guestLaneName(guests, lane)}: ${what}`,
    fields: [
      ['state', what],
      ['guest task', s.detail[i] > 0 ? String(s.detail[i]) : '—'],
      ['from', `${seconds(s.startNs[i])} s`],
      ['to', `${seconds(s.endNs[i])} s`],
      ['duration', duration(s.endNs[i] - s.startNs[i])],
      ['host thread', String(guests.lanes[lane].hostTid)],
      ...guestEventFields(guests, lane, s.row[i]).map(([k, v]): [string, string] => [k === 'event' ? 'began with' : k, v]),
    ],
    // The raw line is the guest file's (in the fields): the editor shows the host file.
    line: 0,
    startNs: s.startNs[i],
    endNs: s.endNs[i],
  };
}
