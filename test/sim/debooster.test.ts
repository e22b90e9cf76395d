// Where the Debooster acts and where it cannot (issue 15): on case-mismatch it cuts the
// same-queue mismatches at the pick, patch 0001 is inert under libvirt's vcpuN groups while
// the RFC form is not, and on an undercommitted host it changes nothing beyond the noise.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { builtinScenario, type Scenario } from '../../src/core/sim/scenario';
import { policyByName } from '../../src/core/sim/policies';
import { simulate, type SimMetrics } from '../../src/core/sim/simulator';
import { differsBeyondNoise, meanCi95 } from '../../src/core/sim/seeds';
import type { GroupLayout } from '../../src/core/sim/host/groups';

const SEEDS = [1, 2, 3];
const DURATION_NS = 150e6;

function scenario(name: string, groups: GroupLayout): Scenario {
  const s = builtinScenario(name);
  return { ...s, host: { ...s.host, groups } };
}

function runs(s: Scenario, policy: string): SimMetrics[] {
  return SEEDS.map((seed) => simulate({ scenario: s, policy: policyByName(policy), seed, durationNs: DURATION_NS }).metrics);
}

/** The policy cuts `pick` by at least `share` of the baseline: its interval's top below (1 - share) × the baseline's mean, beyond the noise. */
function assertCuts(base: SimMetrics[], policy: SimMetrics[], pick: (m: SimMetrics) => number, share: number, what: string): void {
  const b = meanCi95(base.map(pick));
  const p = meanCi95(policy.map(pick));
  assert.ok(b.mean > 20, `${what}: the baseline has something to cut (${b.mean})`);
  assert.ok(p.ci95[1] <= (1 - share) * b.mean, `${what}: ${p.mean} [${p.ci95.join(', ')}] is not ${share * 100} % below ${b.mean}`);
  assert.equal(differsBeyondNoise(base.map(pick), policy.map(pick)), true, `${what}: inside the noise`);
}

const sameQueue = (m: SimMetrics) => m.mismatchSameQueue;

test('case-mismatch, flat: the Debooster (0001) cuts same-queue mismatches at the pick by at least 30 %; the RFC form matches it', () => {
  const s = scenario('case-mismatch', 'flat');
  const vanilla = runs(s, 'vanilla-5.6');
  const debooster = runs(s, 'debooster');
  assertCuts(vanilla, debooster, sameQueue, 0.3, 'debooster');
  assert.ok(vanilla.every((m) => m.boostsSameQueue > 0));
  // On a flat host the lowest common cfs_rq is the one they share: the same deboost.
  assert.deepEqual(runs(s, 'debooster-rfc'), debooster);
});

test('case-mismatch under libvirt: patch 0001 never acts (its run is vanilla\'s, metric for metric); the RFC still cuts the mismatches', () => {
  const s = scenario('case-mismatch', 'libvirt');
  const vanilla = runs(s, 'vanilla-5.6');
  assert.deepEqual(runs(s, 'debooster'), vanilla);
  assertCuts(vanilla, runs(s, 'debooster-rfc'), sameQueue, 0.3, 'debooster-rfc');
});

test('undercommit: neither Debooster differs from vanilla beyond the noise', () => {
  const s = scenario('undercommit', 'flat');
  const vanilla = runs(s, 'vanilla-5.6');
  for (const policy of ['debooster', 'debooster-rfc']) {
    const other = runs(s, policy);
    for (const pick of [(m: SimMetrics) => m.throughput, (m: SimMetrics) => m.pleExits]) {
      assert.notEqual(differsBeyondNoise(vanilla.map(pick), other.map(pick)), true, `${policy} differs on undercommit`);
    }
  }
});

test('asym-fairness: Jain\'s index is below 1 (unlike VMs), and each VM\'s share is reported', () => {
  const m = simulate({ scenario: scenario('asym-fairness', 'flat'), policy: policyByName('vanilla-5.6'), seed: 1, durationNs: 50e6 }).metrics;
  assert.ok(m.fairness < 0.97, `fairness ${m.fairness}`);
  assert.deepEqual(m.perVm.map((v) => v.name), ['spinning', 'cpu-bound']);
});
