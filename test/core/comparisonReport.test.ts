// The comparison as Markdown (what Run Simulation… opens): the view's figures, intervals and
// changes, untrusted labels escaped so that they neither format nor break the table.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { buildComparisonModel, rowFromSeeds, rowFromSimulation } from '../../src/core/analysis/comparison';
import { comparisonMarkdown, escapeMarkdownText } from '../../src/core/analysis/comparisonReport';
import { formatHalfWidth, metricDelta } from '../../src/shared/comparisonFormat';
import type { SimMetrics } from '../../src/core/sim/simulator';

const metrics = (throughput: number, pleExits: number): SimMetrics => ({
  throughput, spinTimeShare: 0.1, pleExits, yieldAttempts: pleExits, boosts: pleExits / 2, esrch: 0, decisions: pleExits, helpfulBoosts: pleExits / 4,
  boostsSameQueue: 0, mismatchSameQueue: 0, mismatchCrossQueue: 0, unhelpfulBoostSpinning: 0, spinWaits: 10, continuousPleEpisodes: 1,
  problems: { schedulerMismatch: 0, lostOpportunity: 0, overboost: 0, unhelpfulBoost: 0 }, fairness: 1, perVm: [],
});

test('metricDelta: a change inside the noise is bracketed and judged neither better nor worse', () => {
  assert.deepEqual(metricDelta(12, 10, true), { text: '+20 %', verdict: 'better' });
  assert.deepEqual(metricDelta(12, 10, false, true), { text: '+20 %', verdict: 'worse' });
  assert.deepEqual(metricDelta(12, 10, true, false), { text: '(+20 %)', verdict: 'noise' });
  assert.deepEqual(metricDelta(10, 10, true, false), { text: '±0 %', verdict: 'same' });
  assert.equal(metricDelta(null, 10, true), null);
  assert.equal(formatHalfWidth([0.1, 0.3], 'percent'), '± 10.0');
  assert.equal(formatHalfWidth(null, 'ratio'), '');
});

test('the Markdown comparison: one column per run, ± intervals, bracketed noise, labels escaped', () => {
  const seeds = (policy: string, xs: Array<[number, number]>) =>
    rowFromSeeds(policy, policy === 'evil' ? '| x | <img src=x> *b*' : `paper / ${policy} / seeds 1–3`, xs.map(([t, p], i) => rowFromSimulation(`${policy}${i}`, 's', 1e9, metrics(t, p), { scenario: 'paper', policy })));
  const rows = [seeds('vanilla-5.6', [[9, 990], [10, 1000], [11, 1010]]), seeds('evil', [[9.5, 390], [10.5, 400], [11.5, 410]])];
  const md = comparisonMarkdown(buildComparisonModel(rows, ['evil', 'vanilla-5.6'], null), { title: 'paper: simulated comparison', lines: ['# not a heading', 'seeds 1–3'] });
  const lines = md.split('\n');
  assert.equal(lines[0], '# paper: simulated comparison');
  assert.equal(lines[2], '\\# not a heading');
  assert.equal(lines.find((l) => l.startsWith('| metric')), '| metric | \\| x \\| \\<img src=x\\> \\*b\\* | paper / vanilla-5.6 / seeds 1–3 |');
  // mean 10.5 ± 2.484, +5 % inside the noise; the baseline 10.000 ± 2.484.
  assert.equal(lines.find((l) => l.startsWith('| Throughput')), '| Throughput (CPUs) | 10.500 ± 2.484 (+5.0 %) | 10.000 ± 2.484 |');
  assert.equal(lines.find((l) => l.startsWith('| PLE exits/s')), '| PLE exits/s | 400 ± 25 -60 % | 1,000 ± 25 |');
  assert.match(md, /Changes are against paper \/ vanilla-5\.6 \/ seeds 1–3 \(the default: vanilla-5\.6 of the scenario, else the first simulated run\); ± is half the 95 % interval/);
  assert.equal(escapeMarkdownText('a\nb|c'), 'a b\\|c');
  assert.equal(escapeMarkdownText('1. item'), '1\\. item');
});
