// Issue 15's "What it must show": the claims behind README's "who gets the credit", each judged
// over three seeds with 95 % intervals (src/core/sim/seeds.ts) rather than on one run. Short
// runs (0.2 s) so the file stays within a minute of CPU in `npm run test:model`.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { POLICY_NAMES, policyByName } from '../../src/core/sim/policies';
import { builtinScenario } from '../../src/core/sim/scenario';
import { simulate, type SimMetrics } from '../../src/core/sim/simulator';
import { differenceCi95, differsBeyondNoise, meanCi95, scalarMetrics } from '../../src/core/sim/seeds';
import { cachedRun } from '../support/simRuns';

const SEEDS = [1, 2, 3];
const SECONDS = 0.2;

function seedRuns(scenario: string, policy: string): SimMetrics[] {
  return SEEDS.map((seed) => cachedRun(scenario, policy, seed, SECONDS).metrics);
}

/** One scalar metric ('pleExits', 'problems.overboost', …) of every seed. */
function column(runs: readonly SimMetrics[], metric: string): number[] {
  return runs.map((m) => scalarMetrics(m)[metric]);
}

const mean = (xs: readonly number[]) => meanCi95(xs).mean;

test('paper: vanilla-5.6 shows all three problems, each with an interval above 0', () => {
  const vanilla = seedRuns('paper', 'vanilla-5.6');
  for (const problem of ['schedulerMismatch', 'lostOpportunity', 'overboost']) {
    const { mean: m, ci95 } = meanCi95(column(vanilla, `problems.${problem}`));
    assert.ok(ci95[0] > 0, `${problem}: ${m.toFixed(0)} [${ci95.map((x) => x.toFixed(0)).join(', ')}]`);
  }
});

test('paper: Strict Boost halves lost opportunity, overboost and PAUSE exits, and gains throughput beyond the noise', () => {
  const vanilla = seedRuns('paper', 'vanilla-5.6');
  const strict = seedRuns('paper', 'strict-boost');
  for (const metric of ['problems.lostOpportunity', 'problems.overboost', 'pleExits']) {
    const before = mean(column(vanilla, metric));
    const after = mean(column(strict, metric));
    assert.ok(after <= before * 0.5, `${metric}: ${after.toFixed(0)} vs ${before.toFixed(0)} (${((after / before - 1) * 100).toFixed(1)} %)`);
  }
  const gain = differenceCi95(column(vanilla, 'throughput'), column(strict, 'throughput'));
  assert.ok(gain && gain[0] > 0, `throughput gain interval ${JSON.stringify(gain)}`);
});

/** case-mismatch under a cgroup layout other than its own. */
function caseMismatchRun(policy: string, seed: number, groups: 'flat' | 'libvirt'): SimMetrics {
  const base = builtinScenario('case-mismatch');
  const scenario = { ...base, host: { ...base.host, groups } };
  return simulate({ scenario, policy: policyByName(policy), seed, durationNs: SECONDS * 1e9 }).metrics;
}

test('case-mismatch: the Debooster (0001, flat) cuts same-queue mismatches at the pick by at least 30 %', () => {
  const vanilla = SEEDS.map((seed) => caseMismatchRun('vanilla-5.6', seed, 'flat').mismatchSameQueue);
  const deboost = SEEDS.map((seed) => caseMismatchRun('debooster', seed, 'flat').mismatchSameQueue);
  assert.ok(mean(vanilla) > 0, `vanilla mismatches ${vanilla}`);
  assert.ok(mean(deboost) <= mean(vanilla) * 0.7, `debooster ${deboost} vs vanilla ${vanilla}`);
  const cut = differenceCi95(vanilla, deboost);
  assert.ok(cut && cut[1] < 0, `difference interval ${JSON.stringify(cut)}`);
});

test("case-mismatch under libvirt's vcpuN groups: patch 0001 never shares a cfs_rq, so its run is vanilla-5.6's", () => {
  for (const seed of SEEDS) {
    assert.deepEqual(caseMismatchRun('debooster', seed, 'libvirt'), caseMismatchRun('vanilla-5.6', seed, 'libvirt'));
  }
});

for (const scenario of ['paper', 'lock-2vm', 'ipi-tlb']) {
  test(`${scenario}: the oracle's throughput is not below any VM-agnostic policy's beyond the noise`, () => {
    const oracle = column(seedRuns(scenario, 'oracle'), 'throughput');
    for (const policy of POLICY_NAMES) {
      const edge = differenceCi95(column(seedRuns(scenario, policy), 'throughput'), oracle);
      if (scenario === 'ipi-tlb' && policy === 'pv-spinlock') {
        // Contradicts the "the oracle is at least as good as every policy": the oracle
        // bounds directed yield only. pv-spinlock is not VM-agnostic: the waiting IPI sender
        // halts after SPIN_THRESHOLD and is kicked, so it gives its pCPU away instead of
        // spinning and PLE-exiting, which beats the best possible boost on a TLB-shootdown guest
        // (measured, 3 seeds of 0.2 s: oracle − pv-spinlock −0.77 to −0.61 CPUs).
        assert.ok(edge && edge[1] < 0, `oracle − ${policy}: ${JSON.stringify(edge)}`);
        continue;
      }
      assert.ok(edge && edge[1] >= 0, `oracle − ${policy}: ${JSON.stringify(edge)}`);
    }
  });
}

test('undercommit: no policy differs from vanilla-5.6 in throughput beyond the noise', () => {
  const vanilla = column(seedRuns('undercommit', 'vanilla-5.6'), 'throughput');
  for (const policy of POLICY_NAMES) {
    const other = column(seedRuns('undercommit', policy), 'throughput');
    assert.equal(differsBeyondNoise(vanilla, other), false, `${policy}: ${JSON.stringify(differenceCi95(vanilla, other))}`);
  }
});
