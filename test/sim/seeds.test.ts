// Means, 95 % intervals and the beyond-the-noise test, checked against hand-computed values.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { differenceCi95, differsBeyondNoise, meanCi95, summarizeSeeds, t975 } from '../../src/core/sim/seeds';
import { simulate } from '../../src/core/sim/simulator';
import { builtinScenario } from '../../src/core/sim/scenario';
import { policyByName } from '../../src/core/sim/policies';

const close = (a: number, b: number, eps = 1e-3) => assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);

test('t quantiles: table values and the expansion beyond 30 degrees of freedom', () => {
  assert.equal(t975(1), 12.706);
  assert.equal(t975(4.7), 2.776, 'fractional df rounds down');
  close(t975(40), 2.021);
  close(t975(120), 1.98);
  assert.equal(t975(0), Infinity);
});

test('mean and interval of 2, 4, 4, 4, 5, 5, 7, 9: s = 2.138, half-width t(7) · s / √8 = 1.787', () => {
  const r = meanCi95([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.equal(r.mean, 5);
  close(r.ci95[0], 5 - 1.7875);
  close(r.ci95[1], 5 + 1.7875);
  assert.deepEqual(meanCi95([3]).ci95, [3, 3]);
});

test('Welch: a shift of 10 over noise of ±1 is beyond the noise; a shift of 0.5 is not', () => {
  const a = [10, 11, 9, 10, 11, 9];
  assert.equal(differsBeyondNoise(a, a.map((x) => x + 10)), true);
  assert.equal(differsBeyondNoise(a, a.map((x) => x + 0.5)), false);
  assert.equal(differsBeyondNoise([1], [2, 3]), null, 'one seed says nothing about the noise');
  // Hand-computed: means 10 and 20, variances 0.8 each, n = 6: se = √(0.8/6·2) = 0.5164, df = 10, t = 2.228.
  const ci = differenceCi95(a, a.map((x) => x + 10))!;
  close(ci[0], 10 - 2.228 * 0.5164);
  close(ci[1], 10 + 2.228 * 0.5164);
});

test('seeds of a real run: every scalar metric summarised, intervals contain their means', () => {
  const runs = [1, 2, 3].map((seed) =>
    simulate({ scenario: builtinScenario('lock-2vm'), policy: policyByName('vanilla-5.6'), seed, durationNs: 0.03e9 }).metrics,
  );
  const s = summarizeSeeds(runs);
  for (const key of ['throughput', 'pleExits', 'boosts', 'problems.schedulerMismatch', 'problems.unhelpfulBoost']) {
    assert.ok(s[key], key);
    assert.ok(s[key].ci95[0] <= s[key].mean && s[key].mean <= s[key].ci95[1], key);
  }
  close(s.pleExits.mean, runs.reduce((a, m) => a + m.pleExits, 0) / 3);
});
