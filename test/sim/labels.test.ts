// The simulator's ground-truth labels: scheduler mismatch judged at the pick after the boost
// (same-queue and cross-queue apart, with their denominator), lost opportunity once per spin
// wait, and every boost of a vCPU the spinner does not wait for named (overboost or unhelpful).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { simulate, type SimMetrics } from '../../src/core/sim/simulator';
import { builtinScenario } from '../../src/core/sim/scenario';
import { policyByName } from '../../src/core/sim/policies';

const metrics = (scenario: string, policy: string, seconds = 0.3, seed = 3): SimMetrics =>
  simulate({ scenario: builtinScenario(scenario), policy: policyByName(policy), seed, durationNs: seconds * 1e9 }).metrics;

test('every boost is helpful, an overboost or an unhelpful boost; mismatches are split by queue', () => {
  for (const scenario of ['paper', 'ipi-tlb', 'shared-rq']) {
    for (const policy of ['vanilla-5.6', 'vanilla-6.6', 'strict-boost', 'debooster', 'oracle']) {
      const m = metrics(scenario, policy, 0.15);
      const at = `${scenario}/${policy}`;
      assert.equal(m.helpfulBoosts + m.problems.overboost + m.problems.unhelpfulBoost, m.boosts, at);
      assert.equal(m.mismatchSameQueue + m.mismatchCrossQueue, m.problems.schedulerMismatch, at);
      assert.ok(m.mismatchSameQueue <= m.boostsSameQueue && m.mismatchCrossQueue <= m.boosts - m.boostsSameQueue, at);
      assert.ok(m.unhelpfulBoostSpinning <= m.problems.unhelpfulBoost, at);
      assert.ok(m.problems.lostOpportunity <= m.spinWaits, `${at}: lost opportunity is counted once per wait`);
    }
  }
});

test('the oracle boosts only awaited vCPUs: no overboost, no unhelpful boost, no lost opportunity', () => {
  const m = metrics('paper', 'oracle');
  assert.deepEqual([m.problems.overboost, m.problems.unhelpfulBoost, m.problems.lostOpportunity], [0, 0, 0]);
  assert.ok(m.boosts > 0);
});

test('EEVDF (6.6, NEXT_BUDDY off) passes over most cross-queue boosts at the pick; CFS honours most', () => {
  const cfs = metrics('paper', 'vanilla-5.6');
  const eevdf = metrics('paper', 'vanilla-6.6');
  const crossShare = (m: SimMetrics) => m.mismatchCrossQueue / (m.boosts - m.boostsSameQueue);
  assert.ok(crossShare(eevdf) > 0.5, `EEVDF ignored ${crossShare(eevdf)}`);
  assert.ok(crossShare(cfs) < 0.1, `CFS ignored ${crossShare(cfs)}`);
});

test('the Debooster (0001) cuts same-queue mismatches at the pick', () => {
  const vanilla = metrics('shared-rq', 'vanilla-5.6', 0.5);
  const deboost = metrics('shared-rq', 'debooster', 0.5);
  assert.ok(vanilla.mismatchSameQueue > 100, String(vanilla.mismatchSameQueue));
  assert.ok(deboost.mismatchSameQueue < 0.7 * vanilla.mismatchSameQueue, `${deboost.mismatchSameQueue} vs ${vanilla.mismatchSameQueue}`);
});

test('most of vanilla\'s boosts help nobody, and they are named', () => {
  const m = metrics('paper', 'vanilla-5.6');
  assert.ok(m.problems.unhelpfulBoost > 0.5 * m.boosts, `${m.problems.unhelpfulBoost} of ${m.boosts}`);
  assert.ok(m.unhelpfulBoostSpinning > 0.5 * m.problems.unhelpfulBoost, 'most go to vCPUs that wait themselves');
});

test('warm-up: nothing of it is measured or recorded; a longer warm-up changes the figures, the measured length stays', () => {
  const scenario = builtinScenario('lock-2vm');
  const policy = policyByName('vanilla-5.6');
  const r = simulate({ scenario, policy, seed: 1, durationNs: 0.05e9, warmupNs: 0.03e9, record: true });
  assert.equal(r.durationNs, 0.05e9);
  const store = r.store!;
  assert.ok(store.length > 0);
  assert.ok(store.ts[0] >= 0.03e9, `first recorded event at ${store.ts[0]} ns, inside the warm-up`);
  assert.ok(store.ts[store.length - 1] <= 0.08e9);
  const cold = simulate({ scenario, policy, seed: 1, durationNs: 0.05e9, warmupNs: 0 });
  assert.notEqual(cold.metrics.pleExits, r.metrics.pleExits);
});

test('a run whose halves differ is flagged as not stationary', () => {
  // Measured from time 0 with no warm-up, the start-up transient of 2 ms dominates.
  const r = simulate({ scenario: builtinScenario('paper'), policy: policyByName('vanilla-5.6'), seed: 1, durationNs: 2e6, warmupNs: 0 });
  const steady = simulate({ scenario: builtinScenario('paper'), policy: policyByName('vanilla-5.6'), seed: 1, durationNs: 0.3e9 });
  assert.ok(r.warnings.some((w) => w.startsWith('not stationary')), JSON.stringify(r.warnings));
  assert.deepEqual(steady.warnings.filter((w) => w.startsWith('not stationary')), []);
});
