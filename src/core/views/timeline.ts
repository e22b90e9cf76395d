// The timeline's level of detail: for a window [startNs, endNs) drawn `widthPx` wide, only
// what the pixels can show (as Perfetto and KernelShark do). Per lane, runs of a pixel or
// more are sent as they are; shorter runs are merged until the group spans a pixel, keeping
// the dominant state (by time) and a mixed flag; neighbours that draw alike are joined. PAUSE
// exits become per-pixel tick counts, boosts and IPIs per-pixel arrows, both capped.

import { DECISION_OUTCOMES, type IntervalColumns, type TimelineTables } from '../analysis/tables';
import { BOOST_STRIDE, IPI_STRIDE, OUTCOME_NOT_JUDGED, SEGMENT_MIXED, type TimelineLane, type TimelineRequest, type TimelineWindow } from '../../protocol';
import { lowerBound, upperBound } from './sortedSearch';

/** Most arrows of each kind one window carries (after merging per pixel). */
export const MAX_ARROWS = 2000;
/** Highest state / run-kind code plus one (VcpuState and CpuRunKind both fit). */
const STATE_CODES = 8;
/** Pixel positions are sent to 1/100 px: finer than a screen, shorter than ns in JSON. */
const round = (x: number) => Math.round(x * 100) / 100;

/** Maps ns to pixels of one window, clamped to it. */
interface Scale {
  startNs: number;
  pxPerNs: number;
  widthPx: number;
}

const toPx = (s: Scale, ns: number) => Math.min(s.widthPx, Math.max(0, (ns - s.startNs) * s.pxPerNs));

export function timelineWindow(tables: TimelineTables, request: TimelineRequest): TimelineWindow {
  const scale: Scale = { startNs: request.startNs, pxPerNs: request.widthPx / (request.endNs - request.startNs), widthPx: request.widthPx };
  const vcpuIndices = request.lanes?.vcpus ?? tables.vcpuLanes.map((_, i) => i);
  const cpuIndices = request.lanes?.cpus ?? tables.cpuLanes.map((_, i) => i);
  const vcpuRanges = tables.vcpuStates.laneStart;
  const cpuRanges = tables.cpuRuns.laneStart;
  const ticks = pauseTicks(tables, request, scale);
  const lanes: TimelineLane[] = [];
  for (const index of vcpuIndices) {
    if (index >= tables.vcpuLanes.length) continue;
    const segments = laneSegments(tables.vcpuStates, tables.vcpuStates.detail, vcpuRanges[index], vcpuRanges[index + 1], request, scale);
    lanes.push({ kind: 'vcpu', index, segments, ticks: ticks.get(index) ?? [] });
  }
  for (const index of cpuIndices) {
    if (index >= tables.cpuLanes.length) continue;
    const segments = laneSegments(tables.cpuRuns, tables.cpuRuns.vcpuLane, cpuRanges[index], cpuRanges[index + 1], request, scale);
    lanes.push({ kind: 'cpu', index, segments, ticks: [] });
  }
  const boosts = boostArrows(tables, request, scale);
  const ipis = ipiArrows(tables, request, scale);
  return {
    startNs: request.startNs,
    endNs: request.endNs,
    widthPx: request.widthPx,
    traceStartNs: tables.startNs,
    traceEndNs: tables.endNs,
    vcpuLanes: tables.vcpuLanes.map(({ vm, vmIndex, vcpu, tid, comm }) => ({ vm, vmIndex, vcpu, tid, comm })),
    cpuLanes: tables.cpuLanes.map(({ cpu }) => ({ cpu })),
    lanes,
    boosts: boosts.arrows,
    boostsInWindow: boosts.inWindow,
    boostsOmitted: boosts.omitted,
    ipis: ipis.arrows,
    ipisInWindow: ipis.inWindow,
    ipisOmitted: ipis.omitted,
  };
}

/**
 * Segments of one lane (rows lo..hi of `table`) inside the window: x0, x1, code, detail, where
 * detail comes from `details` (a vCPU's pCPU; the vCPU lane a pCPU ran).
 */
function laneSegments(table: IntervalColumns, details: Int32Array, lo: number, hi: number, request: TimelineRequest, scale: Scale): number[] {
  const out: number[] = [];
  const first = upperBound(table.endNs, lo, hi, request.startNs);
  const last = lowerBound(table.startNs, first, hi, request.endNs);
  const group = new MergeGroup();
  const emit = (x0: number, x1: number, code: number, detail: number) => {
    const n = out.length;
    // Join a neighbour that draws alike (same code and detail, touching).
    if (n && out[n - 2] === code && out[n - 1] === detail && out[n - 3] >= round(x0)) out[n - 3] = round(x1);
    else out.push(round(x0), round(x1), code, detail);
  };
  const flush = () => {
    if (group.empty) return;
    const { code, detail } = group.result();
    emit(group.x0, group.x1, code, detail);
    group.reset();
  };
  for (let i = first; i < last; i++) {
    const x0 = toPx(scale, table.startNs[i]);
    const x1 = toPx(scale, table.endNs[i]);
    const state = table.state[i];
    const detail = details[i];
    if (x1 - x0 >= 1) {
      flush();
      emit(x0, x1, state, detail);
      continue;
    }
    // A gap of a pixel or more ends the group: blank stays blank.
    if (!group.empty && x0 - group.x1 >= 1) flush();
    group.add(x0, x1, state, detail, Math.min(table.endNs[i], request.endNs) - Math.max(table.startNs[i], request.startNs));
    if (group.x1 - group.x0 >= 1) flush();
  }
  flush();
  return out;
}

