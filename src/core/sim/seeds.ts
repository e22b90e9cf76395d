// Several seeds of one policy: every metric as the mean with a 95 % confidence interval
// (Student's t), and the test of whether two policies differ beyond the noise (Welch).

import type { SimMetrics } from './simulator';

export interface MeanCi {
  mean: number;
  /** [low, high] of the 95 % confidence interval of the mean; equal to the mean for one seed. */
  ci95: [number, number];
}

/** Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093,
  2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
const Z975 = 1.959964;

/** t(0.975, df); fractional df (Welch) rounds down, which widens the interval. */
export function t975(df: number): number {
  if (!(df >= 1)) return Infinity;
  const d = Math.floor(df);
  if (d <= T975.length) return T975[d - 1];
  // Cornish–Fisher expansion: exact to 3 decimals beyond 30 degrees of freedom.
  return Z975 + (Z975 ** 3 + Z975) / (4 * d) + (5 * Z975 ** 5 + 16 * Z975 ** 3 + 3 * Z975) / (96 * d * d);
}

function meanVar(xs: readonly number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.length > 1 ? xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1) : 0;
  return { mean, variance };
}

export function meanCi95(xs: readonly number[]): MeanCi {
  if (xs.length === 0) throw new RangeError('no samples');
  const { mean, variance } = meanVar(xs);
  if (xs.length === 1) return { mean, ci95: [mean, mean] };
  const half = t975(xs.length - 1) * Math.sqrt(variance / xs.length);
  return { mean, ci95: [mean - half, mean + half] };
}

/**
 * The 95 % interval of mean(b) − mean(a) (Welch's unequal variances); null with fewer than two
 * samples on a side, when nothing can be said about the noise.
 */
export function differenceCi95(a: readonly number[], b: readonly number[]): [number, number] | null {
  if (a.length < 2 || b.length < 2) return null;
  const x = meanVar(a);
  const y = meanVar(b);
  const va = x.variance / a.length;
  const vb = y.variance / b.length;
  const diff = y.mean - x.mean;
  if (va + vb === 0) return [diff, diff];
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const half = t975(df) * Math.sqrt(va + vb);
  return [diff - half, diff + half];
}

/** Whether b differs from a beyond the noise: the difference's interval excludes 0. Null when it cannot be told. */
export function differsBeyondNoise(a: readonly number[], b: readonly number[]): boolean | null {
  const ci = differenceCi95(a, b);
  return ci ? ci[0] > 0 || ci[1] < 0 : null;
}

/** The scalar metrics of a run by dotted name ('pleExits', 'problems.overboost', …); perVm is left out. */
export function scalarMetrics(m: SimMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(m)) {
    if (typeof value === 'number') out[key] = value;
  }
  for (const [key, value] of Object.entries(m.problems)) out[`problems.${key}`] = value;
  return out;
}

/** Mean and 95 % interval of every scalar metric over the seeds of one policy. */
export function summarizeSeeds(runs: readonly SimMetrics[]): Record<string, MeanCi> {
  if (runs.length === 0) throw new RangeError('no runs');
  const columns = new Map<string, number[]>();
  for (const m of runs) {
    for (const [key, value] of Object.entries(scalarMetrics(m))) {
      let column = columns.get(key);
      if (!column) columns.set(key, (column = []));
      column.push(value);
    }
  }
  const out: Record<string, MeanCi> = {};
  for (const [key, column] of columns) out[key] = meanCi95(column);
  return out;
}

/** The mean run: every number of the metrics (perVm by position) averaged over the seeds. */
export function meanMetrics(runs: readonly SimMetrics[]): SimMetrics {
  if (runs.length === 0) throw new RangeError('no runs');
  return meanOf(runs as unknown[]) as SimMetrics;
}

function meanOf(values: unknown[]): unknown {
  const first = values[0];
  if (typeof first === 'number') return (values as number[]).reduce((a, b) => a + b, 0) / values.length;
  if (Array.isArray(first)) return first.map((_, i) => meanOf(values.map((v) => (v as unknown[])[i])));
  if (first && typeof first === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = meanOf(values.map((v) => (v as Record<string, unknown>)[key]));
    return out;
  }
  return first; // names and other constants are the same in every seed
}
