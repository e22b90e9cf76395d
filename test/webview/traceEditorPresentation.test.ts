// The dashboard's presentation in Chromium: bin widths with an SI prefix ("per 5.86 µs", it
// was "per 0.00586 ms"), every axis titled and time axes ending with the data, the PLE window
// per VM or vCPU, and the problem definitions reachable by keyboard.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildDashboard } from '../../src/core/analysis/viewModel';
import { importTraceText } from '../../src/core/trace/textImporter';
import { fixture } from '../support/paths';
import { drawnPixels, noBrowser, openWebviewPage } from '../support/webviewPage';

// 4,020,001 ns in 686 bins: 5,861 ns each.
const model = () => buildDashboard(importTraceText(readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8')).store, { title: 't.txt', format: 'ftrace', bins: 686 });
const axes = (tab: import('playwright-core').Page) =>
  tab.locator('#app canvas').evaluateAll((cs) => cs.map((c) => ({ x: c.getAttribute('data-x-title'), y: c.getAttribute('data-y-title'), xMax: c.getAttribute('data-x-max') })));

test('trace editor: bin widths in µs or kcycles, every axis titled, time axes end with the data', { skip: noBrowser() }, async () => {
  const m = model();
  assert.equal(m.pleExitsOverTime.binNs, 5861);
  const { lease, tab, errors } = await openWebviewPage('traceEditor', { width: 1100, height: 1800 });
  try {
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), m);
    await tab.waitForSelector('#app canvas');
    const a = await axes(tab);
    assert.deepEqual(a.map((x) => [x.x, x.y]), [
      ['vCPU', 'time (ms)'],
      ['time from the trace start (ms)', 'PAUSE exits per 5.86 µs'],
      ['vCPU', 'yield decisions'],
      ['time from the trace start (ms)', 'PLE window (cycles)'],
    ]);
    // The last bin starts at 685 × 5,861 ns = 4.014785 ms: the axis stops there, not at a round 4.5.
    assert.equal(Number(a[1].xMax), (685 * 5861) / 1e6);
    assert.equal(Number(a[3].xMax), ((m.windowOverTime.values.length - 1) * m.windowOverTime.binNs) / 1e6);
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), { ...m, clock: { name: null, unit: 'cycles' } });
    await tab.waitForFunction(() => document.querySelectorAll('#app canvas')[1]?.getAttribute('data-y-title') === 'PAUSE exits per 5.86 kcycles');
    assert.deepEqual(errors, []);
  } finally {
    await lease.close();
  }
});

test('trace editor: the PLE window of one VM or one vCPU, picked with a selector', { skip: noBrowser() }, async () => {
  const m = model();
  const { lease, tab, errors } = await openWebviewPage('traceEditor', { width: 1100, height: 1800 });
  try {
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), m);
    const pick = tab.locator('select[aria-label="Show the PLE window of"]');
    await pick.waitFor();
    assert.deepEqual(await pick.locator('option').allTextContents(), ['every vCPU (largest)', 'vm-3000 (largest of its vCPUs)', 'vm-3000/vCPU 0']);
    await pick.selectOption({ label: 'vm-3000/vCPU 0' });
    await tab.waitForSelector('canvas[aria-label$="of vm-3000/vCPU 0"]');
    assert.equal(await tab.locator('#app canvas').count(), 4);
    assert.ok((await drawnPixels(tab, '#app')).every((n) => n > 200));
    // The picked vCPU's table: its updates at 21 and 31 µs fall in bins 2 and 3 of the 400-bin series (10,051 ns each).
    const rows = await tab.locator('table.data', { has: tab.locator('caption', { hasText: 'PLE window per 10.1 µs, vm-3000/vCPU 0' }) }).locator('tbody tr').allTextContents();
    assert.deepEqual(rows, ['0.0208,192', '0.03016,384']);
    // The pick survives a new model (a range).
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), m);
    await tab.waitForFunction(() => (document.querySelector('select[aria-label="Show the PLE window of"]') as HTMLSelectElement | null)?.selectedOptions[0]?.textContent === 'vm-3000/vCPU 0');
    assert.deepEqual(errors, []);
  } finally {
    await lease.close();
  }
});

test('trace editor: a problem definition is one Tab and Enter away, and describes its button', { skip: noBrowser() }, async () => {
  const { lease, tab, errors } = await openWebviewPage('traceEditor', { width: 1100, height: 1800 });
  try {
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), model());
    await tab.waitForSelector('#app canvas');
    let focused = '';
    for (let i = 0; i < 300 && focused !== 'What is scheduler mismatch?'; i++) {
      await tab.keyboard.press('Tab');
      focused = await tab.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
    }
    assert.equal(focused, 'What is scheduler mismatch?');
    const definition = tab.locator('#definition-scheduler-mismatch');
    assert.equal(await definition.isVisible(), false);
    await tab.keyboard.press('Enter');
    assert.equal(await definition.isVisible(), true);
    assert.match((await definition.textContent())!, /^KVM boosted a vCPU \(yield_to succeeded\) but the host scheduler did not run it/);
    assert.equal(await tab.evaluate(() => document.activeElement?.getAttribute('aria-describedby')), 'definition-scheduler-mismatch');
    assert.equal(await tab.evaluate(() => document.activeElement?.getAttribute('aria-expanded')), 'true');
    assert.equal(await tab.locator('button.info').count(), 3);
    assert.deepEqual(errors, []);
  } finally {
    await lease.close();
  }
});
