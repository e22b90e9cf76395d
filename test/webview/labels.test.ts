// Long and bidirectional names in both webviews (Chromium): a 255-character or 100 KB run
// label keeps the 420 px comparison view 420 px wide, a 100 KB file name keeps the dashboard's
// summary on the first screen, the whole name stays on hover, and an unterminated U+202E
// (right-to-left override) reverses neither the name nor the text around it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { analyze } from '../../src/core/analysis/analyze';
import { buildComparisonModel, rowFromAnalysis, rowFromSimulation } from '../../src/core/analysis/comparison';
import { buildDashboard } from '../../src/core/analysis/viewModel';
import { importTraceText } from '../../src/core/trace/textImporter';
import type { SimMetrics } from '../../src/core/sim/simulator';
import { fixture } from '../support/paths';
import { noBrowser, openWebviewPage } from '../support/webviewPage';

const WIDTH = 420;
/** A name as its hover text: whole, or its first 4,095 characters and an ellipsis. */
const hoverText = (name: string) => (name.length <= 4096 ? name : `${name.slice(0, 4095)}…`);
const RLO = '\u202E';

const metrics = (throughput: number): SimMetrics => ({
  throughput,
  spinTimeShare: 0.1,
  pleExits: 1000,
  yieldAttempts: 900,
  boosts: 800,
  esrch: 10,
  decisions: 1000,
  helpfulBoosts: 300,
  boostsSameQueue: 100,
  mismatchSameQueue: 10,
  mismatchCrossQueue: 40,
  unhelpfulBoostSpinning: 200,
  spinWaits: 500,
  continuousPleEpisodes: 100,
  problems: { schedulerMismatch: 50, lostOpportunity: 40, overboost: 30, unhelpfulBoost: 470 },
  fairness: 0.99,
  perVm: [],
});

