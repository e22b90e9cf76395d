// Coarse copies of the interval tables for zoomed-out windows (KernelShark's histogram in
// spirit): the trace cut into bins at two levels (COARSE_LEVELS); per lane and bin the
// dominant state by time, whether more than one state shared the bin, and the detail of that
// state's longest share; neighbouring bins alike are one interval. Both levels come from one
// pass over the runs (the coarser sums the finer bins' times, so it is as exact), built once
// per tables on the first zoomed-out request; a whole-trace window then reads a few thousand
// rows per lane instead of every run.

import type { IntervalColumns, TimelineTables } from '../analysis/tables';

/** Bins across the trace per level, finest first; powers of two, so each divides the one before. */
export const COARSE_LEVELS = [1 << 16, 1 << 12] as const;
/** Highest state / run-kind code plus one (VcpuState: 0..5; CpuRunKind: 0..2). */
export const STATE_CODES = 6;
/** flags bit of a coarse interval that merged more than one state. */
export const COARSE_MIXED = 1;

export interface CoarseLevel {
  binNs: number;
  vcpuStates: IntervalColumns;
  cpuRuns: IntervalColumns;
}

const cache = new WeakMap<TimelineTables, CoarseLevel[]>();

/** The levels, finest first. */
export function coarseLevels(tables: TimelineTables): CoarseLevel[] {
  const hit = cache.get(tables);
  if (hit) return hit;
  const span = Math.max(1, tables.endNs - tables.startNs);
  const vcpu = coarsen(tables.vcpuStates, tables.vcpuLanes.length, tables.vcpuStates.detail, tables.startNs, span);
  const cpu = coarsen(tables.cpuRuns, tables.cpuLanes.length, tables.cpuRuns.vcpuLane, tables.startNs, span);
  const levels = COARSE_LEVELS.map((bins, k) => ({ binNs: span / bins, vcpuStates: vcpu[k], cpuRuns: cpu[k] }));
  cache.set(tables, levels);
  return levels;
}

/** The finest bin width (ns): below it only the runs themselves will do. */
export const finestBinNs = (tables: TimelineTables) => Math.max(1, tables.endNs - tables.startNs) / COARSE_LEVELS[0];

/**
 * Rows per chunk of a CoarseBuilder. Rows are written into chunks and copied once into columns
 * of their exact size: about twice the rows' bytes allocated, where columns sized for the
 * most rows a level can have allocated 3x the fine level's rows on the benchmark trace, and
 * the external memory set off full garbage collections of the whole session's heap.
 */
const CHUNK_ROWS = 1 << 16;
/** The first chunk is small so that a new chunk is made long before the optimizer compiles push (a first statement reached in optimized code deoptimizes it). */
const FIRST_CHUNK_ROWS = 16;

class RowChunk {
  readonly startNs: Float64Array;
  readonly endNs: Float64Array;
  readonly state: Uint8Array;
  readonly detail: Int32Array;
  readonly flags: Uint8Array;
  rows = 0;

  constructor(readonly cap: number) {
    this.startNs = new Float64Array(cap);
    this.endNs = new Float64Array(cap);
    this.state = new Uint8Array(cap);
    this.detail = new Int32Array(cap);
    this.flags = new Uint8Array(cap);
  }
}

/** A level's rows as they are written, a lane after another; `detail` holds the detail the timeline draws (and vcpuLane the same). */
class CoarseBuilder {
  count = 0;
  private readonly chunks: RowChunk[] = [];
  private chunk: RowChunk;
  // The last row, for joining a neighbour alike.
  private lastLane = -1;
  private lastState = -1;
  private lastDetail = 0;
  private lastFlags = -1;
  /** laneStart[l]: the first row of lane l (filled as lanes start). */
  private readonly laneStart: Uint32Array;

  /**
   * `maxRows`: an upper bound on the rows (a small level needs small chunks); a bin of this
   * level is `per` finest bins of `binNs` from `originNs`.
   */
  constructor(
    private readonly maxRows: number,
    lanes: number,
    private readonly originNs: number,
    private readonly binNs: number,
    private readonly per: number,
  ) {
    this.laneStart = new Uint32Array(lanes + 1);
    this.chunk = new RowChunk(Math.min(maxRows, FIRST_CHUNK_ROWS));
    this.chunks.push(this.chunk);
  }

  /**
   * A row for bins from..to - 1 of this level. Bin numbers, not ns, are passed: a double
   * argument to a call not inlined is boxed (two per finest bin came to ~150 MB of young
   * garbage per build on the benchmark trace).
   */
  push(lane: number, from: number, to: number, state: number, detail: number, flags: number): void {
    const { originNs, binNs, per } = this;
    const start = originNs + from * per * binNs;
    const end = originNs + to * per * binNs;
    let c = this.chunk;
    // The last row is in the current chunk (a chunk is made for a row that is not joined).
    if (this.lastLane === lane && c.endNs[c.rows - 1] === start && this.lastState === state && this.lastDetail === detail && this.lastFlags === flags) {
      c.endNs[c.rows - 1] = end;
      return;
    }
    if (c.rows === c.cap) {
      this.chunk = c = new RowChunk(Math.min(CHUNK_ROWS, this.maxRows - this.count));
      this.chunks.push(c);
    }
    const n = c.rows++;
    c.startNs[n] = start;
    c.endNs[n] = end;
    c.state[n] = state;
    c.detail[n] = detail;
    c.flags[n] = flags;
    this.count++;
    this.lastLane = lane;
    this.lastState = state;
    this.lastDetail = detail;
    this.lastFlags = flags;
  }

