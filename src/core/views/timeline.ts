// The timeline's level of detail: for a window [startNs, endNs) drawn `widthPx` wide, only
// what the pixels can show (as Perfetto and KernelShark do). Per lane, runs of a pixel or
// more are sent as they are; shorter runs are merged until the group spans a pixel, keeping
// the dominant state (by time) and a mixed flag; neighbours that draw alike are joined. PAUSE
// exits become per-pixel tick counts, boosts and IPIs per-pixel arrows, both capped.

import { DECISION_OUTCOMES, type IntervalColumns, type TimelineTables } from '../analysis/tables';
import { BOOST_STRIDE, IPI_STRIDE, OUTCOME_NOT_JUDGED, SEGMENT_MIXED, type TimelineLane, type TimelineRequest, type TimelineWindow } from '../../protocol';
import { lowerBound, upperBound } from './sortedSearch';
import { COARSE_MIXED, coarseLevels, finestBinNs, STATE_CODES } from './coarseLanes';

/** Most arrows of each kind one window carries (after merging per pixel). */
export const MAX_ARROWS = 2000;
/**
 * Segment numbers one window may carry before runs are merged below two pixels: about
 * 7 JSON characters each, so segments stay under ~630 KB and the message under 1 MB with
 * ticks (two short numbers per pixel column and lane at most) and the capped arrows.
 */
export const MAX_SEGMENT_NUMBERS = 90_000;
const segmentNumbers = (lanes: TimelineLane[]) => lanes.reduce((n, l) => n + l.segments.length, 0);
/** Pixel positions are sent to 1/10 px: finer than a screen, shorter than ns in JSON. */
const round = (x: number) => Math.round(x * 10) / 10;
/** A coarse level serves a window once a pixel spans this many of its bins (bin edges then move a run by at most 1/2 px). */
const COARSE_BINS_PER_PX = 2;
/** ...and only for a lane with more runs than this per pixel in the window (else the runs are read, exact). */
const COARSE_RUNS_PER_PX = 8;

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
  const ticks = pauseTicks(tables, request, scale);
  const build = (minPx: number) => {
    const lanes: TimelineLane[] = [];
    for (const index of vcpuIndices) {
      if (index >= tables.vcpuLanes.length) continue;
      const { table, details, mixed } = laneSource(tables, 'vcpuStates', index, request);
      lanes.push({ kind: 'vcpu', index, segments: laneSegments(table, details, mixed, index, request, scale, minPx), ticks: ticks.get(index) ?? [] });
    }
    for (const index of cpuIndices) {
      if (index >= tables.cpuLanes.length) continue;
      const { table, details, mixed } = laneSource(tables, 'cpuRuns', index, request);
      lanes.push({ kind: 'cpu', index, segments: laneSegments(table, details, mixed, index, request, scale, minPx), ticks: [] });
    }
    return lanes;
  };
  // Dense lanes everywhere could pass the message budget: merge below two pixels instead.
  let lanes = build(1);
  if (segmentNumbers(lanes) > MAX_SEGMENT_NUMBERS) lanes = build(2);
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
 * Where a lane's runs come from: the runs themselves, or, zoomed out over many runs, the
 * coarsest level that still has COARSE_BINS_PER_PX bins per pixel.
 */
function laneSource(tables: TimelineTables, which: 'vcpuStates' | 'cpuRuns', lane: number, request: TimelineRequest): { table: IntervalColumns; details: Int32Array; mixed: Uint8Array | null } {
  const raw = tables[which];
  const rawSource = { table: raw, details: which === 'vcpuStates' ? raw.detail : raw.vcpuLane, mixed: null };
  const nsPerPx = (request.endNs - request.startNs) / request.widthPx;
  if (nsPerPx < COARSE_BINS_PER_PX * finestBinNs(tables)) return rawSource;
  const lo = raw.laneStart[lane];
  const hi = raw.laneStart[lane + 1];
  const first = upperBound(raw.endNs, lo, hi, request.startNs);
  if (lowerBound(raw.startNs, first, hi, request.endNs) - first <= COARSE_RUNS_PER_PX * request.widthPx) return rawSource;
  const levels = coarseLevels(tables);
  const level = [...levels].reverse().find((l) => nsPerPx >= COARSE_BINS_PER_PX * l.binNs) ?? levels[0];
  const table = level[which];
  return { table, details: table.detail, mixed: table.flags };
}

/**
 * Segments of one lane of `table` inside the window: x0, x1, code, detail, where detail comes
 * from `details` (a vCPU's pCPU; the vCPU lane a pCPU ran); `mixed` marks coarse rows that
 * already merged several states. Runs under `minPx` are merged (1 px, or 2 when a message
 * would be too large).
 */
