// The comparison view bundle in a real browser (Debian's Chromium via playwright-core): both
// charts drawn, the table filled with changes against the baseline, run labels shown as text,
// the picker and the exports posting the right messages, no CSP violation.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/core/analysis/analyze';
import { buildComparisonModel, COMPARISON_METRICS, rowFromAnalysis, rowFromSimulation } from '../../src/core/analysis/comparison';
import { importTraceText } from '../../src/core/trace/textImporter';
import { parseComparisonMessage } from '../../src/shared/protocol';
import type { SimMetrics } from '../../src/core/sim/simulator';
import { fixture, ROOT } from '../support/paths';
import { drawnPixels, noBrowser, openWebviewPage } from '../support/webviewPage';

const EVIL = '<img src=x onerror=window.__pwned=1>.report';

const metrics = (throughput: number, pleExits: number, boosts: number, helpful: number): SimMetrics => ({
  throughput,
  spinTimeShare: pleExits / 20000,
  pleExits,
  yieldAttempts: pleExits,
  boosts,
  esrch: 50,
  decisions: pleExits,
  helpfulBoosts: helpful,
  spinWaits: pleExits / 5,
  continuousPleEpisodes: pleExits / 10,
  boostsSameQueue: 0,
  mismatchSameQueue: 0,
  mismatchCrossQueue: boosts - helpful,
  unhelpfulBoostSpinning: 0,
  problems: { schedulerMismatch: boosts - helpful, lostOpportunity: 40, overboost: 30, unhelpfulBoost: boosts - helpful - 30 },
  fairness: 0.99,
  perVm: [
    { name: 'a', vcpus: 8, throughput: throughput / 2, cpuShare: 4, spinTimeShare: 0.1, pleExits: pleExits / 2, operations: 1 },
    { name: 'b', vcpus: 8, throughput: throughput / 2, cpuShare: 4, spinTimeShare: 0.1, pleExits: pleExits / 2, operations: 1 },
  ],
});

test('comparison view in Chromium', { skip: noBrowser() }, async () => {
  const { store } = importTraceText(readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8'));
  const rows = [
    rowFromSimulation('run:vanilla', 'paper / vanilla-5.6 / seed 1', 1e9, metrics(8, 2000, 1500, 300)),
    rowFromSimulation('run:strict', 'paper / strict-boost+debooster / seed 1', 1e9, metrics(10, 800, 600, 450)),
    rowFromAnalysis('file:/evil', EVIL, analyze(store), 2),
  ];
  const model = buildComparisonModel(rows, ['run:vanilla', 'run:strict', 'file:/evil'], 'run:vanilla');
  const { lease, tab, errors, posted, violations } = await openWebviewPage('comparison', { width: 420, height: 2200 });
  try {
    await tab.evaluate((m) => window.postMessage({ type: 'comparison', model: m }, '*'), model);
    await tab.waitForSelector('canvas');
    assert.equal(await tab.locator('canvas[role="img"][aria-label]').count(), 2);
    const drawn = await drawnPixels(tab);
    assert.ok(drawn.every((n) => n > 200), `drawn pixels per canvas: ${drawn}`);
    // Runs: three checkboxes, all picked; the baseline picker lists the picked runs.
    assert.equal(await tab.locator('fieldset.runs input[type=checkbox]:checked').count(), 3);
    assert.equal(await tab.locator('select[aria-label="Baseline run"] option').count(), 3);
    // The table: one row per metric plus the raw counts; changes against the baseline.
    const table = tab.locator('table.compare');
    assert.equal(await table.locator('thead th').count(), 4);
    assert.equal(await table.locator('tbody tr').count(), COMPARISON_METRICS.length + 11);
    const throughputCells = await table.locator('tbody tr').first().locator('td').allTextContents();
    // A host trace cannot judge throughput: "not judged" and why, not a dash.
    assert.deepEqual(throughputCells, ['8.000', '10.000 +25 %', 'not judged — a host trace cannot see guest progress (simulator only)']);
    assert.equal(await table.locator('tbody tr').first().locator('.delta.better').count(), 1);
    const pleCells = await table.locator('tbody tr').nth(2).locator('td').allTextContents();
    assert.deepEqual(pleCells, ['2,000', '800 -60 %', '995 -50 %']); // the trace: 4 exits in 4.02 ms
    assert.equal(await table.locator('tbody tr').nth(2).locator('.delta.better').count(), 2);
    // The hostile label is text everywhere.
    assert.ok((await table.locator('thead').textContent())!.includes(EVIL));
    assert.ok((await tab.locator('fieldset.runs').textContent())!.includes(EVIL));
    assert.equal(await tab.locator('#app img').count(), 0);
    assert.equal(await tab.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);

    // Another metric: the choice is kept in the webview state, the chart redrawn.
    await tab.locator('select[aria-label="Metric to chart"]').selectOption('overboostPerSecond');
    assert.equal(await tab.evaluate(() => (window as unknown as { __state: { metricKey: string } }).__state.metricKey), 'overboostPerSecond');
    assert.equal(await tab.locator('canvas').count(), 2);
    assert.ok((await drawnPixels(tab)).every((n) => n > 200));
    // Unpick the trace (keyboard: focus the checkbox, press space): the new selection is posted.
    await tab.locator('fieldset.runs input[type=checkbox]').nth(2).focus();
    await tab.keyboard.press('Space');
    const messages = await posted();
    assert.deepEqual(messages.filter((m) => m.type === 'selectRuns'), [{ type: 'selectRuns', ids: ['run:vanilla', 'run:strict'], baseline: 'run:vanilla' }]);
    // Export PNG: a real PNG of both charts, which the host-side validator accepts.
    await tab.locator('vscode-button', { hasText: 'Export PNG' }).click();
    await tab.locator('vscode-button', { hasText: 'Export CSV' }).click();
    const afterExport = await posted();
    const png = afterExport.find((m) => m.type === 'exportPng') as { type: 'exportPng'; dataUrl: string };
    assert.ok(parseComparisonMessage(png));
    const bytes = Buffer.from(png.dataUrl.split(',')[1], 'base64');
    assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    assert.ok(afterExport.some((m) => m.type === 'exportCsv'));
    assert.deepEqual(await violations(), []);
    assert.deepEqual(errors, []);
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    writeFileSync(join(ROOT, 'test-results', 'comparison-export.png'), bytes);
    await tab.screenshot({ path: join(ROOT, 'test-results', 'comparison.png'), fullPage: true });

    // Nothing picked: a hint, no charts; a notice from the host shows as a status line.
    await tab.evaluate((m) => window.postMessage({ type: 'comparison', model: m }, '*'), buildComparisonModel(rows, [], null));
    await tab.waitForSelector('text=Pick two runs or more');
    assert.equal(await tab.locator('canvas').count(), 0);
    await tab.evaluate(() => window.postMessage({ type: 'notice', message: 'Saved comparison.csv' }, '*'));
    assert.equal(await tab.locator('[role=status]').textContent(), 'Saved comparison.csv');
  } finally {
    await lease.close();
  }
});