  /** Lane `lane`'s rows start here (lane = lanes: the end). */
  startLane(lane: number): void {
    this.laneStart[lane] = this.count;
  }

  /** The rows, in columns of their exact size. */
  columns(): IntervalColumns {
    const { laneStart, count: n } = this;
    const detail = new Int32Array(n);
    // The keys in the order of the analysis' tables (trackers/columns.ts), so both have one shape where the timeline reads them.
    const t: IntervalColumns = { count: n, lane: new Uint32Array(n), startNs: new Float64Array(n), endNs: new Float64Array(n), state: new Uint8Array(n), detail, vcpuLane: detail, row: new Uint32Array(n), flags: new Uint8Array(n), laneStart };
    let at = 0;
    for (const c of this.chunks) {
      t.startNs.set(c.startNs.subarray(0, c.rows), at);
      t.endNs.set(c.endNs.subarray(0, c.rows), at);
      t.state.set(c.state.subarray(0, c.rows), at);
      t.detail.set(c.detail.subarray(0, c.rows), at);
      t.flags.set(c.flags.subarray(0, c.rows), at);
      at += c.rows;
    }
    for (let lane = 0; lane + 1 < laneStart.length; lane++) t.lane.fill(lane, laneStart[lane], laneStart[lane + 1]);
    return t;
  }
}

/**
 * Most rows a level of `bins` bins can have: one per bin and lane, and three per run (the bin
 * where it starts, the one where it ends, one joined row for the bins it covers alone).
 */
const rowBound = (bins: number, lanes: number, runs: number) => Math.max(1, Math.min(bins * lanes, 3 * runs));

function coarsen(table: IntervalColumns, lanes: number, details: Int32Array, originNs: number, span: number): IntervalColumns[] {
  const binNs = span / COARSE_LEVELS[0];
  const runs = table.laneStart[lanes] - table.laneStart[0];
  const outs = COARSE_LEVELS.map((bins) => new CoarseBuilder(rowBound(bins, lanes, runs), lanes, originNs, binNs, COARSE_LEVELS[0] / bins));
  const coarser = COARSE_LEVELS.slice(1).map((bins, k) => new LevelSummary(COARSE_LEVELS[0] / bins, outs[k + 1]));
  const bins = new FineBins(originNs, binNs, outs[0], coarser);
  binLanes(table, details, lanes, bins);
  bins.endLanes(lanes);
  return outs.map((out) => out.columns());
}

/**
 * Every lane's runs (by start, never overlapping) cut at the finest bin edges, the bins
 * streamed in order: only bins with runs are visited, never the whole trace's bins. The open
 * bin's states live in locals, `bins` gets each closed bin.
 *
 * Written for the optimizer, which compiles this loop while the first lane runs (on the
 * benchmark trace each compile is ~55 ms of CPU): one flat loop over every lane's rows whose
 * lane change (closing the lane's last bin, opening the next lane) runs on the first
 * iteration already, so that no statement is first reached in optimized code. A loop per
 * lane reached its lane-end statements only after compiling, deoptimized there, and was
 * compiled again at each lane (2.5x the instructions, half of them compiling).
 */
function binLanes(table: IntervalColumns, details: Int32Array, lanes: number, bins: FineBins): void {
  const { originNs, binNs, time, detail } = bins;
  const last = COARSE_LEVELS[0] - 1;
  const { startNs, endNs, state, laneStart } = table;
  let lane = -1;
  let laneEnd = laneStart[0];
  let bin = -1;
  let states = 0;
  // A run mostly starts where the one before ended: its first bin is then that one's last (no
  // division). The one before is kept as its row: a double carried round the loop was boxed,
  // one heap number per run (~150 MB of young garbage per build on the benchmark trace).
  let prev = -1;
  let prevBin = 0;
  for (let i = laneStart[0]; ; i++) {
    while (i === laneEnd) {
      // The lane change (lane -1 to 0 first): a bin of -1 closes nothing.
      bins.endLane(bin, states);
      if (++lane === lanes) return;
      bins.startLane(lane);
      laneEnd = laneStart[lane + 1];
      bin = -1;
      states = 0;
      prev = -1;
    }
    const s = startNs[i];
    const e = endNs[i];
    if (!(e > s)) continue;
    const b0 = prev >= 0 && s === endNs[prev] ? prevBin : Math.min(last, Math.floor((s - originNs) / binNs));
    const b1 = Math.min(last, Math.floor((e - originNs) / binNs));
    prev = i;
    prevBin = b1;
    const st = state[i];
    const bit = 1 << st;
    if (b0 === b1) {
      // Most runs fall inside one bin (a run before the first bin adds nothing).
      if (b0 !== bin) {
        if (b0 < 0) continue;
        if (bin >= 0) bins.pass(bin, states);
        bin = b0;
        states = bit;
        time[st] = e - s;
      } else if ((states & bit) === 0) {
        states |= bit;
        time[st] = e - s;
      } else time[st] += e - s;
      detail[st] = details[i];
      continue;
    }
    for (let b = Math.max(0, b0); b <= b1; b++) {
      if (b !== bin) {
        if (bin >= 0) bins.pass(bin, states);
        bin = b;
        states = 0;
      }
      if ((states & bit) === 0) {
        states |= bit;
        time[st] = 0;
      }
      time[st] += Math.min(e, originNs + (b + 1) * binNs) - Math.max(s, originNs + b * binNs);
      detail[st] = details[i];
    }
  }
}

