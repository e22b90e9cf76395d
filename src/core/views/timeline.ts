// The timeline's level of detail: for a window [startNs, endNs) drawn `widthPx` wide, only
// what the pixels can show (as Perfetto and KernelShark do). Per lane, runs of a pixel or
// more are sent as they are; shorter runs are merged until the group spans a pixel, keeping
// the dominant state (by time) and a mixed flag; neighbours that draw alike are joined. PAUSE
// exits become per-pixel tick counts, boosts and IPIs per-pixel arrows, capped. Reads stay
// proportional to the pixels: binary searches on the sorted tables, the coarse levels for
// lanes with many runs per pixel (coarseLanes.ts), the instant index for many exits.

import type { IntervalColumns, TimelineTables } from '../analysis/tables';
import { BOOST_STRIDE, IPI_STRIDE, SEGMENT_MIXED, type TimelineLane, type TimelineRequest, type TimelineWindow } from '../../shared/protocol';
import { lowerBound, lowerBoundNear, upperBound } from './sortedSearch';
import { COARSE_MIXED, coarseLevels, finestBinNs, STATE_CODES } from './coarseLanes';
import { instantIndex, isBoostArrow } from './instantIndex';
import { instanceMarks, type InstanceTables } from './instances';
import type { GuestLaneTables } from './guestLanes';

/** Most arrows of each kind one window carries (after merging per pixel). */
export const MAX_ARROWS = 2000;
/**
 * A window with more instants than this per pixel reads them through the instant index:
 * exact tick counts per column; for arrows, the first ARROWS_READ_PER_PX of each column.
 */
export const INSTANT_SCAN_PER_PX = 16;
export const ARROWS_READ_PER_PX = 16;
/**
 * Segment numbers one window may carry before runs are merged below 2, 4, ... pixels: about
 * 7 JSON characters each, so segments stay under ~630 KB and the message under 1 MB with
 * ticks (two short numbers per pixel column and lane at most) and the capped arrows.
 */
export const MAX_SEGMENT_NUMBERS = 90_000;
/** Tick numbers one window may carry before ticks are gathered into wider columns (2, 4, ... px). */
export const MAX_TICK_NUMBERS = 120_000;
const segmentNumbers = (lanes: TimelineLane[]) => lanes.reduce((n, l) => n + l.segments.length, 0);
const tickNumbers = (ticks: Map<number, number[]>) => [...ticks.values()].reduce((n, t) => n + t.length, 0);
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

/** `guests`: the guest lanes of the guest traces added to the session (none when absent). */
export function timelineWindow(tables: InstanceTables, request: TimelineRequest, guests?: GuestLaneTables | null): TimelineWindow {
  const scale: Scale = { startNs: request.startNs, pxPerNs: request.widthPx / (request.endNs - request.startNs), widthPx: request.widthPx };
  const vcpuIndices = request.lanes?.vcpus ?? tables.vcpuLanes.map((_, i) => i);
  const cpuIndices = request.lanes?.cpus ?? tables.cpuLanes.map((_, i) => i);
  let ticks = pauseTicks(tables, request, scale, 1);
  for (let columnPx = 2; tickNumbers(ticks) > MAX_TICK_NUMBERS; columnPx *= 2) ticks = pauseTicks(tables, request, scale, columnPx);
  let guestTicks = new Map<number, number[]>();
  if (guests) for (let columnPx = 1; columnPx === 1 || tickNumbers(guestTicks) > MAX_TICK_NUMBERS; columnPx *= 2) guestTicks = guestInstantTicks(guests, request, scale, columnPx);
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
    if (guests) {
      for (const index of request.lanes?.guests ?? guests.lanes.map((_, i) => i)) {
        if (index >= guests.lanes.length) continue;
        const { table, details, mixed } = laneSource(guests.binned, 'vcpuStates', index, request);
        lanes.push({ kind: 'guest', index, segments: laneSegments(table, details, mixed, index, request, scale, minPx), ticks: guestTicks.get(index) ?? [] });
      }
    }
    return lanes;
  };
  // Dense lanes everywhere could pass the message budget: merge below 2, 4, ... pixels instead.
  let lanes = build(1);
  for (let minPx = 2; segmentNumbers(lanes) > MAX_SEGMENT_NUMBERS; minPx *= 2) lanes = build(minPx);
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
    ...(guests ? { guestLanes: guests.lanes.map(({ name, traceId, vcpu, hostTid, afterVcpuLane }) => ({ name, traceId, vcpu, hostTid, afterVcpuLane })) } : {}),
    lanes,
    boosts: boosts.arrows,
    boostsInWindow: boosts.inWindow,
    boostsOmitted: boosts.omitted,
    ipis: ipis.arrows,
    ipisInWindow: ipis.inWindow,
    ipisOmitted: ipis.omitted,
    ...(request.highlight ? { highlight: instanceMarks(tables, request.highlight, request) } : {}),
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
 * already merged several states. Runs under `minPx` are merged (1 px, more when a message
 * would be too large). The loop runs once per row read (up to ~500 k a step): pixel positions
 * inline, the open group in a reused MergeGroup.
 */
