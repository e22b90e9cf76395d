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
  const fine = COARSE_LEVELS[0];
  const binNs = span / fine;
  const outs = COARSE_LEVELS.map(() => new CoarseBuilder());
  const laneStarts = COARSE_LEVELS.map(() => new Uint32Array(lanes + 1));
  const time = new Float64Array(fine * STATE_CODES);
  const detailOf = new Int32Array(fine * STATE_CODES);
  const sum = new Float64Array(STATE_CODES);
  const sumDetail = new Int32Array(STATE_CODES);
  const sumBest = new Float64Array(STATE_CODES);
  for (let lane = 0; lane < lanes; lane++) {
    for (let k = 0; k < COARSE_LEVELS.length; k++) laneStarts[k][lane] = outs[k].count;
    const lo = table.laneStart[lane];
    const hi = table.laneStart[lane + 1];
    if (lo === hi) continue;
    time.fill(0);
    const { startNs, endNs, state } = table;
    for (let i = lo; i < hi; i++) {
      const s = startNs[i];
      const e = endNs[i];
      if (!(e > s)) continue;
      const b0 = Math.min(fine - 1, Math.floor((s - originNs) / binNs));
      const b1 = Math.min(fine - 1, Math.floor((e - originNs) / binNs));
      const st = state[i];
      if (b0 === b1) {
        // Most runs fall inside one bin.
        const k = b0 * STATE_CODES + st;
        time[k] += e - s;
        detailOf[k] = details[i];
        continue;
      }
      for (let b = b0; b <= b1; b++) {
        const k = b * STATE_CODES + st;
        time[k] += Math.min(e, originNs + (b + 1) * binNs) - Math.max(s, originNs + b * binNs);
        detailOf[k] = details[i];
      }
    }
    const first = Math.max(0, Math.floor((startNs[lo] - originNs) / binNs));
    const last = Math.min(fine - 1, Math.floor((endNs[hi - 1] - originNs) / binNs));
    for (let level = 0; level < COARSE_LEVELS.length; level++) {
      const per = fine / COARSE_LEVELS[level];
      for (let c = Math.floor(first / per); c <= Math.floor(last / per); c++) {
        // Per state: time over the level's bin, and the detail of its largest fine-bin share.
        sum.fill(0);
        sumBest.fill(0);
        for (let k = c * per * STATE_CODES; k < (c + 1) * per * STATE_CODES; k++) {
          const t = time[k];
          if (t <= 0) continue;
          const st = k % STATE_CODES;
          sum[st] += t;
          if (t > sumBest[st]) {
            sumBest[st] = t;
            sumDetail[st] = detailOf[k];
          }
        }
        let best = -1;
        let states = 0;
        for (let st = 0; st < STATE_CODES; st++) {
          if (sum[st] <= 0) continue;
          states++;
          if (best < 0 || sum[st] > sum[best]) best = st;
        }
        if (best >= 0) outs[level].push(lane, originNs + c * per * binNs, originNs + (c + 1) * per * binNs, best, sumDetail[best], states > 1 ? COARSE_MIXED : 0);
      }
    }
  }
  return outs.map((out, k) => {
    laneStarts[k][lanes] = out.count;
    const n = out.count;
    return { count: n, lane: out.lane.subarray(0, n), startNs: out.startNs.subarray(0, n), endNs: out.endNs.subarray(0, n), state: out.state.subarray(0, n), detail: out.detail.subarray(0, n), vcpuLane: out.detail.subarray(0, n), row: new Uint32Array(n), flags: out.flags.subarray(0, n), laneStart: laneStarts[k] };
  });
}
