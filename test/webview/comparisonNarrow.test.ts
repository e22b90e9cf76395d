// The comparison view at the side bar's default width (300 px, Chromium): no run label is cut
// (each fits its box, or its whole text is reachable), the table reflows into one block per
// metric with every run named, multi-seed runs show their 95 % intervals, and a change inside
// the noise is bracketed, not coloured. The default baseline is vanilla-5.6, not the trace
// picked first.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze } from '../../src/core/analysis/analyze';
import { buildComparisonModel, rowFromAnalysis, rowFromSeeds, rowFromSimulation } from '../../src/core/analysis/comparison';
import { importTraceText } from '../../src/core/trace/textImporter';
import type { SimMetrics } from '../../src/core/sim/simulator';
import { fixture } from '../support/paths';
import { drawnPixels, noBrowser, openWebviewPage } from '../support/webviewPage';

const WIDTH = 300;

const metrics = (throughput: number, pleExits: number): SimMetrics => ({
  throughput, spinTimeShare: 0.1, pleExits, yieldAttempts: pleExits, boosts: pleExits / 2, esrch: 10, decisions: pleExits, helpfulBoosts: pleExits / 4,
  boostsSameQueue: 0, mismatchSameQueue: 0, mismatchCrossQueue: 0, unhelpfulBoostSpinning: 0, spinWaits: 100, continuousPleEpisodes: 10,
  problems: { schedulerMismatch: 5, lostOpportunity: 4, overboost: 3, unhelpfulBoost: 2 }, fairness: 0.99,
  perVm: [
    { name: 'a', vcpus: 8, throughput: 1, cpuShare: 4, spinTimeShare: 0.1, pleExits: 1, operations: 1 },
    { name: 'b', vcpus: 8, throughput: 1, cpuShare: 4, spinTimeShare: 0.1, pleExits: 1, operations: 1 },
  ],
});

/** Three seeds of a policy on paper: throughput and PAUSE exits per seed. */
const seeded = (policy: string, values: Array<[number, number]>) =>
  rowFromSeeds(`run:${policy}`, `paper / ${policy} / seeds 1–3`, values.map(([t, p], i) => rowFromSimulation(`run:${policy}:${i}`, `paper / ${policy} / seed ${i + 1}`, 1e9, metrics(t, p), { scenario: 'paper', policy })));

function model() {
  const { store } = importTraceText(readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8'));
  const rows = [
    rowFromAnalysis('file:/host', 'host-2026-11-30-oversubscribed-node17.report', analyze(store), 2),
    // Throughput 8 vs 8.2 ± much: inside the noise. PAUSE exits 2000 vs 800, seeds tight: beyond it.
    seeded('strict-boost+debooster', [[7, 790], [9.5, 800], [8.1, 810]]),
    seeded('vanilla-5.6', [[7.5, 1990], [8.5, 2000], [8, 2010]]),
  ];
  return buildComparisonModel(rows, ['file:/host', 'run:strict-boost+debooster', 'run:vanilla-5.6'], null);
}

test('comparison view at 300 px: labels whole, the table reflowed, intervals shown, noise not coloured', { skip: noBrowser() }, async () => {
  const m = model();
  assert.equal(m.baseline, 'run:vanilla-5.6', 'the default baseline is vanilla-5.6 of the scenario, not the trace picked first');
  const { lease, tab, errors } = await openWebviewPage('comparison', { width: WIDTH, height: 2400 });
  try {
    await tab.evaluate((x) => window.postMessage({ type: 'comparison', model: x }, '*'), m);
    await tab.waitForSelector('canvas');
    const pageWidth = await tab.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
    assert.ok(pageWidth <= WIDTH, `the view is ${pageWidth} px wide`);
    // Every label on the page fits its box (nothing cut by an ellipsis) or its whole text is in its title.
    const clipped = await tab.evaluate(() =>
      [...document.querySelectorAll('.label')].filter((e) => {
        const box = e as HTMLElement;
        if (box.offsetParent === null) return false; // not shown (the reflowed table's header)
        return box.scrollWidth > box.clientWidth + 1 && box.title !== box.textContent;
      }).map((e) => e.textContent),
    );
    assert.deepEqual(clipped, []);
    const pickerClipped = await tab.evaluate(() => [...document.querySelectorAll('fieldset.runs .label')].filter((e) => (e as HTMLElement).scrollWidth > (e as HTMLElement).getBoundingClientRect().width + 1).length);
    assert.equal(pickerClipped, 0);
    // The table: every column header inside the view, or reflowed with each run named on its line.
    const table = await tab.evaluate((width) => {
      const heads = [...document.querySelectorAll('table.compare thead th')].map((th) => th.getBoundingClientRect());
      const headersVisible = heads.every((r) => r.width > 0 && r.left >= 0 && r.right <= width);
      const cells = [...document.querySelectorAll('table.compare tbody td')] as HTMLElement[];
      const reflowed = cells.every((td) => getComputedStyle(td).display === 'block' && getComputedStyle(td, '::before').content.includes(td.dataset.run!) && td.getBoundingClientRect().right <= width);
      return { headersVisible, reflowed, cells: cells.length };
    }, WIDTH);
    assert.ok(table.headersVisible || table.reflowed, JSON.stringify(table));
    assert.ok(table.cells > 0);
    const firstRow = tab.locator('table.compare tbody tr').first();
    const throughput = await firstRow.locator('td').allTextContents();
    // 8.200 ± t(0.975, 2)·sd/√3 = 4.303 × 1.2530/1.7321 = 3.113; +2.5 % inside the noise: bracketed.
    assert.deepEqual(throughput.slice(1), ['8.200 ± 3.113 (+2.5 %)', '8.000 ± 1.242']);
    assert.equal(await firstRow.locator('.delta.noise').count(), 1);
    assert.match((await firstRow.locator('.delta.noise').getAttribute('title'))!, /inside the noise/);
    assert.equal(await firstRow.locator('.delta.better, .delta.worse').count(), 0);
    const ple = tab.locator('table.compare tbody tr').nth(2);
    assert.equal(await ple.locator('td').nth(1).locator('.delta.better').count(), 1, 'PAUSE exits −60 % beyond the noise: coloured');
    assert.match((await tab.locator('table.compare caption').textContent())!, /default: vanilla-5\.6 of the same scenario/);
    assert.ok((await drawnPixels(tab)).every((n) => n > 200));
    assert.deepEqual(errors, []);
  } finally {
    await lease.close();
  }
});
