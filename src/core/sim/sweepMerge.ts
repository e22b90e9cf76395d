// `kvm-spin sweep merge`: joins the rows of a sweep's shards, refuses duplicates, rows of
// another sweep and incomplete grids, and summarises each grid point × policy over its seeds
// as the mean with a 95 % interval (seeds.ts), as JSON or a table.

import { differsBeyondNoise, meanCi95, scalarMetrics, type MeanCi } from './seeds';
import type { SweepRow } from './sweepRow';
import type { GridValue } from './sweepSpec';
import { metricDelta } from '../../shared/comparisonFormat';

export class SweepMergeError extends Error {}

/** What is kept of a row: its identity and its scalar metrics by dotted name. */
interface MergedRun {
  where: string;
  scenario: string;
  point: Record<string, GridValue>;
  policy: string;
  seed: number;
  durationSeconds: number;
  scalars: Record<string, number>;
}

export interface SweepGroup {
  point: Record<string, GridValue>;
  policy: string;
  seeds: number[];
  /** Per metric, its value in each seed's run, in seed order (a metric a run left null is absent). */
  samples: Record<string, number[]>;
  summary: Record<string, MeanCi>;
}

export interface SweepSummary {
  sweep: string;
  scenario: string;
  runs: number;
  durationSeconds: number;
  paths: string[];
  groups: SweepGroup[];
}

const describeRun = (r: Pick<MergedRun, 'point' | 'policy' | 'seed'>) =>
  [...Object.entries(r.point).map(([p, v]) => `${p}=${JSON.stringify(v)}`), r.policy, `seed ${r.seed}`].join(' ');

export class SweepMerger {
  private sweep?: { fingerprint: string; runs: number; where: string };
  private readonly byRun = new Map<number, MergedRun>();

  /** Adds one row read at `where` (FILE:LINE). */
  add(row: SweepRow, where: string): void {
    if (!this.sweep) this.sweep = { fingerprint: row.sweep, runs: row.runs, where };
    else if (row.sweep !== this.sweep.fingerprint || row.runs !== this.sweep.runs) {
      throw new SweepMergeError(`${where}: a row of another sweep (${row.sweep}, ${row.runs} runs) than ${this.sweep.where} (${this.sweep.fingerprint}, ${this.sweep.runs} runs)`);
    }
    const earlier = this.byRun.get(row.run);
    if (earlier) throw new SweepMergeError(`run ${row.run} (${describeRun(row)}) appears twice: ${earlier.where} and ${where}`);
    this.byRun.set(row.run, { where, scenario: row.scenario, point: row.point, policy: row.policy, seed: row.seed, durationSeconds: row.durationSeconds, scalars: scalarMetrics(row.metrics) });
  }

  /** The summary of the whole grid; refuses an empty or incomplete one. */
  finish(): SweepSummary {
    if (!this.sweep) throw new SweepMergeError('no sweep rows in the input: expected the NDJSON output of kvm-spin sweep');
    const { fingerprint, runs } = this.sweep;
    if (this.byRun.size < runs) throw new SweepMergeError(`incomplete sweep: ${runs - this.byRun.size} of ${runs} runs missing (${missingRuns(this.byRun, runs)})`);
    const ordered = [...this.byRun.keys()].sort((a, b) => a - b).map((i) => this.byRun.get(i)!);
    const first = ordered[0];
    return { sweep: fingerprint, scenario: first.scenario, runs, durationSeconds: first.durationSeconds, paths: Object.keys(first.point), groups: groupRuns(ordered) };
  }
}

/** "runs 3, 7, 11 and 2 more": the first few, so that the missing shard can be found. */
function missingRuns(present: ReadonlyMap<number, unknown>, runs: number): string {
  const missing: number[] = [];
  let count = 0;
  for (let i = 0; i < runs; i++) if (!present.has(i) && count++ < 5) missing.push(i);
  return `run${count > 1 ? 's' : ''} ${missing.join(', ')}${count > missing.length ? ` and ${count - missing.length} more` : ''}; merge every shard K/N of the sweep`;
}

function groupRuns(ordered: MergedRun[]): SweepGroup[] {
  const groups = new Map<string, { point: Record<string, GridValue>; policy: string; runs: MergedRun[] }>();
  for (const r of ordered) {
    const key = JSON.stringify([r.point, r.policy]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { point: r.point, policy: r.policy, runs: [] }));
    g.runs.push(r);
  }
  return [...groups.values()].map(({ point, policy, runs }) => {
    const samples: Record<string, number[]> = {};
    for (const r of runs) for (const [key, value] of Object.entries(r.scalars)) (samples[key] ??= []).push(value);
    const summary = Object.fromEntries(Object.entries(samples).map(([key, xs]) => [key, meanCi95(xs)]));
    return { point, policy, seeds: runs.map((r) => r.seed), samples, summary };
  });
}

