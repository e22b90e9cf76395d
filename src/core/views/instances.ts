// The instances behind a figure of the dashboard (a card, a bar, a matrix cell, an episode
// row), found in the session's decision and episode tables: how many there are, the k-th
// one (for previous / next), the marks a timeline window shows of them (one per pixel column
// and lane, capped), and the store rows of their events for the event list. A filter's
// matches are found once and kept (a few filters per tables), sorted by time.

import { DECISION_OUTCOMES, ProblemFlag, type TimelineTables } from '../analysis/tables';
import type { InstanceFilter, InstanceMarks, InstancesReply, InstancesRequest, TimelineRequest, VcpuPick } from '../../shared/protocol';
import { lowerBound, upperBound } from './sortedSearch';
import { notJudged, type TraceContents } from '../analysis/judgement';

/** An episode as the tables keep it (the state model's Episode has more). */
export interface EpisodeLike {
  tid: number;
  startNs: number;
  endNs: number;
}

/** The timeline tables, and the episodes where the model has them. */
/** `seen`: what the trace holds (the state model's), so that a problem it cannot judge has no instances. */
export type InstanceTables = TimelineTables & { episodes?: readonly EpisodeLike[]; seen?: TraceContents };

/** A filter's matches, in time order. */
export interface Instances {
  count: number;
  startNs: Float64Array;
  endNs: Float64Array;
  /** vCPU lane of the spinner (decisions) or of the episode's vCPU. */
  lane: Int32Array;
  /** vCPU lane of the boost target, -1 when none (episodes: -1). */
  targetLane: Int32Array;
  /** The events behind them, for the event list: PAUSE exits' kvm_exit rows, in time order. */
  eventTs: Float64Array;
  eventRows: Uint32Array;
}

/** Most marks one timeline window carries (after merging per pixel column and lane). */
export const MAX_MARKS = 4000;
/** Mark numbers: x0 px, x1 px, vCPU lane. */
export const MARK_STRIDE = 3;
/** Filters whose matches are kept per tables (a user steps through one or two at a time). */
const KEPT_FILTERS = 4;

const PROBLEM_BITS = { schedulerMismatch: ProblemFlag.SchedulerMismatch, lostOpportunity: ProblemFlag.LostOpportunity, overboost: ProblemFlag.Overboost } as const;

const kept = new WeakMap<InstanceTables, Map<string, Instances>>();

/** The matches of `filter`, found once per tables (the last KEPT_FILTERS filters are kept). */
export function matchingInstances(tables: InstanceTables, filter: InstanceFilter): Instances {
  let byKey = kept.get(tables);
  if (!byKey) kept.set(tables, (byKey = new Map()));
  const key = JSON.stringify(filter);
  const hit = byKey.get(key);
  if (hit) {
    byKey.delete(key);
    byKey.set(key, hit);
    return hit;
  }
  const found = filter.of === 'episodes' ? matchingEpisodes(tables, filter) : matchingDecisions(tables, filter);
  byKey.set(key, found);
  if (byKey.size > KEPT_FILTERS) byKey.delete(byKey.keys().next().value!);
  return found;
}

/** The k-th instance (clamped to the list) and how many there are. */
export function instancesReply(tables: InstanceTables, request: InstancesRequest): InstancesReply {
  const found = matchingInstances(tables, request.filter);
  if (found.count === 0) return { total: 0, index: 0, instance: null };
  const k = Math.min(found.count - 1, Math.max(0, request.index));
  return { total: found.count, index: k, instance: { startNs: found.startNs[k], endNs: found.endNs[k], lane: found.lane[k], targetLane: found.targetLane[k] } };
}

/**
 * The marks of a window: instances overlapping [startNs, endNs) as pixel spans per lane,
 * neighbours on one lane within a pixel merged; over MAX_MARKS, every k-th is kept.
 */
export function instanceMarks(tables: InstanceTables, filter: InstanceFilter, request: TimelineRequest): InstanceMarks {
  const found = matchingInstances(tables, filter);
  const pxPerNs = request.widthPx / (request.endNs - request.startNs);
  const toPx = (ns: number) => Math.min(request.widthPx, Math.max(0, (ns - request.startNs) * pxPerNs));
  // Instances are sorted by start; an episode may start before the window and reach into it.
  const to = lowerBound(found.startNs, 0, found.count, request.endNs);
  const from = filter.of === 'episodes' ? 0 : lowerBound(found.startNs, 0, to, request.startNs);
  const lastX1 = new Map<number, number>();
  let marks: number[] = [];
  let inWindow = 0;
  for (let i = from; i < to; i++) {
    if (found.endNs[i] < request.startNs) continue;
    inWindow++;
    const x0 = Math.floor(toPx(found.startNs[i]));
    const x1 = Math.max(x0 + 1, Math.ceil(toPx(found.endNs[i])));
    const lane = found.lane[i];
    const at = lastX1.get(lane);
    if (at !== undefined && x0 <= marks[at]) {
      marks[at] = Math.max(marks[at], x1);
      continue;
    }
    lastX1.set(lane, marks.length + 1);
    marks.push(x0, x1, lane);
  }
  const count = marks.length / MARK_STRIDE;
  if (count > MAX_MARKS) {
    const sampled: number[] = [];
    for (let j = 0; j < MAX_MARKS; j++) {
      const at = Math.floor((j * count) / MAX_MARKS) * MARK_STRIDE;
      sampled.push(marks[at], marks[at + 1], marks[at + 2]);
    }
    marks = sampled;
  }
  return { marks, inWindow, sampled: count > MAX_MARKS };
}

