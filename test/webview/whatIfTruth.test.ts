// With guest events the What-if table gains a "helpful (of judged)" column, the host's own
// decisions on a first row, and the comparison view's replay rows a helpful share; a policy
// the guest's events judge nowhere says "not judged", never 0.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildDashboard } from '../../src/core/analysis/viewModel';
import { analyze, buildStateModel } from '../../src/core/analysis/analyze';
import { buildComparisonModel, rowFromAnalysis } from '../../src/core/analysis/comparison';
import { importTraceText } from '../../src/core/trace/textImporter';
import { ReplayCache } from '../../src/core/replay/replayCache';
import { comparisonReplay, replaySummary } from '../../src/core/replay/replayViews';
import type { ReplaySummary, ReplayTruthRow } from '../../src/shared/protocol';
import { fixture } from '../support/paths';
import { noBrowser, openWebviewPage } from '../support/webviewPage';

const truth = (judged: number, helpful: number): ReplayTruthRow => ({ judged, helpful, overboost: 0, unhelpful: judged - helpful, noBoost: 0, helpfulShare: judged > 0 ? helpful / judged : null });

function judgedSummary(): { dashboard: ReturnType<typeof buildDashboard>; summary: ReplaySummary } {
  const { store } = importTraceText(readFileSync(fixture('replay/user-mode-ipi.txt'), 'utf8'));
  const dashboard = buildDashboard(store, { title: 'user-mode-ipi.txt', format: 'ftrace', bins: 50 });
  const real = replaySummary(new ReplayCache(buildStateModel(store)).get('kernel'), 'kernel');
  const summary: ReplaySummary = {
    ...real,
    decisions: 4,
    observedTruth: truth(4, 1),
    policies: [
      { policy: 'vanilla-5.6', decisions: 4, agree: 4, other: 0, none: 0, esrch: 0, shares: { agree: 1, other: 0, none: 0, esrch: 0 }, truth: truth(4, 1) },
      { policy: 'vanilla-6.19', decisions: 4, agree: 1, other: 3, none: 0, esrch: 0, shares: { agree: 0.25, other: 0.75, none: 0, esrch: 0 }, truth: truth(0, 0) },
    ],
  };
  return { dashboard, summary };
}

test('What if table with guest truth in Chromium: a helpful column, the host first', { skip: noBrowser() }, async () => {
  const { dashboard, summary } = judgedSummary();
  const { lease, tab, errors, posted } = await openWebviewPage('traceEditor', { width: 1100, height: 1600 });
  try {
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), dashboard);
    const panel = tab.locator('[data-panel="whatif"]');
    await panel.waitFor();
    const id = ((await posted()) as { type: string; id?: number }[]).filter((m) => m.type === 'replay').at(-1)!.id!;
    await tab.evaluate(([s, i]) => window.postMessage({ type: 'replay', id: i, summary: s }, '*'), [summary, id] as const);
    await tab.waitForSelector('[data-panel="whatif"][data-renders="1"]');
    const head = await panel.locator('table.data thead th').allTextContents();
    assert.equal(head.at(-1), 'helpful (of judged)');
    const rows = await panel.locator('table.data tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    assert.deepEqual(rows, [
      ['host (observed)', '4', '', '', '', '', '1 (25.0 %) of 4'],
      ['vanilla-5.6', '4', '4 (100.0 %)', '0 (0.0 %)', '0 (0.0 %)', '0 (0.0 %)', '1 (25.0 %) of 4'],
      ['vanilla-6.19', '4', '1 (25.0 %)', '3 (75.0 %)', '0 (0.0 %)', '0 (0.0 %)', 'not judged'],
    ]);
    assert.deepEqual(errors, []);
  } finally {
    await lease.close();
  }
});

test('comparison replay rows with guest truth in Chromium: a helpful share beside the host', { skip: noBrowser() }, async () => {
  const { store } = importTraceText(readFileSync(fixture('replay/user-mode-ipi.txt'), 'utf8'));
  const replay = comparisonReplay(judgedSummary().summary);
  const model = buildComparisonModel([{ ...rowFromAnalysis('file:/t', 't.txt', analyze(store), 3), replay }], ['file:/t'], null);
  const { lease, tab, errors } = await openWebviewPage('comparison', { width: 800, height: 2400 });
  try {
    await tab.evaluate((m) => window.postMessage({ type: 'comparison', model: m }, '*'), model);
    const panel = tab.locator('[data-panel="replay"]');
    await panel.waitFor();
    const rows = await panel.locator('table.replay tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    assert.deepEqual(rows, [
      ['t.txt', 'host (observed)', '', '', '', '', '25.0 %'],
      ['t.txt', 'vanilla-5.6', '4', '100.0 %', '0.0 %', '0.0 %', '25.0 %'],
      ['t.txt', 'vanilla-6.19', '4', '25.0 %', '75.0 %', '0.0 %', 'not judged'],
    ]);
    assert.deepEqual(errors, []);
  } finally {
    await lease.close();
  }
});
