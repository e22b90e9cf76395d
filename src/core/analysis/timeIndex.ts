// The time index of the state model. Every table is kept in time order (instants by
// timestamp; intervals by lane, then start, contiguous per lane), so the tables are their own
// index: the first row at any time is one binary search, and the state of every vCPU at any
// time is the interval in force on its lane — a warm start anywhere, finer than fixed bin
// boundaries (KernelShark's histogram map), with no memory beyond the tables. A range request
// reads only the rows inside it.

import type { IntervalColumns } from './tables';

/** First index in [0, n) whose time is ≥ x (or > x when `strictly`); times ascending. */
export function lowerBound(n: number, timeAt: (i: number) => number, x: number, strictly = false): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const t = timeAt(mid);
    if (t < x || (strictly && t === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index range [from, to) of the rows whose time lies in [lo, hi); ±Infinity for open ends. */
export function rowsIn(n: number, timeAt: (i: number) => number, lo: number, hi: number): [number, number] {
  const from = lo === -Infinity ? 0 : lowerBound(n, timeAt, lo);
  const to = hi === Infinity ? n : lowerBound(n, timeAt, hi);
  return [from, Math.max(from, to)];
}

/** The first interval of `lane` that ends after `ts` (its lane's end when none does). */
export function firstIntervalEndingAfter(t: IntervalColumns, lane: number, ts: number): number {
  const first = t.laneStart[lane];
  const last = t.laneStart[lane + 1];
  if (ts === -Infinity) return first;
  return first + lowerBound(last - first, (k) => t.endNs[first + k], ts, true);
}

/** The interval of `lane` in force at `ts` (start ≤ ts < end), -1 before its first state or after the trace. */
export function intervalAt(t: IntervalColumns, lane: number, ts: number): number {
  const i = firstIntervalEndingAfter(t, lane, ts);
  return i < t.laneStart[lane + 1] && t.startNs[i] <= ts ? i : -1;
}
