// The trace editor bundle in a real browser (Debian's Chromium via playwright-core): charts
// drawn, tables filled, no CSP violation, trace text shown as text, messages posted back.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { buildDashboard } from '../../src/core/analysis/viewModel';
import { importTraceText } from '../../src/core/trace/textImporter';
import { renderWebviewHtml } from '../../src/extension/webviewHtml';
import { fixture, ROOT } from '../support/paths';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const EVIL = '<img src=x onerror=window.__pwned=1>';

test('trace editor webview in Chromium', { skip: existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (install Debian's chromium)` }, async () => {
  const text = readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8').replaceAll('CPU 1/KVM', EVIL);
  const { store } = importTraceText(text);
  const model = buildDashboard(store, { title: 'handchecked-ftrace-tgid.txt', format: 'ftrace', bins: 200 });
  assert.equal(model.vcpus[1].comm, EVIL);
  const dir = mkdtempSync(join(tmpdir(), 'kvm-spin-webview-'));
  const page = join(dir, 'index.html');
  writeFileSync(
    page,
    renderWebviewHtml({
      title: 'test',
      cspSource: 'file:',
      nonce: 'testnonce123',
      scriptUri: pathToFileURL(join(ROOT, 'dist', 'webview', 'traceEditor.js')).href,
      styleUri: pathToFileURL(join(ROOT, 'media', 'traceEditor.css')).href,
      preludeScripts: [
        `window.__posted = []; window.__violations = [];
         document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
         window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => {} });`,
      ],
    }),
  );
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu'] });
  try {
    const tab = await browser.newPage({ viewport: { width: 1100, height: 1800 } });
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    tab.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await tab.goto(pathToFileURL(page).href);
    await tab.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), model);
    await tab.waitForSelector('canvas');
    assert.equal(await tab.locator('canvas').count(), 4);
    // Every canvas has drawn pixels.
    const drawn = await tab.evaluate(() =>
      [...document.querySelectorAll('canvas')].map((c) => {
        const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
      }),
    );
    assert.ok(drawn.every((n) => n > 200), `drawn pixels per canvas: ${drawn}`);
    assert.equal(await tab.locator('.card .value').first().textContent(), '4');
    assert.equal(await tab.locator('table.data').first().locator('tbody tr').count(), 2);
    assert.equal(await tab.locator('table.matrix td').count(), 4);
    assert.equal(await tab.locator('canvas[role="img"][aria-label]').count(), 4);
    // The hostile thread name is text, not markup.
    assert.ok((await tab.locator('table.data').first().textContent())!.includes(EVIL));
    assert.equal(await tab.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await tab.locator('#app img').count(), 0);
    // Click an episode: reveal its first line; drag on the PAUSE-exit chart: a range.
    await tab.locator('.viewport .vrow').first().click();
    const box = (await tab.locator('canvas').nth(1).boundingBox())!;
    await tab.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await tab.mouse.down();
    await tab.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
    await tab.mouse.up();
    const posted = await tab.evaluate(() => (window as unknown as { __posted: { type: string; line?: number; startNs?: number; endNs?: number }[] }).__posted);
    assert.deepEqual(posted.find((m) => m.type === 'revealLine'), { type: 'revealLine', line: 20 });
    const range = posted.find((m) => m.type === 'selectRange');
    assert.ok(range && range.startNs! >= model.traceStartNs && range.endNs! > range.startNs! && range.endNs! <= model.traceEndNs + 1e6, JSON.stringify(range));
    assert.deepEqual(await tab.evaluate(() => (window as unknown as { __violations: string[] }).__violations), []);
    assert.deepEqual(errors, []);
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await tab.screenshot({ path: join(ROOT, 'test-results', 'trace-editor.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});
