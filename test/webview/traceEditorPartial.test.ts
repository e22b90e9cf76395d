// A trace being read in Chromium: the dashboard of the part read so far is marked partial
// ("Partial — 23 % read"), its banner follows the progress, it offers no timeline or range
// yet, and the whole trace's dashboard replaces it (a partial one arriving late is dropped).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceSession } from '../../src/core/session';
import { importTraceText } from '../../src/core/trace/textImporter';
import { dashboardFromAnalysis } from '../../src/core/analysis/viewModel';
import type { DashboardModel } from '../../src/shared/protocol';
import { ROOT } from '../support/paths';
import { noBrowser, openWebviewPage } from '../support/webviewPage';

test('a partial dashboard is marked partial and replaced by the whole one', { skip: noBrowser() }, async () => {
  const text = readFileSync(join(ROOT, 'samples', 'oversubscribed-4vm.report'), 'utf8');
  const dashboard = (t: string) => {
    const { store, format } = importTraceText(t);
    const session = new TraceSession(store);
    return dashboardFromAnalysis(session.model, session.analysis, { title: 'sample', format });
  };
  const whole = dashboard(text);
  const lines = text.split('\n');
  const totalBytes = Buffer.byteLength(text);
  const partial: DashboardModel = { ...dashboard(lines.slice(0, Math.floor(lines.length / 4)).join('\n')), partial: { bytesRead: Math.ceil(totalBytes * 0.23), totalBytes } };
  const { lease, tab, errors, posted } = await openWebviewPage('traceEditor', { width: 1200, height: 1000 });
  try {
    const send = (m: unknown) => tab.evaluate((msg) => window.postMessage(msg, '*'), m);
    await send({ type: 'busy', message: 'Reading sample…' });
    await send({ type: 'dashboard', model: partial });
    await tab.waitForSelector('.partial-banner');
    assert.equal(await tab.locator('.partial-banner').textContent(), 'Partial — 23 % read: these figures cover the part read so far and are replaced when the whole trace is read.');
    assert.equal(await tab.getAttribute('#app', 'data-partial'), '23');
    assert.equal(await tab.locator('.card[data-card="PAUSE exits"] .value').textContent(), partial.totals.pleExits.toLocaleString('en-US'));
    // Nothing that needs the whole trace: no timeline, no jumps, no range form.
    assert.equal(await tab.locator('[data-panel="timeline"]').count(), 0);
    assert.equal(await tab.locator('button.jump').count(), 0);
    assert.equal(await tab.locator('form.range').count(), 0);
    // Progress moves the banner, not the page.
    await send({ type: 'progress', bytesRead: totalBytes / 2, totalBytes });
    assert.ok((await tab.locator('.partial-banner').textContent())!.startsWith('Partial — 50 % read'));
    assert.equal(await tab.locator('.card').count(), 8);

    // The whole trace replaces it: no banner, the timeline, the whole figures.
    await send({ type: 'dashboard', model: whole });
    await tab.waitForSelector('[data-panel="timeline"]');
    assert.equal(await tab.locator('.partial-banner').count(), 0);
    assert.equal(await tab.getAttribute('#app', 'data-partial'), null);
    assert.equal(await tab.locator('.card[data-card="PAUSE exits"] .value').textContent(), whole.totals.pleExits.toLocaleString('en-US'));
    assert.ok((await tab.locator('button.jump').count()) > 0);
    // A partial view that comes late changes nothing.
    await send({ type: 'dashboard', model: partial });
    assert.equal(await tab.locator('.partial-banner').count(), 0);
    assert.equal(await tab.locator('.card[data-card="PAUSE exits"] .value').textContent(), whole.totals.pleExits.toLocaleString('en-US'));
    // Only the whole dashboard is kept as the page's state.
    assert.ok(!(await posted()).some((m) => m.type === 'selectRange'));
    assert.deepEqual(errors, []);
  } finally {
    await lease.close();
  }
});
