// One row per run for the side-by-side policy comparison: simulated runs (the simulator's own
// metrics, problems against ground truth) and host traces (the analysis, problems inferred)
// in the same columns, with rates per second so that runs of different lengths compare.

import type { AnalysisResult } from './analyze';
import type { SimMetrics } from '../sim/simulator';
import { differsBeyondNoise, meanCi95 } from '../sim/seeds';
import type { ComparisonModel, ComparisonReplay } from '../../shared/protocol';

export type RunSource = 'simulator' | 'trace';

export interface ComparisonRow {
  id: string;
  /** From a file name or a thread-free label: untrusted text in a webview. */
  label: string;
  source: RunSource;
  durationNs: number;
  /** Useful guest work in CPUs; a host trace cannot see guest progress (null). */
  throughput: number | null;
  /** Share of all pCPU time spent spinning in guests or handling PAUSE exits. */
  spinTimeShare: number | null;
  pleExits: number;
  /** null where the run cannot judge the figure; notJudged says why. */
  yieldAttempts: number | null;
  boosts: number | null;
  /** Simulator: boosts of a vCPU the spinner truly waited for. Trace: boosts whose target ran in the boost window. */
  helpedBoosts: number | null;
  esrch: number | null;
  /** PAUSE exits whose directed yield boosted nobody (filtered, nothing ready, gave up). */
  noBoost: number | null;
  continuousPleEpisodes: number;
  problems: { schedulerMismatch: number | null; lostOpportunity: number | null; overboost: number | null };
  /** Jain's index over the VMs' pCPU time; null with fewer than two VMs. */
  fairness: number | null;
  /** How the problem counters were obtained. */
  judgedBy: string;
  /** Metric key or count key ('boosts', 'overboost', …) → why this run cannot judge it. */
  notJudged: Record<string, string>;
  /** An opened trace's replay of every policy (src/core/replay/); absent for other runs. */
  replay?: ComparisonReplay;
  /** A simulated run's scenario and policy (the default baseline is vanilla-5.6 of the same scenario). */
  scenario?: string;
  policy?: string;
  /** A run over several seeds: each metric's value (COMPARISON_METRICS key) in each seed's run; the row holds their means. */
  seedValues?: Record<string, number[]>;
}

/** The policy the default baseline runs: the seed talk's kernel, as the text report compares against it. */
export const BASELINE_POLICY = 'vanilla-5.6';

export interface ComparisonMetric {
  key: string;
  label: string;
  /** How to read it, shown on hover. */
  description: string;
  /** Higher is better (true), lower is better (false). */
  higherIsBetter: boolean;
  format: 'ratio' | 'percent' | 'rate' | 'count';
  value(row: ComparisonRow): number | null;
}

const perSecond = (count: number | null, row: ComparisonRow) => (count !== null && row.durationNs > 0 ? count / (row.durationNs / 1e9) : null);

/** The metrics the comparison view charts and tabulates, in column order. */
export const COMPARISON_METRICS: ComparisonMetric[] = [
  { key: 'throughput', label: 'Throughput (CPUs)', description: 'Useful guest work per second summed over VMs, in CPUs (simulator only: a host trace cannot see guest progress).', higherIsBetter: true, format: 'ratio', value: (r) => r.throughput },
  { key: 'spinTimeShare', label: 'Spin time %', description: 'Share of all pCPU time spent spinning in guests or handling PAUSE exits.', higherIsBetter: false, format: 'percent', value: (r) => r.spinTimeShare },
  { key: 'pleExitsPerSecond', label: 'PLE exits/s', description: 'PAUSE-loop exits per second of run time.', higherIsBetter: false, format: 'rate', value: (r) => perSecond(r.pleExits, r) },
  { key: 'boostsPerSecond', label: 'Boosts/s', description: 'Directed yields that boosted a vCPU (yield_to > 0), per second.', higherIsBetter: false, format: 'rate', value: (r) => perSecond(r.boosts, r) },
  { key: 'helpedShare', label: 'Boosts that helped %', description: 'Simulator: boosts of the vCPU the spinner truly waited for. Trace: boosts whose target ran within the boost window.', higherIsBetter: true, format: 'percent', value: (r) => (r.helpedBoosts === null || !r.boosts ? null : r.helpedBoosts / r.boosts) },
  { key: 'esrchPerSecond', label: '-ESRCH/s', description: 'yield_to calls that returned -ESRCH (both run queues held a single task), per second.', higherIsBetter: false, format: 'rate', value: (r) => perSecond(r.esrch, r) },
  { key: 'schedulerMismatchPerSecond', label: 'Scheduler mismatch/s', description: 'KVM boosted a vCPU, yield_to reported success, but the scheduler did not run it.', higherIsBetter: false, format: 'rate', value: (r) => perSecond(r.problems.schedulerMismatch, r) },
  { key: 'lostOpportunityPerSecond', label: 'Lost opportunity/s', description: 'The vCPU the spinner waited for was preempted in user mode and skipped by the user-mode filter.', higherIsBetter: false, format: 'rate', value: (r) => perSecond(r.problems.lostOpportunity, r) },
  { key: 'overboostPerSecond', label: 'Overboost/s', description: 'A vCPU woken from halt (ready but not preempted) was boosted without helping the spinner.', higherIsBetter: false, format: 'rate', value: (r) => perSecond(r.problems.overboost, r) },
  { key: 'episodesPerSecond', label: 'Continuous-PLE episodes/s', description: 'Spin waits with at least three PAUSE exits in a row, per second.', higherIsBetter: false, format: 'rate', value: (r) => perSecond(r.continuousPleEpisodes, r) },
  { key: 'fairness', label: 'Fairness (Jain)', description: "Jain's index over the VMs' pCPU time: 1 is perfectly fair (needs two VMs or more).", higherIsBetter: true, format: 'ratio', value: (r) => r.fairness },
];

