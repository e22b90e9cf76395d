// The what-if replay: how often replaying a simulated run's own policy reproduces the host's
// target (where the kernel that decided is known), and what replaying every policy costs on
// the benchmark trace beside its analysis.

import { analyzeTraceFile } from '../src/core/pipeline';
import { buildStateModel } from '../src/core/analysis/analyze';
import { replayTrace } from '../src/core/replay/replay';
import { POLICIES } from '../src/core/sim/policies';
import { builtinScenario } from '../src/core/sim/scenario';
import { simulate } from '../src/core/sim/simulator';

export const REPLAY_SCENARIOS = ['paper', 'lock-2vm', 'ipi-tlb'];
const AGREEMENT_SECONDS = 0.1;

/** Share of decisions where the run's own policy, replayed, boosts what the simulated host boosted. */
export function agreementTable(): { scenario: string; policy: string; decisions: number; agree: number }[] {
  const rows = [];
  for (const scenario of REPLAY_SCENARIOS) {
    for (const policy of POLICIES) {
      if (policy.onSpin !== 'directed' || policy.pv) continue;
      const run = simulate({ scenario: builtinScenario(scenario), policy, seed: 5, durationNs: AGREEMENT_SECONDS * 1e9, record: true });
      const r = replayTrace(buildStateModel(run.store!), { policies: [policy] }).policies[0];
      rows.push({ scenario, policy: policy.name, decisions: r.decisions, agree: r.agree });
    }
  }
  return rows;
}

/** Import + analysis, then the replay of every policy, on one trace. */
export async function replayCost(file: string): Promise<{ analysisMs: number; replayMs: number; decisions: number; policies: number }> {
  const t0 = process.hrtime.bigint();
  const analysis = await analyzeTraceFile(file);
  const t1 = process.hrtime.bigint();
  const r = replayTrace(analysis.session.model, { policies: POLICIES });
  const t2 = process.hrtime.bigint();
  return { analysisMs: Number(t1 - t0) / 1e6, replayMs: Number(t2 - t1) / 1e6, decisions: r.observed.length, policies: r.policies.length };
}
