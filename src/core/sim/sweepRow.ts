// One NDJSON row per run of a sweep: what the run was (sweep, run number, grid point, policy,
// seed, length) and all its metrics. Rows read back (by `sweep merge`) are untrusted text:
// each is checked field by field, and refused with the file and line at fault.

import type { SimMetrics } from './simulator';
import type { SimSummary } from './run';
import type { GridValue } from './sweepSpec';
import type { Shard, SweepRun } from './sweepGrid';

export interface SweepRow {
  /** The sweep's fingerprint (sweepFingerprint): rows of different SPECs never merge. */
  sweep: string;
  /** This run's number in the whole sweep (0-based) and how many runs the sweep has. */
  run: number;
  runs: number;
  /** The shard that ran it, `K/N`. */
  shard: string;
  scenario: string;
  point: Record<string, GridValue>;
  policy: string;
  seed: number;
  durationSeconds: number;
  metrics: SimMetrics;
  warnings: string[];
}

export class SweepRowError extends Error {}

export function sweepRow(fingerprint: string, runs: number, shard: Shard, scenario: string, run: SweepRun, summary: SimSummary): SweepRow {
  return {
    sweep: fingerprint,
    run: run.index,
    runs,
    shard: `${shard.k}/${shard.n}`,
    scenario,
    point: run.point,
    policy: run.policy,
    seed: run.seed,
    durationSeconds: summary.durationNs / 1e9,
    metrics: summary.metrics,
    warnings: summary.warnings,
  };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
/** A metric the trace or model could not judge is null, never a made-up 0. */
const isMetric = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

/** Parses one line; throws SweepRowError saying which field is wrong. */
export function parseSweepRow(line: string): SweepRow {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new SweepRowError('not a JSON row (a cut or foreign line)');
  }
  if (!isObject(raw)) throw new SweepRowError('expected a JSON object');
  const fail = (field: string, what: string): never => {
    throw new SweepRowError(`${field}: expected ${what}`);
  };
  if (typeof raw.sweep !== 'string' || !/^[0-9a-f]{16}$/.test(raw.sweep)) fail('sweep', 'the sweep fingerprint (16 hex digits)');
  if (!isCount(raw.runs) || raw.runs < 1) fail('runs', 'a positive whole number');
  if (!isCount(raw.run) || raw.run >= (raw.runs as number)) fail('run', `a whole number below runs (${raw.runs})`);
  if (typeof raw.shard !== 'string' || !/^\d+\/\d+$/.test(raw.shard)) fail('shard', 'K/N');
  if (typeof raw.scenario !== 'string') fail('scenario', 'a name');
  if (!isObject(raw.point) || !Object.values(raw.point).every((v) => ['number', 'string', 'boolean'].includes(typeof v))) fail('point', 'an object of path: value');
  if (typeof raw.policy !== 'string') fail('policy', 'a name');
  if (!isCount(raw.seed)) fail('seed', 'a whole number');
  if (typeof raw.durationSeconds !== 'number' || !(raw.durationSeconds >= 0)) fail('durationSeconds', 'seconds');
  if (!Array.isArray(raw.warnings) || !raw.warnings.every((w) => typeof w === 'string')) fail('warnings', 'a list of strings');
  checkMetrics(raw.metrics, fail);
  return raw as unknown as SweepRow;
}

function checkMetrics(m: unknown, fail: (field: string, what: string) => never): void {
  if (!isObject(m)) return fail('metrics', 'an object');
  if (!isObject(m.problems)) fail('metrics.problems', 'an object');
  for (const [key, value] of Object.entries(m)) {
    if (key === 'problems' || key === 'perVm') continue;
    if (!isMetric(value)) fail(`metrics.${key}`, 'a number or null');
  }
  for (const [key, value] of Object.entries(m.problems as Json)) if (!isMetric(value)) fail(`metrics.problems.${key}`, 'a number or null');
  if (m.perVm !== undefined && !Array.isArray(m.perVm)) fail('metrics.perVm', 'a list');
}
