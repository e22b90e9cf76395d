// The seed talk's three problems on paper, two seeds, every policy against the oracle: many
// simulated seconds, so they run in `npm run test:model` (CI runs it after `npm test`).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { POLICY_NAMES } from '../../src/core/sim/policies';
import { cachedRun as run } from '../support/simRuns';

for (const seed of [1, 2]) {
  test(`paper, seed ${seed}: the three problems on 5.6 and what each fix does`, () => {
    const vanilla = run('paper', 'vanilla-5.6', seed).metrics;
    assert.ok(vanilla.problems.schedulerMismatch > 0 && vanilla.problems.lostOpportunity > 0 && vanilla.problems.overboost > 0, JSON.stringify(vanilla.problems));
    const strict = run('paper', 'strict-boost', seed).metrics;
    assert.ok(strict.problems.lostOpportunity < vanilla.problems.lostOpportunity / 10);
    assert.ok(strict.problems.overboost < vanilla.problems.overboost / 2);
    const both = run('paper', 'strict-boost+debooster', seed).metrics;
    assert.ok(both.pleExits < vanilla.pleExits * 0.5, `PLE exits ${both.pleExits} vs ${vanilla.pleExits}`);
    assert.ok(both.throughput > vanilla.throughput * 1.1);
    const oracle = run('paper', 'oracle', seed).metrics;
    for (const p of POLICY_NAMES) assert.ok(oracle.throughput >= run('paper', p, seed).metrics.throughput, `oracle vs ${p}`);
  });
}