const NEEDS_TWO_VMS = "Jain's index needs two VMs or more";

export function jainIndex(shares: number[]): number | null {
  if (shares.length < 2) return null;
  const sum = shares.reduce((a, b) => a + b, 0);
  const sumSq = shares.reduce((a, b) => a + b * b, 0);
  return sumSq > 0 ? (sum * sum) / (shares.length * sumSq) : 1;
}

export function rowFromSimulation(id: string, label: string, durationNs: number, m: SimMetrics, run?: { scenario: string; policy: string }): ComparisonRow {
  return {
    id,
    label,
    source: 'simulator',
    ...(run ? { scenario: run.scenario, policy: run.policy } : {}),
    durationNs,
    throughput: m.throughput,
    spinTimeShare: m.spinTimeShare,
    pleExits: m.pleExits,
    yieldAttempts: m.yieldAttempts,
    boosts: m.boosts,
    helpedBoosts: m.helpfulBoosts,
    esrch: m.esrch,
    noBoost: Math.max(0, m.decisions - m.boosts - m.esrch),
    continuousPleEpisodes: m.continuousPleEpisodes,
    problems: { ...m.problems },
    fairness: m.perVm.length >= 2 ? m.fairness : null,
    judgedBy: 'ground truth (simulator)',
    notJudged: m.perVm.length >= 2 ? {} : { fairness: NEEDS_TWO_VMS },
  };
}

/**
 * Spin time over all pCPU time. Spin is on-CPU time, so it never exceeds the vCPUs' own
 * on-CPU time; a trace that shows more vCPUs on CPU than it has CPUs (a wrong `pcpus`, lost
 * events) is measured against that on-CPU time instead, so the share stays a share.
 */
function spinShare(spinNs: number, pcpuNs: number, vmCpuTime: number[]): number | null {
  const onCpuNs = vmCpuTime.reduce((sum, ns) => sum + ns, 0);
  const denominator = Math.max(pcpuNs, onCpuNs);
  return denominator > 0 ? spinNs / denominator : null;
}

