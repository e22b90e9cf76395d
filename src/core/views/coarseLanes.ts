// Coarse copies of the interval tables for zoomed-out windows (KernelShark's histogram in
// spirit): the trace cut into bins at two levels (COARSE_LEVELS); per lane and bin the
// dominant state by time, whether more than one state shared the bin, and the detail of that
// state's longest share; neighbouring bins alike are one interval. Both levels come from one
// pass over the runs (the coarser sums the finer bins' times, so it is as exact), built once
// per tables on the first zoomed-out request; a whole-trace window then reads a few thousand
// rows per lane instead of every run.

import type { IntervalColumns, TimelineTables } from '../analysis/tables';

/** Bins across the trace per level, finest first; each divides the one before. */
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

/** Growable output columns; `detail` holds the detail the timeline draws (and vcpuLane the same). */
class CoarseBuilder {
  count = 0;
  private cap = 1024;
  lane = new Uint32Array(this.cap);
  startNs = new Float64Array(this.cap);
  endNs = new Float64Array(this.cap);
  state = new Uint8Array(this.cap);
  detail = new Int32Array(this.cap);
  flags = new Uint8Array(this.cap);

  push(lane: number, start: number, end: number, state: number, detail: number, flags: number): void {
    const n = this.count;
    if (n && this.lane[n - 1] === lane && this.endNs[n - 1] === start && this.state[n - 1] === state && this.detail[n - 1] === detail && this.flags[n - 1] === flags) {
      this.endNs[n - 1] = end;
      return;
    }
    if (n === this.cap) this.grow();
    this.lane[n] = lane;
    this.startNs[n] = start;
    this.endNs[n] = end;
    this.state[n] = state;
    this.detail[n] = detail;
    this.flags[n] = flags;
    this.count++;
  }

  private grow(): void {
    this.cap *= 2;
    const g = <T extends Float64Array | Uint32Array | Uint8Array | Int32Array>(old: T, next: T) => (next.set(old), next);
    this.lane = g(this.lane, new Uint32Array(this.cap));
    this.startNs = g(this.startNs, new Float64Array(this.cap));
    this.endNs = g(this.endNs, new Float64Array(this.cap));
    this.state = g(this.state, new Uint8Array(this.cap));
    this.detail = g(this.detail, new Int32Array(this.cap));
    this.flags = g(this.flags, new Uint8Array(this.cap));
  }
}

function coarsen(table: IntervalColumns, lanes: number, details: Int32Array, originNs: number, span: number): IntervalColumns[] {
  const binNs = span / COARSE_LEVELS[0];
  const outs = COARSE_LEVELS.map(() => new CoarseBuilder());
  const laneStarts = COARSE_LEVELS.map(() => new Uint32Array(lanes + 1));
  const coarser = COARSE_LEVELS.slice(1).map((bins, k) => new LevelSummary(COARSE_LEVELS[0] / bins, originNs, binNs, outs[k + 1]));
  const fine = new FineBin(originNs, binNs, outs[0], coarser);
  for (let lane = 0; lane < lanes; lane++) {
    for (let k = 0; k < COARSE_LEVELS.length; k++) laneStarts[k][lane] = outs[k].count;
    fine.lane = lane;
    for (const level of coarser) level.lane = lane;
    binLane(fine, table, details, table.laneStart[lane], table.laneStart[lane + 1], originNs, binNs);
  }
  return outs.map((out, k) => {
    laneStarts[k][lanes] = out.count;
    const n = out.count;
    return { count: n, lane: out.lane.subarray(0, n), startNs: out.startNs.subarray(0, n), endNs: out.endNs.subarray(0, n), state: out.state.subarray(0, n), detail: out.detail.subarray(0, n), vcpuLane: out.detail.subarray(0, n), row: new Uint32Array(n), flags: out.flags.subarray(0, n), laneStart: laneStarts[k] };
  });
}

/**
 * One lane's runs (rows lo..hi, by start, never overlapping) cut at the finest bin edges, the
 * bins streamed in order: only bins with runs are visited, never the whole trace's bins.
 */