function comparisonModel(longLabel: string) {
  const { store } = importTraceText(readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8'));
  const rows = [
    rowFromSimulation('run:a', 'paper / vanilla-5.6 / seed 1', 1e9, metrics(8)),
    rowFromSimulation('run:long', longLabel, 1e9, metrics(9)),
    rowFromAnalysis('file:/t', `t${RLO}ecart.report`, analyze(store), 2),
  ];
  return buildComparisonModel(rows, ['run:a', 'run:long', 'file:/t'], 'run:long');
}

/** Each character of the element's text with its box, in logical order. */
function characterBoxes(tab: Page, selector: string): Promise<{ ch: string; left: number; top: number }[]> {
  return tab.evaluate((sel) => {
    const out: { ch: string; left: number; top: number }[] = [];
    const walker = document.createTreeWalker(document.querySelector(sel)!, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode() as Text | null; n; n = walker.nextNode() as Text | null) {
      for (let i = 0; i < n.data.length; i++) {
        const range = document.createRange();
        range.setStart(n, i);
        range.setEnd(n, i + 1);
        const box = range.getBoundingClientRect();
        if (box.width > 0) out.push({ ch: n.data[i], left: box.left, top: Math.round(box.top) });
      }
    }
    return out;
  }, selector);
}

/** Characters that run right to left although they are Latin: what an override does. */
function reversedRuns(boxes: { ch: string; left: number; top: number }[]): string[] {
  const reversed: string[] = [];
  for (let i = 1; i < boxes.length; i++) {
    if (boxes[i].top === boxes[i - 1].top && boxes[i].left < boxes[i - 1].left) reversed.push(boxes[i - 1].ch + boxes[i].ch);
  }
  return reversed;
}

for (const [what, longLabel] of [
  ['a 255-character label', 'paper-' + 'x'.repeat(249)],
  ['a 100 KB label', 'y'.repeat(100_000)],
] as const) {
  test(`comparison view with ${what}: no wider than its 420 px, the whole label on hover and in a disclosure`, { skip: noBrowser() }, async () => {
    const { lease, tab, errors } = await openWebviewPage('comparison', { width: WIDTH, height: 900 });
    try {
      await tab.evaluate((m) => window.postMessage({ type: 'comparison', model: m }, '*'), comparisonModel(longLabel));
      await tab.waitForSelector('canvas');
      const width = await tab.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
      assert.ok(width <= WIDTH, `the view is ${width} px wide`);
      const picked = tab.locator('fieldset.runs label.run .label').nth(1);
      const shown = (await picked.textContent())!;
      assert.equal(shown.length, 200);
      assert.ok(shown.endsWith('…') && longLabel.startsWith(shown.slice(0, -1)));
      assert.equal(await picked.getAttribute('title'), hoverText(longLabel));
      assert.equal(await tab.locator('fieldset.runs details.full-label .full-label-text').textContent(), longLabel);
      assert.deepEqual(errors, []);
    } finally {
      await lease.close();
    }
  });
}

test('comparison view: an unterminated U+202E in a run label reverses nothing around it', { skip: noBrowser() }, async () => {
  const { lease, tab } = await openWebviewPage('comparison', { width: WIDTH, height: 900 });
  try {
    await tab.evaluate((m) => window.postMessage({ type: 'comparison', model: m }, '*'), comparisonModel('paper / strict-boost / seed 1'));
    await tab.waitForSelector('canvas');
    const boxes = await characterBoxes(tab, 'fieldset.runs label.run:nth-of-type(3)');
    assert.ok(boxes.map((b) => b.ch).join('').includes('tecart.report'), boxes.map((b) => b.ch).join(''));
    assert.deepEqual(reversedRuns(boxes), []);
    assert.deepEqual(reversedRuns(await characterBoxes(tab, 'table.compare caption')), []);
  } finally {
    await lease.close();
  }
});

test('dashboard with a 100 KB file name and thread name: the summary where a short name puts it, nothing wider than the page', { skip: noBrowser() }, async () => {
  const longName = 'z'.repeat(100_000) + '.report';
  const text = readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8').replaceAll('CPU 1/KVM', 'w'.repeat(100_000));
  const model = buildDashboard(importTraceText(text).store, { title: longName, format: 'ftrace', bins: 200 });
  const viewport = { width: 1100, height: 800 };
  const { lease, tab, errors } = await openWebviewPage('traceEditor', viewport);
  try {
    // Where the first card ends with an ordinary name (the timeline stands above the cards)…
    const shortModel = buildDashboard(importTraceText(readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8')).store, { title: 'host.report', format: 'ftrace', bins: 200 });
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), shortModel);
    await tab.waitForSelector('.card');
    const ordinary = (await tab.locator('.card').first().boundingBox())!;
    // … and with the 100 KB names: at most the one line of the "Full name" disclosure lower.
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), model);
    await tab.waitForSelector('header details.full-label');
    const card = (await tab.locator('.card').first().boundingBox())!;
    assert.ok(card.y + card.height <= ordinary.y + ordinary.height + 32, `the first card ends at ${card.y + card.height} px, ${ordinary.y + ordinary.height} px with a short name`);
    await tab.locator('details').filter({ hasText: 'Table' }).first().locator('summary').click();
    const width = await tab.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
    assert.ok(width <= viewport.width, `the page is ${width} px wide`);
    const title = tab.locator('h1 .label');
    assert.equal((await title.textContent())!.length, 200);
    assert.equal(await title.getAttribute('title'), hoverText(longName));
    assert.equal(await tab.locator('header details.full-label .full-label-text').textContent(), longName);
    assert.deepEqual(errors, []);
  } finally {
    await lease.close();
  }
});

test('dashboard: an unterminated U+202E in the file name does not reverse the title', { skip: noBrowser() }, async () => {
  const { store } = importTraceText(readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8'));
  const model = buildDashboard(store, { title: `host-trace${RLO}tad.report`, format: 'ftrace', bins: 200 });
  const { lease, tab } = await openWebviewPage('traceEditor', { width: 1100, height: 800 });
  try {
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), model);
    await tab.waitForSelector('canvas');
    const boxes = await characterBoxes(tab, 'h1');
    assert.equal(boxes.map((b) => b.ch).join(''), 'host-tracetad.report');
    assert.deepEqual(reversedRuns(boxes), []);
    assert.equal(await tab.locator('h1 bdi[dir=auto]').count(), 1);
  } finally {
    await lease.close();
  }
});