/** `--json`: per grid point × policy, `metrics.X` the mean and `ci95.X` = [low, high] (null with one seed). */
export function sweepSummaryJson(s: SweepSummary) {
  return {
    sweep: s.sweep,
    scenario: s.scenario,
    runs: s.runs,
    durationSeconds: s.durationSeconds,
    paths: s.paths,
    groups: s.groups.map((g) => ({
      point: g.point,
      policy: g.policy,
      seeds: g.seeds,
      metrics: Object.fromEntries(Object.entries(g.summary).map(([k, v]) => [k, v.mean])),
      ci95: g.seeds.length > 1 ? Object.fromEntries(Object.entries(g.summary).map(([k, v]) => [k, v.ci95])) : null,
    })),
  };
}

/** The policy each grid point's changes are measured against, when the sweep ran it. */
export const SWEEP_BASELINE = 'vanilla-5.6';

interface Column {
  title: string;
  cell(g: SweepGroup, base: SweepGroup | undefined): string;
  /** Left-aligned (names) or right-aligned (numbers). */
  left?: boolean;
}

const count = (x: number) => String(Math.round(x));
const fixed3 = (x: number) => x.toFixed(3);

/** "mean ± half-width" (just the mean with one seed). */
function meanText(g: SweepGroup, key: string, digits: (x: number) => string): string {
  const s = g.summary[key];
  if (!s) return '-';
  return g.seeds.length > 1 ? `${digits(s.mean)} ± ${digits((s.ci95[1] - s.ci95[0]) / 2)}` : digits(s.mean);
}

/** The change against the point's baseline (the comparison's one definition), bracketed when the seeds cannot tell it from noise. */
function deltaText(g: SweepGroup, base: SweepGroup | undefined, key: string): string {
  const x = g.summary[key]?.mean;
  const y = base?.summary[key]?.mean;
  if (!base || x === undefined || y === undefined) return '-';
  const beyond = g === base ? null : differsBeyondNoise(base.samples[key], g.samples[key]);
  return metricDelta(x, y, true, beyond)?.text ?? '-';
}

const METRIC_COLUMNS: Column[] = [
  { title: 'throughput', cell: (g) => meanText(g, 'throughput', fixed3) },
  { title: 'Δ', cell: (g, b) => deltaText(g, b, 'throughput') },
  { title: 'PLE exits', cell: (g) => meanText(g, 'pleExits', count) },
  { title: 'ΔPLE', cell: (g, b) => deltaText(g, b, 'pleExits') },
  { title: 'boosts', cell: (g) => meanText(g, 'boosts', count) },
  { title: 'mismatch', cell: (g) => meanText(g, 'problems.schedulerMismatch', count) },
  { title: 'lost-opp', cell: (g) => meanText(g, 'problems.lostOpportunity', count) },
  { title: 'overboost', cell: (g) => meanText(g, 'problems.overboost', count) },
  { title: 'unhelpful', cell: (g) => meanText(g, 'problems.unhelpfulBoost', count) },
  { title: 'fairness', cell: (g) => meanText(g, 'fairness', fixed3) },
];

export function formatSweepSummary(s: SweepSummary): string {
  const seeds = s.groups[0]?.seeds.length ?? 0;
  const columns: Column[] = [
    ...s.paths.map((path): Column => ({ title: path, cell: (g) => String(g.point[path]), left: true })),
    { title: 'policy', cell: (g) => g.policy, left: true },
    ...METRIC_COLUMNS,
  ];
  const baseOf = (g: SweepGroup) => s.groups.find((b) => b.policy === SWEEP_BASELINE && JSON.stringify(b.point) === JSON.stringify(g.point));
  const cells = [columns.map((c) => c.title), ...s.groups.map((g) => columns.map((c) => c.cell(g, baseOf(g))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const lines = [
    `sweep ${s.sweep}: ${s.scenario}, ${s.runs} runs of ${s.durationSeconds} simulated s`,
    seeds > 1
      ? `${seeds} seeds per grid point and policy: means ± half the 95 % interval; Δ against ${SWEEP_BASELINE} at the same point, in brackets when inside the noise`
      : `one seed per grid point and policy (no intervals); Δ against ${SWEEP_BASELINE} at the same point`,
    '',
    ...cells.map((row) => row.map((text, i) => (columns[i].left ? text.padEnd(widths[i]) : text.padStart(widths[i]))).join('  ').trimEnd()),
  ];
  return lines.join('\n') + '\n';
}