function laneSegments(table: IntervalColumns, details: Int32Array, mixed: Uint8Array | null, lane: number, request: TimelineRequest, scale: Scale, minPx: number): number[] {
  const out = new SegmentOut();
  const lo = table.laneStart[lane];
  const hi = table.laneStart[lane + 1];
  const { startNs, endNs, state } = table;
  const first = upperBound(endNs, lo, hi, request.startNs);
  const last = lowerBound(startNs, first, hi, request.endNs);
  const group = mergeGroup;
  group.reset();
  group.x1 = 0;
  const { widthPx, pxPerNs } = scale;
  const originNs = scale.startNs;
  const windowStart = request.startNs;
  const windowEnd = request.endNs;
  for (let i = first; i < last; i++) {
    const s = startNs[i];
    const e = endNs[i];
    // toPx, inline.
    const x0 = Math.min(widthPx, Math.max(0, (s - originNs) * pxPerNs));
    const x1 = Math.min(widthPx, Math.max(0, (e - originNs) * pxPerNs));
    const st = state[i];
    const merged = mixed !== null && (mixed[i] & COARSE_MIXED) !== 0;
    if (x1 - x0 >= minPx) {
      if (!group.empty) out.flush(group);
      out.emit(x0, x1, merged ? st | SEGMENT_MIXED : st, details[i]);
      continue;
    }
    // A gap of a pixel or more ends the group: blank stays blank.
    if (!group.empty && x0 - group.x1 >= minPx) out.flush(group);
    group.add(x0, x1, st, details[i], Math.min(e, windowEnd) - Math.max(s, windowStart), merged);
    if (group.x1 - group.x0 >= minPx) out.flush(group);
  }
  if (!group.empty) out.flush(group);
  return out.numbers;
}

/** A lane's segments as they are written: neighbours that draw alike are joined. */
class SegmentOut {
  readonly numbers: number[] = [];

  emit(x0: number, x1: number, code: number, detail: number): void {
    const out = this.numbers;
    const n = out.length;
    // Join a neighbour that draws alike (same code and detail, touching).
    if (n && out[n - 2] === code && out[n - 1] === detail && out[n - 3] >= round(x0)) out[n - 3] = round(x1);
    else out.push(round(x0), round(x1), code, detail);
  }

  /** The group's dominant state written as one segment; the group emptied. */
  flush(group: MergeGroup): void {
    const code = group.code();
    this.emit(group.x0, group.x1, code, group.detailOf(code & (SEGMENT_MIXED - 1)));
    group.reset();
  }
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
  /** Bit s: state s is in the group. */
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
    this.states |= 1 << state;
    this.time[state] += ns;
    if (ns > this.longest[state]) {
      this.longest[state] = ns;
      this.detailOfLongest[state] = detail;
    }
  }

  /** The dominant state (most time; the first one on a tie of zero-length runs), mixed when the group held several. */
  code(): number {
    const { time, states } = this;
    let best = this.firstState;
    for (let s = 0, rest = states; rest !== 0; s++, rest >>= 1) if ((rest & 1) !== 0 && time[s] > time[best]) best = s;
    return best | ((states & (states - 1)) !== 0 || this.mixedInput ? SEGMENT_MIXED : 0);
  }

  /** The detail of a state's longest run. */
  detailOf(state: number): number {
    return this.detailOfLongest[state];
  }

  reset(): void {
    this.empty = true;
    for (let s = 0, rest = this.states; rest !== 0; s++, rest >>= 1) {
      if ((rest & 1) === 0) continue;
      this.time[s] = 0;
      this.longest[s] = -1;
    }
    this.states = 0;
    this.mixedInput = false;
  }
}

/** One group serves every lane (a lane's group is empty when it ends). */
const mergeGroup = new MergeGroup();

