// The comparison of simulated runs: the JSON of `kvm-spin simulate --json` and the table
// printed by the CLI and shown by the extension.

import type { Scenario } from './scenario';
import type { SimSummary } from './run';

export interface ComparisonHeader {
  scenario: Scenario;
  seed: number;
  durationSeconds: number;
}

export function toSimulateJson(a: ComparisonHeader, runs: SimSummary[]) {
  return {
    scenario: a.scenario.name,
    seed: a.seed,
    durationSeconds: a.durationSeconds,
    runs: runs.map((r) => ({
      policy: r.policy,
      metrics: r.metrics,
      simulatedEvents: r.simulatedEvents,
      runFile: r.runFile,
      warnings: r.warnings,
    })),
  };
}

export function formatComparison(a: ComparisonHeader, runs: SimSummary[]): string {
  const base = runs.find((r) => r.policy === 'vanilla-5.6') ?? runs[0];
  const lines = [
    `${a.scenario.name}: ${a.scenario.description}`,
    `seed ${a.seed}, ${a.durationSeconds} simulated s; throughput = useful guest work in CPUs; Δ against ${base.policy}`,
    '',
    'policy                   throughput    Δ     spin %   PLE exits     ΔPLE   yields   boosts  helpful  mismatch  lost-opp  overboost  unhelpful  fairness',
  ];
  for (const r of runs) {
    const m = r.metrics;
    const d = (x: number, y: number) => (y > 0 ? `${x >= y ? '+' : ''}${(((x - y) / y) * 100).toFixed(0)}%` : '-');
    lines.push(
      `${r.policy.padEnd(24)} ${m.throughput.toFixed(3).padStart(10)} ${d(m.throughput, base.metrics.throughput).padStart(6)} ${(m.spinTimeShare * 100).toFixed(1).padStart(8)} ${String(m.pleExits).padStart(11)} ${d(m.pleExits, base.metrics.pleExits).padStart(8)} ${String(m.yieldAttempts).padStart(8)} ${String(m.boosts).padStart(8)} ${String(m.helpfulBoosts).padStart(8)} ${String(m.problems.schedulerMismatch).padStart(9)} ${String(m.problems.lostOpportunity).padStart(9)} ${String(m.problems.overboost).padStart(10)} ${String(m.problems.unhelpfulBoost).padStart(10)} ${m.fairness.toFixed(3).padStart(9)}`,
    );
  }
  lines.push(
    '',
    "mismatch: boosts the next pick on the target's queue passed over; lost-opp: spin waits whose awaited vCPU the user-mode filter skipped; unhelpful: boosts of a vCPU nobody waited for that was not woken from halt",
  );
  for (const r of runs) if (r.runFile) lines.push(`run file: ${r.runFile}`);
  return lines.join('\n') + '\n';
}