/** Runs shorter than a pixel, gathered until they span one: time per state decides the colour. */
class MergeGroup {
  x0 = 0;
  x1 = 0;
  empty = true;
  private readonly time = new Float64Array(STATE_CODES);
  private readonly longest = new Float64Array(STATE_CODES).fill(-1);
  private readonly detailOfLongest = new Int32Array(STATE_CODES);
  private firstState = 0;
  private states = 0;

  add(x0: number, x1: number, state: number, detail: number, ns: number): void {
    if (this.empty) {
      this.x0 = x0;
      this.firstState = state;
      this.empty = false;
    }
    this.x1 = Math.max(this.x1, x1);
    if (this.longest[state] < 0) this.states++;
    this.time[state] += ns;
    if (ns > this.longest[state]) {
      this.longest[state] = ns;
      this.detailOfLongest[state] = detail;
    }
  }

  /** The dominant state (most time; the first one on a tie of zero-length runs) and its longest run's detail. */
  result(): { code: number; detail: number } {
    let best = this.firstState;
    for (let s = 0; s < STATE_CODES; s++) if (this.time[s] > this.time[best]) best = s;
    return { code: best | (this.states > 1 ? SEGMENT_MIXED : 0), detail: this.detailOfLongest[best] };
  }

  reset(): void {
    this.empty = true;
    this.time.fill(0);
    this.longest.fill(-1);
    this.states = 0;
  }
}

/** PAUSE exits (one per decision) per spinner lane: pairs of pixel column and count. */
function pauseTicks(tables: TimelineTables, request: TimelineRequest, scale: Scale): Map<number, number[]> {
  const d = tables.decisions;
  const byLane = new Map<number, number[]>();
  const from = lowerBound(d.ts, 0, d.count, request.startNs);
  const to = lowerBound(d.ts, from, d.count, request.endNs);
  for (let i = from; i < to; i++) {
    const px = Math.min(scale.widthPx - 1, Math.floor(toPx(scale, d.ts[i])));
    let ticks = byLane.get(d.spinnerLane[i]);
    if (!ticks) byLane.set(d.spinnerLane[i], (ticks = []));
    const n = ticks.length;
    if (n && ticks[n - 2] === px) ticks[n - 1]++;
    else ticks.push(px, 1);
  }
  return byLane;
}

interface Arrows {
  arrows: number[];
  inWindow: number;
  omitted: number;
}

/**
 * Arrows at one pixel column with the same ends (and outcome) are one arrow with a count.
 * Over the cap, every k-th is kept so the arrows still spread over the whole window.
 */
function mergedArrows(from: number, to: number, stride: number, pixel: (i: number) => number, key: (i: number) => number[] | null): Arrows {
  const arrows: number[] = [];
  let inWindow = 0;
  let column = -1;
  let atColumn = new Map<string, number>();
  for (let i = from; i < to; i++) {
    const k = key(i);
    if (!k) continue;
    inWindow++;
    const px = pixel(i);
    if (px !== column) {
      column = px;
      atColumn = new Map();
    }
    const id = k.join(',');
    const at = atColumn.get(id);
    if (at !== undefined) arrows[at + stride - 1]++;
    else {
      atColumn.set(id, arrows.length);
      arrows.push(px, ...k, 1);
    }
  }
  const count = arrows.length / stride;
  if (count <= MAX_ARROWS) return { arrows, inWindow, omitted: 0 };
  const kept: number[] = [];
  for (let j = 0; j < MAX_ARROWS; j++) {
    const at = Math.floor((j * count) / MAX_ARROWS) * stride;
    kept.push(...arrows.slice(at, at + stride));
  }
  return { arrows: kept, inWindow, omitted: count - MAX_ARROWS };
}

/** Boosts from spinner to target: honoured, ignored, -ESRCH (and not judged) apart. */
function boostArrows(tables: TimelineTables, request: TimelineRequest, scale: Scale): Arrows {
  const d = tables.decisions;
  const from = lowerBound(d.ts, 0, d.count, request.startNs);
  const to = lowerBound(d.ts, from, d.count, request.endNs);
  return mergedArrows(
    from,
    to,
    BOOST_STRIDE,
    (i) => round(Math.min(scale.widthPx - 1, Math.floor(toPx(scale, d.ts[i])) + 0.5)),
    (i) => (d.targetLane[i] >= 0 && ARROW_OUTCOMES.has(d.outcome[i]) ? [d.spinnerLane[i], d.targetLane[i], d.outcome[i]] : null),
  );
}

/** The outcomes drawn as an arrow to the target: honoured, ignored, -ESRCH, and not judged. */
const ARROW_OUTCOMES = new Set([DECISION_OUTCOMES.indexOf('boostedRan'), DECISION_OUTCOMES.indexOf('boostedNotRun'), DECISION_OUTCOMES.indexOf('esrch'), OUTCOME_NOT_JUDGED]);

function ipiArrows(tables: TimelineTables, request: TimelineRequest, scale: Scale): Arrows {
  const p = tables.ipis;
  const from = lowerBound(p.ts, 0, p.count, request.startNs);
  const to = lowerBound(p.ts, from, p.count, request.endNs);
  return mergedArrows(
    from,
    to,
    IPI_STRIDE,
    (i) => round(Math.min(scale.widthPx - 1, Math.floor(toPx(scale, p.ts[i])) + 0.5)),
    (i) => [p.fromLane[i], p.toLane[i]],
  );
}
