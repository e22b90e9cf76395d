// Per-lane row ranges of an interval table (ordered by lane, then start) and binary searches
// on its sorted columns, so a window request reads only the rows it shows.

import type { IntervalColumns } from '../analysis/tables';

/** first[lane] .. first[lane + 1] are the rows of that lane. */
export type LaneRanges = Uint32Array;

const cache = new WeakMap<IntervalColumns, { count: number; lanes: number; ranges: LaneRanges }>();

export function laneRanges(table: IntervalColumns, lanes: number): LaneRanges {
  const hit = cache.get(table);
  if (hit && hit.count === table.count && hit.lanes === lanes) return hit.ranges;
  const ranges = new Uint32Array(lanes + 1);
  for (let i = 0; i < table.count; i++) ranges[table.lane[i] + 1]++;
  for (let l = 0; l < lanes; l++) ranges[l + 1] += ranges[l];
  cache.set(table, { count: table.count, lanes, ranges });
  return ranges;
}

/** First index in [lo, hi) whose value is greater than `value` (hi when none). */
export function upperBound(values: Float64Array, lo: number, hi: number, value: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] > value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** First index in [lo, hi) whose value is at least `value` (hi when none). */
export function lowerBound(values: Float64Array, lo: number, hi: number, value: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] >= value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
