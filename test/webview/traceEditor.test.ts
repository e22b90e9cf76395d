// The trace editor bundle in a real browser (Debian's Chromium via playwright-core): charts
// drawn, tables filled, no CSP violation, trace text shown as text, messages posted back.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDashboard } from '../../src/core/analysis/viewModel';
import { importTraceText } from '../../src/core/trace/textImporter';
import { fixture, ROOT } from '../support/paths';
import { drawnPixels, noBrowser, openWebviewPage } from '../support/webviewPage';

const EVIL = '<img src=x onerror=window.__pwned=1>';

test('trace editor webview in Chromium', { skip: noBrowser() }, async () => {
  const text = readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8').replaceAll('CPU 1/KVM', EVIL);
  const { store } = importTraceText(text);
  const model = buildDashboard(store, { title: 'handchecked-ftrace-tgid.txt', format: 'ftrace', bins: 200 });
  assert.equal(model.vcpus[1].comm, EVIL);
  const { lease, tab, errors, posted: postedMessages, violations } = await openWebviewPage('traceEditor', { width: 1100, height: 1800 });
  try {
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), model);
    await tab.waitForSelector('#app canvas');
    assert.equal(await tab.locator('#app canvas').count(), 4);
    // Every dashboard canvas has drawn pixels (the timeline above it waits for its own replies).
    const drawn = await drawnPixels(tab, '#app');
    assert.ok(drawn.every((n) => n > 200), `drawn pixels per canvas: ${drawn}`);
    assert.equal(await tab.locator('.card .value').first().textContent(), '4');
    assert.equal(await tab.locator('table.data').first().locator('tbody tr').count(), 2);
    // Only the vCPUs with boosts: vCPU 0 → vCPU 1 (it was the full 2 × 2 square of zeros and a 1).
    assert.equal(await tab.locator('table.matrix td').count(), 1);
    assert.equal(await tab.locator('#app canvas[role="img"][aria-label]').count(), 4);
    // The hostile thread name is text, not markup.
    assert.ok((await tab.locator('table.data').first().textContent())!.includes(EVIL));
    assert.equal(await tab.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await tab.locator('#app img').count(), 0);
    // Click an episode: reveal its first line; drag on the PAUSE-exit chart: a range.
    await tab.locator('.viewport .vrow').first().click();
    const box = (await tab.locator('#app canvas').nth(1).boundingBox())!;
    await tab.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await tab.mouse.down();
    await tab.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
    await tab.mouse.up();
    const posted = (await postedMessages()) as { type: string; line?: number; startNs?: number; endNs?: number }[];
    assert.deepEqual(posted.find((m) => m.type === 'revealLine'), { type: 'revealLine', line: 20 });
    const range = posted.find((m) => m.type === 'selectRange');
    assert.ok(range && range.startNs! >= model.traceStartNs && range.endNs! > range.startNs! && range.endNs! <= model.traceEndNs + 1e6, JSON.stringify(range));
    // The keyboard way: type a range, press Enter.
    await tab.locator('input[aria-label^="Range start"]').fill('3');
    await tab.locator('input[aria-label^="Range end"]').fill('4.5');
    await tab.locator('input[aria-label^="Range end"]').press('Enter');
    const typed = ((await postedMessages()) as { type: string; startNs?: number; endNs?: number }[]).filter((m) => m.type === 'selectRange');
    assert.deepEqual(typed.at(-1), { type: 'selectRange', startNs: model.traceStartNs + 3e6, endNs: model.traceStartNs + 4.5e6 });
    assert.equal(await tab.locator('text=ground truth').count(), 0);
    // A simulator run file: the ground-truth panel beside the trace's own reading.
    const groundTruth = { scenario: 'paper', policy: 'vanilla-5.6', decisions: 10, boosts: 8, helpfulBoosts: 2, esrch: 1, problems: { schedulerMismatch: 5, lostOpportunity: 4, overboost: 3 } };
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), { ...model, groundTruth });
    await tab.waitForSelector('text=Against the simulator');
    const truthRows = await tab.locator('table.data').last().locator('tbody tr').allTextContents();
    assert.deepEqual(truthRows, ['boosts28', 'boosts of the right vCPU—2', // -ESRCH needs yield_to return probes: not judged, with the reason beside it (it was 0).
      '-ESRCHnot judged — needs yield_to return probes to see -ESRCH (perf probe yield_to%return)1', // Without yield_to and kvm_arch_vcpu_put probes the problems are not judged either (bench --only inference).
      'scheduler mismatchnot judged — needs yield_to probes to know which vCPU each PAUSE exit boosted (perf probe yield_to and yield_to%return)5',
      'lost opportunitynot judged — needs guest events (or a kvm_arch_vcpu_put probe of preempted_in_kernel) to know whether a preempted vCPU was in user mode4',
      'overboostnot judged — needs yield_to probes to know which vCPU each PAUSE exit boosted (perf probe yield_to and yield_to%return)3']);
    assert.ok((await tab.locator('text=Against the simulator').locator('..').textContent())!.includes('2 went to the vCPU the spinner truly waited for (25.0 %)'));
    assert.deepEqual(await violations(), []);
    assert.deepEqual(errors, []);
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await tab.screenshot({ path: join(ROOT, 'test-results', 'trace-editor.png'), fullPage: true });
  } finally {
    await lease.close();
  }
});
