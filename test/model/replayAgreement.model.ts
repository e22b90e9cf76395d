// Simulator runs of three scenarios under five policies, replayed under the policy the host ran:
// the replay must reproduce the host's target. Many simulated runs, so they run in
// `npm run test:model` (CI runs it after `npm test`).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { replayRun } from '../support/replayRuns';

for (const scenario of ['paper', 'lock-2vm', 'ipi-tlb']) {
  test(`${scenario}: replaying the run's own policy reproduces the host's target for at least 95 % of decisions`, () => {
    for (const policy of ['vanilla-5.6', 'vanilla-6.6', 'vanilla-6.19', 'strict-boost', 'debooster']) {
      const { share, decisions, boosts } = replayRun(scenario, policy);
      assert.ok(decisions > 1000 && boosts > 500, `${policy}: ${decisions} decisions, ${boosts} boosts`);
      assert.ok(share >= 0.95, `${scenario}/${policy}: ${(share * 100).toFixed(1)} %`);
    }
  });
}