/** PAUSE exits (one per decision) per spinner lane: pairs of column step and count, in columns of `columnPx`. */
function pauseTicks(tables: TimelineTables, request: TimelineRequest, scale: Scale, columnPx: number): Map<number, number[]> {
  const d = tables.decisions;
  const from = lowerBound(d.ts, 0, d.count, request.startNs);
  const to = lowerBound(d.ts, from, d.count, request.endNs);
  const ticks = new TickColumns(tables.vcpuLanes.length, columnPx);
  if (to - from <= INSTANT_SCAN_PER_PX * request.widthPx) {
    for (let i = from; i < to; i++) ticks.add(d.spinnerLane[i], Math.min(scale.widthPx - 1, Math.floor(toPx(scale, d.ts[i]))), 1);
    return ticks.byLane;
  }
  // Many exits: per lane and pixel column, the count from two binary searches on the lane's times.
  const { laneTs } = instantIndex(tables);
  const nsPerPx = 1 / scale.pxPerNs;
  laneTs.forEach((ts, lane) => {
    let at = lowerBound(ts, 0, ts.length, request.startNs);
    const end = lowerBound(ts, at, ts.length, request.endNs);
    for (let px = 0; px < scale.widthPx && at < end; px++) {
      const next = px === scale.widthPx - 1 ? end : Math.min(end, lowerBoundNear(ts, at, end, request.startNs + (px + 1) * nsPerPx));
      if (next > at) ticks.add(lane, px, next - at);
      at = next;
    }
  });
  return ticks.byLane;
}

/** A guest lane's instants (IPIs sent, csds queued) per pixel column: two binary searches per column with instants. */
function guestInstantTicks(guests: GuestLaneTables, request: TimelineRequest, scale: Scale, columnPx: number): Map<number, number[]> {
  const { ts, laneStart } = guests.instants;
  const ticks = new TickColumns(guests.lanes.length, columnPx);
  const nsPerPx = 1 / scale.pxPerNs;
  for (let lane = 0; lane < guests.lanes.length; lane++) {
    let at = lowerBound(ts, laneStart[lane], laneStart[lane + 1], request.startNs);
    const end = lowerBound(ts, at, laneStart[lane + 1], request.endNs);
    while (at < end) {
      const px = Math.min(scale.widthPx - 1, Math.floor(toPx(scale, ts[at])));
      const next = px === scale.widthPx - 1 ? end : Math.min(end, lowerBoundNear(ts, at, end, request.startNs + (px + 1) * nsPerPx));
      ticks.add(lane, px, Math.max(1, next - at));
      at = Math.max(at + 1, next);
    }
  }
  return ticks.byLane;
}

/** Ticks per lane as (columns since the lane's previous tick, count): short numbers in JSON. */
class TickColumns {
  readonly byLane = new Map<number, number[]>();
  private readonly lanes: number[][];
  private readonly last: Float64Array;

  constructor(
    lanes: number,
    private readonly columnPx: number,
  ) {
    this.lanes = Array.from({ length: lanes }, (_, i) => {
      const ticks: number[] = [];
      this.byLane.set(i, ticks);
      return ticks;
    });
    this.last = new Float64Array(lanes).fill(-1);
  }

  add(lane: number, pixel: number, count: number): void {
    const px = pixel - (pixel % this.columnPx);
    const ticks = this.lanes[lane];
    if (!ticks) return;
    if (ticks.length && this.last[lane] === px) ticks[ticks.length - 1] += count;
    else {
      ticks.push(px - Math.max(0, this.last[lane]), count);
      this.last[lane] = px;
    }
  }
}

interface Arrows {
  arrows: number[];
  inWindow: number;
  omitted: number;
}

/**
 * Arrows at one pixel column with the same ends (and outcome) are one arrow with a count.
 * Instants come in time order, so only the current column's few arrows are compared.
 */
class ArrowMerger {
  readonly arrows: number[] = [];
  inWindow = 0;
  private column = -1;
  /** The current column's arrows: keys[0..open) and where each starts in `arrows` (reused, never shrunk). */
  private readonly keys: number[] = [];
  private readonly at: number[] = [];
  private open = 0;

  constructor(private readonly stride: number) {}

  /** Counts the instant; true when it starts a new arrow (the caller pushes its fields). */
  add(px: number, key: number): boolean {
    this.inWindow++;
    if (px !== this.column) {
      this.column = px;
      this.open = 0;
    }
    const { keys, open } = this;
    for (let j = 0; j < open; j++) {
      if (keys[j] !== key) continue;
      this.arrows[this.at[j] + this.stride - 1]++;
      return false;
    }
    keys[open] = key;
    this.at[open] = this.arrows.length;
    this.open = open + 1;
    return true;
  }

