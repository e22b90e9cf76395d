// The comparison of simulated runs: the JSON of `kvm-spin simulate --json` and the table
// printed by the CLI and shown by the extension. With several seeds a policy's figures are
// means with 95 % intervals, and a change against the baseline inside the noise says so.

import type { Scenario } from './scenario';
import type { SimSummary } from './run';
import type { SimMetrics } from './simulator';
import { POLICIES } from './policies';
import { differsBeyondNoise, meanMetrics, scalarMetrics, summarizeSeeds } from './seeds';

export interface ComparisonHeader {
  scenario: Scenario;
  seed: number;
  durationSeconds: number;
}

/** One policy over its seeds. */
interface PolicyRuns {
  policy: string;
  runs: SimSummary[];
  /** The mean of every metric over the seeds (the run itself for one seed). */
  metrics: SimMetrics;
}

function byPolicy(runs: SimSummary[]): PolicyRuns[] {
  const groups = new Map<string, SimSummary[]>();
  for (const r of runs) {
    let g = groups.get(r.policy);
    if (!g) groups.set(r.policy, (g = []));
    g.push(r);
  }
  return [...groups].map(([policy, rs]) => ({ policy, runs: rs, metrics: rs.length === 1 ? rs[0].metrics : meanMetrics(rs.map((r) => r.metrics)) }));
}

export function toSimulateJson(a: ComparisonHeader, runs: SimSummary[]) {
  const groups = byPolicy(runs);
  const seeds = [...new Set(runs.map((r) => r.seed))];
  return {
    scenario: a.scenario.name,
    seed: a.seed,
    seeds,
    durationSeconds: a.durationSeconds,
    runs: groups.map((g) => ({
      policy: g.policy,
      /** The mean over the seeds. */
      metrics: g.metrics,
      /** 95 % interval of the mean of each scalar metric (dotted names); null with one seed. */
      ci95: g.runs.length > 1 ? Object.fromEntries(Object.entries(summarizeSeeds(g.runs.map((r) => r.metrics))).map(([k, v]) => [k, v.ci95])) : null,
      simulatedEvents: g.runs.reduce((n, r) => n + r.simulatedEvents, 0),
      runFile: g.runs[0].runFile,
      runFiles: g.runs.flatMap((r) => (r.runFile ? [r.runFile] : [])),
      warnings: [...new Set(g.runs.flatMap((r) => r.warnings))],
    })),
  };
}

export function formatComparison(a: ComparisonHeader, runs: SimSummary[]): string {
  const groups = byPolicy(runs);
  const base = groups.find((g) => g.policy === 'vanilla-5.6') ?? groups[0];
  const seeds = new Set(runs.map((r) => r.seed)).size;
  const host = a.scenario.host;
  const lines = [
    `${a.scenario.name}: ${a.scenario.description}`,
    (seeds > 1
      ? `seeds ${a.seed}–${a.seed + seeds - 1} (means; ± the 95 % interval; Δ in brackets is inside the noise), ${a.durationSeconds} simulated s each; throughput = useful guest work in CPUs; Δ against ${base.policy}`
      : `seed ${a.seed}, ${a.durationSeconds} simulated s; throughput = useful guest work in CPUs; Δ against ${base.policy}`) +
      `; host ${host.pcpus} pCPUs, cpu cgroups ${host.groups}, tasks ${host.balance}`,
    '',
    'policy                   throughput    Δ     spin %   PLE exits     ΔPLE   yields   boosts  helpful  mismatch  lost-opp  overboost  unhelpful  fairness',
  ];
  for (const g of groups) {
    const m = g.metrics;
    const delta = (pick: (m: SimMetrics) => number) => deltaText(g, base, pick);
    lines.push(
      `${g.policy.padEnd(24)} ${m.throughput.toFixed(3).padStart(10)} ${delta((x) => x.throughput).padStart(6)} ${(m.spinTimeShare * 100).toFixed(1).padStart(8)} ${count(m.pleExits).padStart(11)} ${delta((x) => x.pleExits).padStart(8)} ${count(m.yieldAttempts).padStart(8)} ${count(m.boosts).padStart(8)} ${count(m.helpfulBoosts).padStart(8)} ${count(m.problems.schedulerMismatch).padStart(9)} ${count(m.problems.lostOpportunity).padStart(9)} ${count(m.problems.overboost).padStart(10)} ${count(m.problems.unhelpfulBoost).padStart(10)} ${m.fairness.toFixed(3).padStart(9)}`,
    );
    if (g.runs.length > 1) lines.push(`${''.padEnd(24)} ${intervals(g)}`);
  }
  lines.push(
    '',
    "mismatch: boosts the next pick on the target's queue passed over; lost-opp: spin waits whose awaited vCPU the user-mode filter skipped; unhelpful: boosts of a vCPU nobody waited for that was not woken from halt",
    ...inertDeboosterNote(a.scenario, groups.map((g) => g.policy)),
  );
  for (const r of runs) if (r.runFile) lines.push(`run file: ${r.runFile}`);
  return lines.join('\n') + '\n';
}

const count = (x: number) => String(Math.round(x));

/** Under libvirt's layout patch 0001 cannot act: say so beside its row's figures. */
function inertDeboosterNote(scenario: Scenario, policies: string[]): string[] {
  const lines: string[] = [];
  const blind = policies.filter((p) => {
    const policy = POLICIES.find((q) => q.name === p);
    return policy?.scheduler.debooster === 'patch-0001' && policy.onSpin !== 'oracle';
  });
  if (scenario.host.groups === 'libvirt' && blind.length > 0) {
    lines.push(`${blind.join(', ')}: patch 0001 deboosts only when yielder and target share a cfs_rq, never under libvirt's vcpuN groups, so it runs as without it here`);
  }
  return lines;
}

/** The change against the baseline in %, bracketed when the seeds cannot tell it from noise. */
function deltaText(g: PolicyRuns, base: PolicyRuns, pick: (m: SimMetrics) => number): string {
  const x = pick(g.metrics);
  const y = pick(base.metrics);
  if (!(y > 0)) return '-';
  const text = `${x >= y ? '+' : ''}${(((x - y) / y) * 100).toFixed(0)}%`;
  if (g === base) return text;
  const beyond = differsBeyondNoise(base.runs.map((r) => pick(r.metrics)), g.runs.map((r) => pick(r.metrics)));
  return beyond === false ? `(${text})` : text;
}

/** "± half-width" of the throughput and PAUSE exits. */
function intervals(g: PolicyRuns): string {
  const s = summarizeSeeds(g.runs.map((r) => r.metrics));
  const half = (key: string) => (s[key].ci95[1] - s[key].ci95[0]) / 2;
  const keys = Object.keys(scalarMetrics(g.metrics));
  const shown = ['throughput', 'pleExits'].filter((k) => keys.includes(k));
  return shown.map((k) => `${k} ± ${k === 'throughput' ? half(k).toFixed(3) : count(half(k))}`).join(', ');
}