function laneSegments(table: IntervalColumns, details: Int32Array, mixed: Uint8Array | null, lane: number, request: TimelineRequest, scale: Scale, minPx: number): number[] {
  const out: number[] = [];
  const lo = table.laneStart[lane];
  const hi = table.laneStart[lane + 1];
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
    const merged = mixed !== null && (mixed[i] & COARSE_MIXED) !== 0;
    if (x1 - x0 >= minPx) {
      flush();
      emit(x0, x1, merged ? state | SEGMENT_MIXED : state, detail);
      continue;
    }
    // A gap of a pixel or more ends the group: blank stays blank.
    if (!group.empty && x0 - group.x1 >= minPx) flush();
    group.add(x0, x1, state, detail, Math.min(table.endNs[i], request.endNs) - Math.max(table.startNs[i], request.startNs), merged);
    if (group.x1 - group.x0 >= minPx) flush();
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
  private mixedInput = false;

  add(x0: number, x1: number, state: number, detail: number, ns: number, merged: boolean): void {
    if (merged) this.mixedInput = true;
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
    return { code: best | (this.states > 1 || this.mixedInput ? SEGMENT_MIXED : 0), detail: this.detailOfLongest[best] };
  }

  reset(): void {
    this.empty = true;
    this.time.fill(0);
    this.longest.fill(-1);
    this.states = 0;
    this.mixedInput = false;
  }
}

/** PAUSE exits (one per decision) per spinner lane: pairs of column step and count. */
function pauseTicks(tables: TimelineTables, request: TimelineRequest, scale: Scale): Map<number, number[]> {
  const d = tables.decisions;
  const byLane = new Map<number, number[]>();
  const lanes: number[][] = tables.vcpuLanes.map((_, i) => {
    const ticks: number[] = [];
    byLane.set(i, ticks);
    return ticks;
  });
  // Ticks are sent as (columns since the lane's previous tick, count): short numbers.
  const last = new Float64Array(lanes.length).fill(-1);
  const from = lowerBound(d.ts, 0, d.count, request.startNs);
  const to = lowerBound(d.ts, from, d.count, request.endNs);
  for (let i = from; i < to; i++) {
    const px = Math.min(scale.widthPx - 1, Math.floor(toPx(scale, d.ts[i])));
    const ticks = lanes[d.spinnerLane[i]];
    if (!ticks) continue;
    const n = ticks.length;
    if (n && last[d.spinnerLane[i]] === px) ticks[n - 1]++;
    else {
      ticks.push(px - Math.max(0, last[d.spinnerLane[i]]), 1);
      last[d.spinnerLane[i]] = px;
    }
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
 * `key(i)` is a number naming the arrow's ends (-1: no arrow); `fields(i)` its values.
 */
function mergedArrows(from: number, to: number, stride: number, pixel: (i: number) => number, key: (i: number) => number, fields: (i: number) => number[]): Arrows {
  const arrows: number[] = [];
  let inWindow = 0;
  let column = -1;
  // The arrows of the current column (few): keys and where each sits in `arrows`.
  const keys: number[] = [];
  const at: number[] = [];
  for (let i = from; i < to; i++) {
    const k = key(i);
    if (k < 0) continue;
    inWindow++;
    const px = pixel(i);
    if (px !== column) {
      column = px;
      keys.length = 0;
      at.length = 0;
    }
    const j = keys.indexOf(k);
    if (j >= 0) arrows[at[j] + stride - 1]++;
    else {
      keys.push(k);
      at.push(arrows.length);
      arrows.push(px, ...fields(i), 1);
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

/** The pixel column's middle an instant at `ns` falls in. */
const columnMiddle = (scale: Scale, ns: number) => Math.min(scale.widthPx - 1, Math.floor(toPx(scale, ns))) + 0.5;

/** Boosts from spinner to target: honoured, ignored, -ESRCH (and not judged) apart. */
function boostArrows(tables: TimelineTables, request: TimelineRequest, scale: Scale): Arrows {
  const d = tables.decisions;
  const lanes = tables.vcpuLanes.length;
  const from = lowerBound(d.ts, 0, d.count, request.startNs);
  const to = lowerBound(d.ts, from, d.count, request.endNs);
  return mergedArrows(
    from,
    to,
    BOOST_STRIDE,
    (i) => columnMiddle(scale, d.ts[i]),
    (i) => (d.targetLane[i] >= 0 && ARROW_OUTCOMES.has(d.outcome[i]) ? (d.spinnerLane[i] * lanes + d.targetLane[i]) * 256 + d.outcome[i] : -1),
    (i) => [d.spinnerLane[i], d.targetLane[i], d.outcome[i]],
  );
}

/** The outcomes drawn as an arrow to the target: honoured, ignored, -ESRCH, and not judged. */
const ARROW_OUTCOMES = new Set([DECISION_OUTCOMES.indexOf('boostedRan'), DECISION_OUTCOMES.indexOf('boostedNotRun'), DECISION_OUTCOMES.indexOf('esrch'), OUTCOME_NOT_JUDGED]);

function ipiArrows(tables: TimelineTables, request: TimelineRequest, scale: Scale): Arrows {
  const p = tables.ipis;
  const lanes = tables.vcpuLanes.length;
  const from = lowerBound(p.ts, 0, p.count, request.startNs);
  const to = lowerBound(p.ts, from, p.count, request.endNs);
  return mergedArrows(
    from,
    to,
    IPI_STRIDE,
    (i) => columnMiddle(scale, p.ts[i]),
    (i) => p.fromLane[i] * lanes + p.toLane[i],
    (i) => [p.fromLane[i], p.toLane[i]],
  );
}