/** `pcpus`: the host CPUs the trace covers (the spin share's denominator). */
export function rowFromAnalysis(id: string, label: string, a: AnalysisResult, pcpus: number): ComparisonRow {
  let spinNs = 0;
  const vmCpuTime: number[] = [];
  for (const vm of a.vms) {
    let held = 0;
    for (const v of vm.vcpus) {
      spinNs += v.spinTimeNs;
      held += v.time.guest + v.time.host;
    }
    vmCpuTime.push(held);
  }
  const d = a.decisions;
  const sum = (...xs: (number | null)[]) => (xs.some((x) => x === null) ? null : xs.reduce<number>((t, x) => t + (x as number), 0));
  const fairness = jainIndex(vmCpuTime);
  const why = a.notJudged;
  const notJudged: Record<string, string> = { throughput: 'a host trace cannot see guest progress (simulator only)' };
  const put = (keys: string[], reason: string | undefined) => {
    if (reason) for (const k of keys) notJudged[k] = reason;
  };
  put(['boosts', 'boostsPerSecond', 'otherBoosts'], why['totals.boosts']);
  put(['helped', 'helpedShare'], why['decisions.boostedRan']);
  put(['esrch', 'esrchPerSecond'], why['decisions.esrch']);
  put(['noBoost'], why['decisions.noCandidate']);
  put(['yieldAttempts'], why['totals.yieldAttempts']);
  put(['schedulerMismatch', 'schedulerMismatchPerSecond'], why['problems.schedulerMismatch']);
  put(['lostOpportunity', 'lostOpportunityPerSecond'], why['problems.lostOpportunity']);
  put(['overboost', 'overboostPerSecond'], why['problems.overboost']);
  if (fairness === null) notJudged.fairness = NEEDS_TWO_VMS;
  return {
    id,
    label,
    source: 'trace',
    durationNs: a.durationNs,
    throughput: null,
    spinTimeShare: spinShare(spinNs, a.durationNs * pcpus, vmCpuTime),
    pleExits: a.totals.pleExits,
    yieldAttempts: a.totals.yieldAttempts,
    boosts: a.totals.boosts,
    helpedBoosts: a.inference === 'not judged' ? null : d.boostedRan,
    esrch: d.esrch,
    noBoost: sum(d.notBoosted, d.noCandidate),
    continuousPleEpisodes: a.totals.episodes,
    problems: { ...a.problems },
    fairness,
    judgedBy: a.inference,
    notJudged,
  };
}

