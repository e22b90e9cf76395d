// The "What if" panel of the trace editor in Chromium: it asks for the replay once a trace is
// shown, draws a bar per policy, lists the exact figures in its table, asks again when the
// guest-mode assumption changes, and shows hostile policy and assumption text as text; and the
// replay rows of the comparison view.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDashboard } from '../../src/core/analysis/viewModel';
import { analyze, buildStateModel } from '../../src/core/analysis/analyze';
import { buildComparisonModel, rowFromAnalysis } from '../../src/core/analysis/comparison';
import { importTraceText } from '../../src/core/trace/textImporter';
import { ReplayCache } from '../../src/core/replay/replayCache';
import { comparisonReplay, replaySummary } from '../../src/core/replay/replayViews';
import type { ReplaySummary } from '../../src/shared/protocol';
import { fixture, ROOT } from '../support/paths';
import { drawnPixels, noBrowser, openWebviewPage } from '../support/webviewPage';

const EVIL = '<img src=x onerror=window.__pwned=1>';

test('What if panel in Chromium', { skip: noBrowser() }, async () => {
  const { store } = importTraceText(readFileSync(fixture('replay/user-mode-ipi.txt'), 'utf8'));
  const dashboard = buildDashboard(store, { title: 'user-mode-ipi.txt', format: 'ftrace', bins: 50 });
  const real = replaySummary(new ReplayCache(buildStateModel(store)).get('kernel'), 'kernel');
  // Two policies, one of them named with markup, and a hostile assumption and reason.
  const summary: ReplaySummary = {
    ...real,
    decisions: 4,
    policies: [
      { policy: 'vanilla-5.6', decisions: 4, agree: 1, other: 1, none: 2, esrch: 1, shares: { agree: 0.25, other: 0.25, none: 0.5, esrch: 0.25 } },
      { policy: EVIL, decisions: 4, agree: 3, other: 0, none: 1, esrch: 0, shares: { agree: 0.75, other: 0, none: 0.25, esrch: 0 } },
    ],
    notReplayable: [{ policy: 'ple-off', reason: EVIL }],
    assumptions: [...real.assumptions, EVIL],
  };
  const { lease, tab, errors, posted, violations } = await openWebviewPage('traceEditor', { width: 1100, height: 1600 });
  try {
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), dashboard);
    const panel = tab.locator('[data-panel="whatif"]');
    await panel.waitFor();
    const replays = async () => ((await posted()) as { type: string; id?: number; inKernel?: unknown }[]).filter((m) => m.type === 'replay');
    const first = (await replays()).at(-1)!;
    assert.deepEqual(first, { type: 'replay', id: first.id, inKernel: 'kernel' });
    // The panel sits between the timeline and the dashboard.
    assert.equal(await tab.evaluate(() => document.querySelector('[data-panel="whatif"]')!.nextElementSibling!.id), 'app');
    // A stale answer (another id) is not shown.
    await tab.evaluate(([s, id]) => window.postMessage({ type: 'replay', id, summary: s }, '*'), [summary, first.id! + 100] as const);
    await tab.evaluate(([s, id]) => window.postMessage({ type: 'replay', id, summary: s }, '*'), [summary, first.id!] as const);
    await tab.waitForSelector('[data-panel="whatif"][data-renders="1"]');
    const drawn = await drawnPixels(tab, '[data-panel="whatif"]');
    assert.equal(drawn.length, 1);
    assert.ok(drawn[0] > 500, `drawn pixels: ${drawn}`);
    const rows = await panel.locator('table.data tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    assert.deepEqual(rows, [
      ['vanilla-5.6', '4', '1 (25.0 %)', '1 (25.0 %)', '2 (50.0 %)', '1 (25.0 %)'],
      [EVIL, '4', '3 (75.0 %)', '0 (0.0 %)', '1 (25.0 %)', '0 (0.0 %)'],
    ]);
    const text = (await panel.textContent())!;
    assert.ok(text.includes('after the first different choice the real future would have differed'));
    assert.ok(text.includes("preempted vCPUs no probe tells taken to be in kernel mode; the host's choice observed through yield_to probes"));
    assert.ok(text.includes(`ple-off: ${EVIL}`));
    assert.equal(await panel.locator('ul.assumptions li').last().textContent(), EVIL);
    assert.ok(text.includes('not judged'));
    await panel.locator('details').first().evaluate((d) => ((d as HTMLDetailsElement).open = true));
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await panel.screenshot({ path: join(ROOT, 'test-results', 'what-if.png') });
    assert.equal(await tab.locator('img').count(), 0);
    assert.equal(await tab.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    // Change the assumption: a new request each time, the share once it is a number in 0..1.
    await panel.locator('select').selectOption('user');
    assert.deepEqual((await replays()).at(-1)!.inKernel, 'user');
    await panel.locator('select').selectOption('share');
    assert.deepEqual((await replays()).at(-1)!.inKernel, { share: 0.5 });
    const before = (await replays()).length;
    await panel.locator('input[type="number"]').fill('1.5');
    await panel.locator('input[type="number"]').dispatchEvent('change');
    assert.equal((await replays()).length, before, 'no request for a probability out of 0..1');
    await panel.locator('input[type="number"]').fill('0.2');
    await panel.locator('input[type="number"]').dispatchEvent('change');
    const last = (await replays()).at(-1)!;
    assert.deepEqual(last.inKernel, { share: 0.2 });
    assert.ok(last.id! > first.id!);
    assert.deepEqual(await violations(), []);
    assert.deepEqual(errors, []);
  } finally {
    await lease.close();
  }
});

test('replay rows in the comparison view in Chromium', { skip: noBrowser() }, async () => {
  const { store } = importTraceText(readFileSync(fixture('replay/user-mode-ipi.txt'), 'utf8'));
  const real = comparisonReplay(replaySummary(new ReplayCache(buildStateModel(store)).get('user'), 'user'));
  const replay = { ...real, policies: [real.policies[0], { ...real.policies[1], policy: EVIL }] };
  const model = buildComparisonModel([{ ...rowFromAnalysis('file:/t', EVIL, analyze(store), 3), replay }, rowFromAnalysis('file:/u', 'plain.txt', analyze(store), 3)], ['file:/t', 'file:/u'], null);
  const { lease, tab, errors, violations } = await openWebviewPage('comparison', { width: 600, height: 2400 });
  try {
    await tab.evaluate((m) => window.postMessage({ type: 'comparison', model: m }, '*'), model);
    const panel = tab.locator('[data-panel="replay"]');
    await panel.waitFor();
    const rows = await panel.locator('table.replay tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    // Assumed user mode with the probe's own reading: 5.6 skips vCPU 1 (none), 6.6 boosts it (agree).
    assert.deepEqual(rows, [
      [EVIL, 'vanilla-5.6', '1', '0.0 %', '0.0 %', '100.0 %'],
      [EVIL, EVIL, '1', '100.0 %', '0.0 %', '0.0 %'],
    ]);
    const text = (await panel.textContent())!;
    assert.ok(text.includes('after the first different choice the real future would have differed'));
    assert.ok(text.includes('taken to be in user mode'));
    assert.equal(await tab.locator('img').count(), 0);
    assert.equal(await tab.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    // Without a replayed trace among the picked runs, no replay panel.
    await tab.evaluate((m) => window.postMessage({ type: 'comparison', model: m }, '*'), { ...model, rows: [model.rows[1]], selected: ['file:/u'] });
    await tab.waitForFunction(() => !document.querySelector('[data-panel="replay"]'));
    assert.deepEqual(await violations(), []);
    assert.deepEqual(errors, []);
  } finally {
    await lease.close();
  }
});