  /**
   * Over the cap, every k-th arrow is kept so the arrows still spread over the whole window.
   * `inWindow`: the instants in the window (more than were read when columns were sampled);
   * omitted: those no drawn arrow stands for.
   */
  result(inWindow: number): Arrows {
    const { arrows, stride } = this;
    const count = arrows.length / stride;
    let kept = arrows;
    if (count > MAX_ARROWS) {
      kept = [];
      for (let j = 0; j < MAX_ARROWS; j++) {
        const at = Math.floor((j * count) / MAX_ARROWS) * stride;
        for (let f = 0; f < stride; f++) kept.push(arrows[at + f]);
      }
    }
    let drawn = 0;
    for (let k = stride - 1; k < kept.length; k += stride) drawn += kept[k];
    return { arrows: kept, inWindow, omitted: inWindow - drawn };
  }
}

/** The pixel column's middle an instant at `ns` falls in. */
const columnMiddle = (scale: Scale, ns: number) => Math.min(scale.widthPx - 1, Math.floor(toPx(scale, ns))) + 0.5;

/** Boosts from spinner to target: honoured, ignored, -ESRCH (and not judged) apart. */
function boostArrows(tables: TimelineTables, request: TimelineRequest, scale: Scale): Arrows {
  const d = tables.decisions;
  const lanes = tables.vcpuLanes.length;
  const merger = new ArrowMerger(BOOST_STRIDE);
  const to = lowerBound(d.ts, 0, d.count, request.endNs);
  const from = lowerBound(d.ts, 0, to, request.startNs);
  const read = (i: number) => {
    if (!isBoostArrow(d, i)) return;
    const px = columnMiddle(scale, d.ts[i]);
    if (merger.add(px, (d.spinnerLane[i] * lanes + d.targetLane[i]) * 256 + d.outcome[i])) merger.arrows.push(px, d.spinnerLane[i], d.targetLane[i], d.outcome[i], 1);
  };
  if (to - from <= INSTANT_SCAN_PER_PX * request.widthPx) {
    for (let i = from; i < to; i++) read(i);
    return merger.result(merger.inWindow);
  }
  const { boostPrefix } = instantIndex(tables);
  const rows = sampledRows(d.ts, from, to, request, scale);
  for (let k = 0; k < rows.length; k++) read(rows[k]);
  return merger.result(boostPrefix[to] - boostPrefix[from]);
}

/**
 * The first ARROWS_READ_PER_PX instants of each pixel column (rows from..to of `ts`), in order.
 * Rows, not a callback: each caller reads them in its own loop (one callee per call site).
 */
function sampledRows(ts: Float64Array, from: number, to: number, request: TimelineRequest, scale: Scale): Uint32Array {
  const rows = new Uint32Array(Math.min(to - from, scale.widthPx * ARROWS_READ_PER_PX));
  const nsPerPx = 1 / scale.pxPerNs;
  let n = 0;
  let at = from;
  for (let px = 0; px < scale.widthPx && at < to; px++) {
    const next = px === scale.widthPx - 1 ? to : Math.min(to, lowerBoundNear(ts, at, to, request.startNs + (px + 1) * nsPerPx));
    for (let i = at; i < Math.min(next, at + ARROWS_READ_PER_PX); i++) rows[n++] = i;
    at = next;
  }
  return rows.subarray(0, n);
}

function ipiArrows(tables: TimelineTables, request: TimelineRequest, scale: Scale): Arrows {
  const p = tables.ipis;
  const lanes = tables.vcpuLanes.length;
  const merger = new ArrowMerger(IPI_STRIDE);
  const to = lowerBound(p.ts, 0, p.count, request.endNs);
  const from = lowerBound(p.ts, 0, to, request.startNs);
  const read = (i: number) => {
    const px = columnMiddle(scale, p.ts[i]);
    if (merger.add(px, p.fromLane[i] * lanes + p.toLane[i])) merger.arrows.push(px, p.fromLane[i], p.toLane[i], 1);
  };
  if (to - from <= INSTANT_SCAN_PER_PX * request.widthPx) for (let i = from; i < to; i++) read(i);
  else {
    const rows = sampledRows(p.ts, from, to, request, scale);
    for (let k = 0; k < rows.length; k++) read(rows[k]);
  }
  return merger.result(to - from);
}