function binLane(fine: FineBin, table: IntervalColumns, details: Int32Array, lo: number, hi: number, originNs: number, binNs: number): void {
  const last = COARSE_LEVELS[0] - 1;
  const { startNs, endNs, state } = table;
  // A run mostly starts where the one before ended: its first bin is then that one's last (no division).
  let prevEnd = NaN;
  let prevBin = 0;
  for (let i = lo; i < hi; i++) {
    const s = startNs[i];
    const e = endNs[i];
    if (!(e > s)) continue;
    const b0 = s === prevEnd ? prevBin : Math.min(last, Math.floor((s - originNs) / binNs));
    const b1 = Math.min(last, Math.floor((e - originNs) / binNs));
    prevEnd = e;
    prevBin = b1;
    const st = state[i];
    if (b0 === b1) {
      // Most runs fall inside one bin.
      if (b0 >= 0) fine.add(b0, st, e - s, details[i]);
      continue;
    }
    for (let b = Math.max(0, b0); b <= b1; b++) fine.add(b, st, Math.min(e, originNs + (b + 1) * binNs) - Math.max(s, originNs + b * binNs), details[i]);
  }
  fine.close();
}

/**
 * The open finest bin of a lane: time per state and the detail of the last run that added to
 * it; `states` has bit s set for each state s it holds (a bin holds one to three of the six).
 * A closed bin is written to the finest level as it is and passed on to the coarser levels.
 */
class FineBin {
  lane = 0;
  private bin = -1;
  private states = 0;
  private readonly time = new Float64Array(STATE_CODES);
  private readonly detail = new Int32Array(STATE_CODES);

  constructor(
    private readonly originNs: number,
    private readonly binNs: number,
    private readonly out: CoarseBuilder,
    private readonly coarser: LevelSummary[],
  ) {}

  add(bin: number, state: number, ns: number, detail: number): void {
    if (bin !== this.bin) {
      this.pass();
      this.bin = bin;
      this.states = 0;
    }
    const bit = 1 << state;
    if ((this.states & bit) === 0) {
      this.states |= bit;
      this.time[state] = 0;
    }
    this.time[state] += ns;
    this.detail[state] = detail;
  }

  /** Ends the lane: the open bin is passed on and every level's open bin written. */
  close(): void {
    this.pass();
    this.bin = -1;
    for (const level of this.coarser) level.flush();
  }

  private pass(): void {
    const { bin, states, time, detail, coarser } = this;
    if (bin < 0) return;
    // The finest level's bin: the state with the most time (the first on a tie), mixed when several had time.
    let best = -1;
    let shares = 0;
    for (let st = 0, rest = states; rest !== 0; st++, rest >>= 1) {
      if ((rest & 1) === 0 || time[st] <= 0) continue;
      shares++;
      if (best < 0 || time[st] > time[best]) best = st;
    }
    if (best >= 0) this.out.push(this.lane, this.originNs + bin * this.binNs, this.originNs + (bin + 1) * this.binNs, best, detail[best], shares > 1 ? COARSE_MIXED : 0);
    for (let k = 0; k < coarser.length; k++) coarser[k].add(bin, states, time, detail);
  }
}

/**
 * A level's open bin (`per` finest bins): per state the time over its finest bins, and the
 * detail of its largest finest-bin share; written as the dominant state, mixed when several.
 */
class LevelSummary {
  lane = 0;
  private bin = -1;
  /** Bit s: state s has time in the open bin (its sum and best are set). */
  private states = 0;
  private readonly sum = new Float64Array(STATE_CODES);
  private readonly best = new Float64Array(STATE_CODES);
  private readonly detail = new Int32Array(STATE_CODES);

  constructor(
    private readonly per: number,
    private readonly originNs: number,
    private readonly binNs: number,
    private readonly out: CoarseBuilder,
  ) {}

  /** Finest bins come in increasing order; `states`: the bits of the states in `time`. */
  add(fineBin: number, states: number, time: Float64Array, detail: Int32Array): void {
    const bin = Math.floor(fineBin / this.per);
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
    const { sum, per, binNs, originNs, bin } = this;
    this.bin = -1;
    let best = -1;
    let states = 0;
    for (let st = 0, rest = this.states; rest !== 0; st++, rest >>= 1) {
      if ((rest & 1) === 0) continue;
      states++;
      if (best < 0 || sum[st] > sum[best]) best = st;
    }
    if (best >= 0) this.out.push(this.lane, originNs + bin * per * binNs, originNs + (bin + 1) * per * binNs, best, this.detail[best], states > 1 ? COARSE_MIXED : 0);
  }
}
