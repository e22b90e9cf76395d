// Binary searches on the sorted columns of the tables (within a lane's rows, laneStart), so
// a window request reads only the rows it shows.

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

/**
 * lowerBound for a value expected near `lo` (the next pixel column's first row): probes lo,
 * lo + 1, lo + 3, ... then bisects the last step, so a column of k rows costs about 2 log2 k
 * reads instead of log2 of the whole range.
 */
export function lowerBoundNear(values: Float64Array, lo: number, hi: number, value: number): number {
  let step = 1;
  let probe = lo;
  while (probe < hi && values[probe] < value) {
    lo = probe + 1;
    probe = lo + step;
    step *= 2;
  }
  return lowerBound(values, lo, Math.min(probe, hi), value);
}