/**
 * The finest bins as they close: per bin the time per state and the detail of the last run
 * that added to it (filled by binLanes); `states` has bit s set for each state s it holds (a
 * bin holds one to three of the six). A closed bin is written to the finest level as it is
 * and passed on to the coarser levels.
 */
class FineBins {
  readonly time = new Float64Array(STATE_CODES);
  readonly detail = new Int32Array(STATE_CODES);
  private lane = 0;

  constructor(
    readonly originNs: number,
    readonly binNs: number,
    private readonly out: CoarseBuilder,
    private readonly coarser: LevelSummary[],
  ) {}

  startLane(lane: number): void {
    this.lane = lane;
    this.out.startLane(lane);
    for (const level of this.coarser) level.startLane(lane);
  }

  /** The state with the most time (the first on a tie), mixed when several had time. */
  pass(bin: number, states: number): void {
    if (bin < 0) return;
    const { time, detail, coarser } = this;
    let best = -1;
    let shares = 0;
    if ((states & (states - 1)) === 0) {
      // One state (the common case).
      const st = 31 - Math.clz32(states);
      if (time[st] > 0) (best = st), (shares = 1);
    } else {
      for (let st = 0, rest = states; rest !== 0; st++, rest >>= 1) {
        if ((rest & 1) === 0 || time[st] <= 0) continue;
        shares++;
        if (best < 0 || time[st] > time[best]) best = st;
      }
    }
    if (best >= 0) this.out.push(this.lane, bin, bin + 1, best, detail[best], shares > 1 ? COARSE_MIXED : 0);
    for (let k = 0; k < coarser.length; k++) coarser[k].add(bin, states, time, detail);
  }

  /** The lane's last bin (none when -1) and every level's open bin written. */
  endLane(bin: number, states: number): void {
    this.pass(bin, states);
    for (let k = 0; k < this.coarser.length; k++) this.coarser[k].flush();
  }

  endLanes(lanes: number): void {
    this.out.startLane(lanes);
    for (const level of this.coarser) level.startLane(lanes);
  }
}

/**
 * A level's open bin (`per` finest bins): per state the time over its finest bins, and the
 * detail of its largest finest-bin share; written as the dominant state, mixed when several.
 */
class LevelSummary {
  private lane = 0;
  private bin = -1;
  /** Bit s: state s has time in the open bin (its sum and best are set). */
  private states = 0;
  private readonly sum = new Float64Array(STATE_CODES);
  private readonly best = new Float64Array(STATE_CODES);
  private readonly detail = new Int32Array(STATE_CODES);

  private readonly shift: number;

  /** `per`: finest bins per bin of this level (a power of two). */
  constructor(
    per: number,
    private readonly out: CoarseBuilder,
  ) {
    this.shift = 31 - Math.clz32(per);
  }

  startLane(lane: number): void {
    this.lane = lane;
    this.out.startLane(lane);
  }

  /** Finest bins come in increasing order; `states`: the bits of the states in `time`. */
  add(fineBin: number, states: number, time: Float64Array, detail: Int32Array): void {
    // per is a power of two (COARSE_LEVELS): the shift is the division, without one per finest bin.
    const bin = fineBin >>> this.shift;
    if (bin !== this.bin) {
      this.flush();
      this.bin = bin;
      this.states = 0;
    }
    for (let st = 0, rest = states; rest !== 0; st++, rest >>= 1) {
      if ((rest & 1) === 0) continue;
      const t = time[st];
      if (t <= 0) continue;
      const bit = 1 << st;
      if ((this.states & bit) === 0) {
        this.states |= bit;
        this.sum[st] = this.best[st] = 0;
      }
      this.sum[st] += t;
      if (t > this.best[st]) {
        this.best[st] = t;
        this.detail[st] = detail[st];
      }
    }
  }

  flush(): void {
    if (this.bin < 0) return;
    const { sum, bin } = this;
    this.bin = -1;
    let best = -1;
    let states = 0;
    for (let st = 0, rest = this.states; rest !== 0; st++, rest >>= 1) {
      if ((rest & 1) === 0) continue;
      states++;
      if (best < 0 || sum[st] > sum[best]) best = st;
    }
    if (best >= 0) this.out.push(this.lane, bin, bin + 1, best, this.detail[best], states > 1 ? COARSE_MIXED : 0);
  }
}