/** The store rows of the instances' events within [startNs, endNs), in time order. */
export function instanceEventRows(tables: InstanceTables, filter: InstanceFilter, startNs: number, endNs: number): Uint32Array {
  const found = matchingInstances(tables, filter);
  const from = lowerBound(found.eventTs, 0, found.eventTs.length, startNs);
  const to = lowerBound(found.eventTs, from, found.eventTs.length, endNs);
  return found.eventRows.subarray(from, to);
}

/** A mask over vCPU lanes: those of `vm` picked by `pick` (every lane of vm, or of the trace, without one). */
function laneMask(tables: TimelineTables, vm: string | undefined, pick: VcpuPick | undefined): Uint8Array {
  const picked = pick ? new Set(pick.vcpus) : null;
  return Uint8Array.from(tables.vcpuLanes, (l) => ((vm === undefined || l.vm === vm) && (picked === null || picked.has(l.vcpu) !== (pick?.exclude === true)) ? 1 : 0));
}

/** Row range [from, to) of times in the filter's bounds (the dashboard's range, or an episode's time, end included). */
function boundsIn(times: Float64Array, count: number, tables: TimelineTables, f: InstanceFilter): [number, number] {
  const from = f.startNs === undefined || f.startNs <= tables.startNs ? 0 : lowerBound(times, 0, count, f.startNs);
  // A range reaching the trace's end includes it (as the range analysis does).
  const to = f.endNs === undefined || f.endNs >= tables.endNs ? count : f.endInclusive ? upperBound(times, from, count, f.endNs) : lowerBound(times, from, count, f.endNs);
  return [from, Math.max(from, to)];
}

/** PAUSE exits (one yield decision each) that pass the filter, as the range analysis counts them. */
function matchingDecisions(tables: InstanceTables, f: InstanceFilter): Instances {
  const d = tables.decisions;
  const spinners = laneMask(tables, f.vm, f.spinner);
  const targets = f.target ? laneMask(tables, f.vm, f.target) : null;
  const outcomes = f.outcomes ? new Set(f.outcomes.map((o) => DECISION_OUTCOMES.indexOf(o))) : null;
  const problem = f.problem ? PROBLEM_BITS[f.problem] : 0;
  // A problem the trace cannot judge shows "not judged", and no instances behind it.
  if (f.problem && tables.seen && `problems.${f.problem}` in notJudged(tables.seen)) return emptyInstances(0);
  const [from, to] = boundsIn(d.ts, d.count, tables, f);
  const picked: number[] = [];
  for (let i = from; i < to; i++) {
    if (!spinners[d.spinnerLane[i]]) continue;
    if (targets && (d.targetLane[i] < 0 || !targets[d.targetLane[i]])) continue;
    if (outcomes && !outcomes.has(d.outcome[i])) continue;
    // A problem counts only on a judged decision (rangeAnalysis: addDecisions).
    if (problem && ((d.problems[i] & problem) === 0 || d.outcome[i] >= DECISION_OUTCOMES.length)) continue;
    if (f.withAttempts && d.attempts[i] === 0) continue;
    picked.push(i);
  }
  const n = picked.length;
  const found = emptyInstances(n);
  picked.forEach((i, k) => {
    found.startNs[k] = d.ts[i];
    // The exit lasts to the spinner's next kvm_entry; one the trace does not close is a point.
    found.endNs[k] = Number.isNaN(d.endNs[i]) ? d.ts[i] : d.endNs[i];
    found.lane[k] = d.spinnerLane[i];
    found.targetLane[k] = d.targetLane[i];
  });
  found.eventTs = found.startNs;
  found.eventRows = Uint32Array.from(picked, (i) => d.row[i]);
  return found;
}

/** Continuous-PLE episodes that pass the filter; their events are the PAUSE exits inside them. */
function matchingEpisodes(tables: InstanceTables, f: InstanceFilter): Instances {
  const episodes = tables.episodes ?? [];
  const laneOfTid = new Map(tables.vcpuLanes.map((l, i) => [l.tid, i]));
  const lanes = laneMask(tables, f.vm, f.spinner);
  const starts = Float64Array.from(episodes, (e) => e.startNs);
  const [from, to] = boundsIn(starts, starts.length, tables, f);
  const picked: { e: EpisodeLike; lane: number }[] = [];
  for (let i = from; i < to; i++) {
    const lane = laneOfTid.get(episodes[i].tid);
    if (lane !== undefined && lanes[lane]) picked.push({ e: episodes[i], lane });
  }
  const found = emptyInstances(picked.length);
  picked.forEach(({ e, lane }, k) => {
    found.startNs[k] = e.startNs;
    found.endNs[k] = e.endNs;
    found.lane[k] = lane;
  });
  found.targetLane.fill(-1);
  // The PAUSE exits of each episode's vCPU from its start to its end, merged in time order.
  const d = tables.decisions;
  const rows: number[] = [];
  for (const { e, lane } of picked) {
    const a = lowerBound(d.ts, 0, d.count, e.startNs);
    const b = upperBound(d.ts, a, d.count, e.endNs);
    for (let i = a; i < b; i++) if (d.spinnerLane[i] === lane) rows.push(i);
  }
  rows.sort((p, q) => p - q);
  found.eventTs = Float64Array.from(rows, (i) => d.ts[i]);
  found.eventRows = Uint32Array.from(rows, (i) => d.row[i]);
  return found;
}

function emptyInstances(n: number): Instances {
  return { count: n, startNs: new Float64Array(n), endNs: new Float64Array(n), lane: new Int32Array(n), targetLane: new Int32Array(n), eventTs: new Float64Array(0), eventRows: new Uint32Array(0) };
}