// A label starting with = + - @ would be run as a formula by spreadsheets: prefix a quote.
const csvField = (text: string) => {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r']/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** Metric keys in the CSV's one naming style: snake_case (`pleExitsPerSecond` → `ple_exits_per_second`). */
export const csvName = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const REPLAY_COLUMNS = ['replay_policy', 'replay_decisions', 'replay_agree', 'replay_other', 'replay_none', 'replay_esrch', 'replay_helpful_share'];

/**
 * The comparison as CSV: identity columns, then each metric, then the raw counts; then, for
 * each opened trace with a replay, one `replay` line per replayed policy (what it would have
 * chosen at the trace's PAUSE exits) with the replay columns filled and the others empty.
 */
export function comparisonCsv(rows: readonly ComparisonRow[]): string {
  const counts = ['ple_exits', 'yield_attempts', 'boosts', 'helped_boosts', 'esrch', 'no_boost', 'scheduler_mismatch', 'lost_opportunity', 'overboost', 'judged_by'];
  const header = ['run', 'source', 'duration_s', 'seeds', ...COMPARISON_METRICS.map((m) => csvName(m.key)), ...counts, ...REPLAY_COLUMNS];
  const lines = [header.join(',')];
  const num = (v: number | null) => (v === null ? '' : String(Number(v.toPrecision(6))));
  for (const r of rows) {
    const seeds = r.seedValues ? Math.max(1, ...Object.values(r.seedValues).map((xs) => xs.length)) : 1;
    lines.push(
      [
        csvField(r.label),
        r.source,
        num(r.durationNs / 1e9),
        seeds,
        ...COMPARISON_METRICS.map((m) => num(m.value(r))),
        num(r.pleExits),
        num(r.yieldAttempts),
        num(r.boosts),
        num(r.helpedBoosts),
        num(r.esrch),
        num(r.noBoost),
        num(r.problems.schedulerMismatch),
        num(r.problems.lostOpportunity),
        num(r.problems.overboost),
        csvField(r.judgedBy),
        ...REPLAY_COLUMNS.map(() => ''),
      ].join(','),
    );
  }
  const blank = (n: number) => new Array(n).fill('');
  for (const r of rows) {
    for (const p of r.replay?.policies ?? []) {
      lines.push([csvField(r.label), 'replay', num(r.durationNs / 1e9), '', ...blank(COMPARISON_METRICS.length + counts.length), csvField(p.policy), p.decisions, p.agree, p.other, p.none, p.esrch, p.truth ? num(p.truth.helpfulShare) : ''].join(','));
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * One row for a policy run over several seeds (the rows of its seeds, one scenario, policy and
 * length): every figure the mean over the seeds, and each metric's per-seed values kept for
 * its 95 % interval and the test against the baseline.
 */
export function rowFromSeeds(id: string, label: string, seeds: readonly ComparisonRow[]): ComparisonRow {
  if (seeds.length === 0) throw new RangeError('no seeds');
  const mean = (pick: (r: ComparisonRow) => number | null): number | null => {
    const xs = seeds.map(pick);
    return xs.some((x) => x === null) ? null : (xs as number[]).reduce((a, b) => a + b, 0) / xs.length;
  };
  const first = seeds[0];
  const seedValues: Record<string, number[]> = {};
  for (const m of COMPARISON_METRICS) {
    const xs = seeds.map((r) => m.value(r));
    if (xs.every((x) => x !== null)) seedValues[m.key] = xs as number[];
  }
  return {
    ...first,
    id,
    label,
    throughput: mean((r) => r.throughput),
    spinTimeShare: mean((r) => r.spinTimeShare),
    pleExits: mean((r) => r.pleExits)!,
    yieldAttempts: mean((r) => r.yieldAttempts),
    boosts: mean((r) => r.boosts),
    helpedBoosts: mean((r) => r.helpedBoosts),
    esrch: mean((r) => r.esrch),
    noBoost: mean((r) => r.noBoost),
    continuousPleEpisodes: mean((r) => r.continuousPleEpisodes)!,
    problems: { schedulerMismatch: mean((r) => r.problems.schedulerMismatch), lostOpportunity: mean((r) => r.problems.lostOpportunity), overboost: mean((r) => r.problems.overboost) },
    fairness: mean((r) => r.fairness),
    seedValues,
  };
}

/**
 * The baseline when the user picked none: vanilla-5.6 of the first simulated run's scenario,
 * else the first simulated run, else the first run — never a host trace of a few ms when a
 * simulated run is there to compare against.
 */
export function defaultBaseline(selected: readonly ComparisonRow[]): string | null {
  const simulated = selected.filter((r) => r.source === 'simulator');
  const first = simulated[0];
  if (!first) return selected[0]?.id ?? null;
  return (simulated.find((r) => r.policy === BASELINE_POLICY && r.scenario === first.scenario) ?? first).id;
}

/** Per metric, the 95 % interval of the row's mean over its seeds (null with fewer than two). */
function intervals(r: ComparisonRow): ([number, number] | null)[] {
  return COMPARISON_METRICS.map((m) => {
    const xs = r.seedValues?.[m.key];
    return xs && xs.length > 1 ? meanCi95(xs).ci95 : null;
  });
}

/**
 * Per metric, whether the row differs from the baseline beyond the noise (Welch, seeds.ts):
 * false when both have seeds and the difference's interval includes 0, null when it cannot be told.
 */
function beyondNoise(r: ComparisonRow, base: ComparisonRow | undefined): (boolean | null)[] {
  return COMPARISON_METRICS.map((m) => {
    const a = base?.seedValues?.[m.key];
    const b = r.seedValues?.[m.key];
    return a && b && base !== r ? differsBeyondNoise(a, b) : null;
  });
}

/** What the comparison webview receives: metric values computed here, never functions. */
export function buildComparisonModel(available: readonly ComparisonRow[], selectedIds: readonly string[], baselineId: string | null): ComparisonModel {
  const byId = new Map(available.map((r) => [r.id, r]));
  const selected = selectedIds.filter((id) => byId.has(id));
  const baselineChosen = baselineId !== null && selected.includes(baselineId);
  const baseline = baselineChosen ? baselineId : defaultBaseline(selected.map((id) => byId.get(id)!));
  const baseRow = baseline === null ? undefined : byId.get(baseline);
  return {
    runs: available.map((r) => ({ id: r.id, label: r.label, source: r.source, durationS: r.durationNs / 1e9 })),
    selected,
    baseline,
    baselineChosen,
    metrics: COMPARISON_METRICS.map(({ key, label, description, higherIsBetter, format }) => ({ key, label, description, higherIsBetter, format })),
    rows: selected.map((id) => {
      const r = byId.get(id)!;
      return {
        id: r.id,
        label: r.label,
        source: r.source,
        durationS: r.durationNs / 1e9,
        seeds: r.seedValues ? Math.max(0, ...Object.values(r.seedValues).map((xs) => xs.length)) : 1,
        values: COMPARISON_METRICS.map((m) => m.value(r)),
        ci95: intervals(r),
        beyondNoise: beyondNoise(r, baseRow),
        outcomes: {
          helped: r.helpedBoosts,
          otherBoosts: r.boosts === null || r.helpedBoosts === null ? r.boosts : r.boosts - r.helpedBoosts,
          esrch: r.esrch,
          noBoost: r.noBoost,
        },
        counts: { pleExits: r.pleExits, yieldAttempts: r.yieldAttempts, boosts: r.boosts, ...r.problems },
        judgedBy: r.judgedBy,
        notJudged: r.notJudged,
        replay: r.replay ?? null,
      };
    }),
  };
}
