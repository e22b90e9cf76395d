// What a user sees, in a real VS Code (code-server) with the packed .vsix installed, driven
// through the workbench UI with Debian's Chromium: the trace editor's charts, the lenses and
// end-of-line counts on kvm_main.c, a simulation from the command palette landing in the
// Policy Comparison view, and the error for a broken file. Every check reads the page;
// screenshots go to test-results/.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { ROOT } from '../support/paths';
import { CHROMIUM, noBrowser } from '../support/webviewPage';
import { installCodeServer, installVsix, makeWorkspace, removeScratch, startCodeServer, type Server } from './codeServer';
import { zipEntries } from './zipEntries';

const RESULTS = join(ROOT, 'test-results');
const VSIX = join(ROOT, 'kvm-spin-explorer.vsix');
const DOCS = join(ROOT, 'docs');
/** The screenshots README shows. */
const README_SHOTS = ['trace-editor', 'annotated-source', 'comparison-view'];
/** A screenshot under test-results/; with KVM_SPIN_UPDATE_DOCS=1 also README's copy in docs/. */
async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(RESULTS, `e2e-${name}.png`) });
  if (process.env.KVM_SPIN_UPDATE_DOCS === '1' && README_SHOTS.includes(name)) copyFileSync(join(RESULTS, `e2e-${name}.png`), join(DOCS, `vscode-${name}.png`));
}

/** Drags the sash on the side bar's right edge to x (the comparison view wants room). */
async function widenSideBar(page: Page, x: number): Promise<void> {
  const bar = (await page.locator('.part.sidebar').boundingBox())!;
  const edge = bar.x + bar.width;
  const sashes = await page.locator('.monaco-sash.vertical').all();
  for (const sash of sashes) {
    const box = await sash.boundingBox();
    if (!box || Math.abs(box.x + box.width / 2 - edge) > 6 || box.height < bar.height / 2) continue;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(x, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    return;
  }
  throw new Error('no sash on the side bar edge');
}

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The webview frame whose document has `selector` (webviews nest two iframes deep). */
function webviewFrame(page: Page, what: string, selector: string, ms = 30_000): Promise<Frame> {
  return until(what, async () => {
    for (const frame of page.frames()) {
      if (await frame.evaluate((s) => !!document.querySelector(s), selector).catch(() => false)) return frame;
    }
    return null;
  }, ms);
}

async function quickOpen(page: Page, fileName: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(fileName);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  // A webview that has just opened (the comparison's Markdown preview) can take the focus: it
  // swallows F1, or closes the palette just after it showed. Open it and type again until the
  // command's row shows; only the last attempt waits long.
  for (let attempt = 1; ; attempt++) {
    const timeout = attempt < 3 ? 10_000 : 30_000;
    try {
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout });
      await input.fill(`>${title}`, { timeout });
      await row.waitFor({ state: 'visible', timeout });
      break;
    } catch (err) {
      if (attempt >= 3) throw err;
      await page.keyboard.press('Escape');
    }
  }
  await page.keyboard.press('Enter');
}

/** Picks a row of the open quick pick by its label. */
async function pick(page: Page, label: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(label);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

describe('KVM Spin Explorer in the workbench (code-server, .vsix installed)', { skip: noBrowser(), timeout: 900_000 }, () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  const scratch: string[] = [];

  before(async () => {
    assert.ok(existsSync(VSIX), `${VSIX} is missing: run npm run package first (npm run test:e2e does)`);
    mkdirSync(RESULTS, { recursive: true });
    const installed = installCodeServer();
    const extensionsDir = mkdtempSync(join(tmpdir(), 'kvm-spin-cs-ext-'));
    const workspace = makeWorkspace();
    scratch.push(extensionsDir, workspace);
    installVsix(installed, extensionsDir, VSIX);
    server = await startCodeServer({ installed, workspace, extensionsDir });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await page.goto(server.url);
    await page.locator('.monaco-workbench .part.editor').waitFor({ state: 'visible', timeout: 60_000 });
    // The explorer lists the workspace once the file service is up.
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'oversubscribed-4vm.report' }).waitFor({ state: 'visible', timeout: 60_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    removeScratch(...scratch);
  });

  test('the .vsix holds the built code, media, samples and docs only, under 2 MB', () => {
    const names = zipEntries(VSIX).map((e) => e.name).filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length));
    const unexpected = names.filter((n) => !/^(dist\/(extension|sessionWorker|simWorker|importWorker|cli)\.js|dist\/webview\/(traceEditor|comparison)\.js|bin\/kvm-spin\.js|media\/.+|samples\/.+|package\.json|readme\.md|changelog\.md|LICENSE\.txt)$/i.test(n));
    assert.deepEqual(unexpected, []);
    for (const needed of ['dist/extension.js', 'dist/sessionWorker.js', 'dist/webview/traceEditor.js', 'dist/webview/comparison.js', 'samples/oversubscribed-4vm.report']) {
      assert.ok(names.includes(needed), `${needed} missing from the .vsix`);
    }
    assert.ok(statSync(VSIX).size < 2 * 1024 * 1024, `.vsix is ${statSync(VSIX).size} bytes`);
  });

  test('opening a trace draws the trace editor with its charts and numbers', async () => {
    await quickOpen(page, 'oversubscribed-4vm.report');
    const frame = await webviewFrame(page, 'the trace editor to render', '#app[data-renders]', 60_000);
    const cards = await frame.locator('.card').allTextContents();
    assert.ok(cards.some((c) => c.includes('PAUSE exits') && c.includes('658')), `cards: ${cards.join(' | ')}`);
    const canvases = await frame.locator('canvas[role="img"][aria-label]').count();
    assert.ok(canvases >= 4, `${canvases} charts`);
    // The timeline above the charts: drawn once the worker answered its first window.
    await frame.waitForFunction(() => Number(document.querySelector<HTMLCanvasElement>('[data-panel="timeline"] .tl-canvas canvas')?.dataset.renders) >= 1, undefined, { timeout: 30_000 });
    // Each chart has drawn pixels, not just a blank canvas.
    const painted = await frame.evaluate(() =>
      [...document.querySelectorAll('canvas')].map((c) => {
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) n++;
        return n;
      }),
    );
    assert.ok(painted.every((n) => n > 500), `painted pixels per chart: ${painted.join(', ')}`);
    await shot(page, 'trace-editor');
  });

  test('kvm_main.c shows the run as a lens, end-of-line counts and heat marks', async () => {
    await quickOpen(page, 'kvm_main.c');
    const lens = page.locator('.contentWidgets .codelens-decoration', { hasText: 'PAUSE exits handled' });
    await lens.first().waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(
      (await lens.first().textContent())?.replace(/\s+/g, ' ').trim(),
      'PAUSE exits handled 658 · boosts 180 · -ESRCH – · without a boost 478 (kvm_exit events) | Compare policies | Switch run… (oversubscribed-4vm.report)',
    );
    // Centre the function (lines 34–77 of the fixture) so every site line is rendered.
    await page.keyboard.press('Control+G');
    await page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
    await page.locator('.quick-input-widget input').fill(':56');
    await page.keyboard.press('Enter');
    // End-of-line counts are CSS ::after content on the decorated lines.
    const afterTexts = await until('end-of-line counts', async () => {
      const texts = await page.evaluate(() =>
        [...document.querySelectorAll('.view-lines span')]
          .map((el) => getComputedStyle(el, '::after').content)
          .filter((c) => c && c !== 'none' && c !== 'normal'),
      );
      return texts.length === 3 ? texts : null;
    });
    const shown = afterTexts.map((t) => t.replace(/^"|"$/g, '').trim()).sort();
    assert.deepEqual(shown, ['boosted 180 (27 % of entries)', 'entered 658', 'left without a boost 478 (73 % of entries)']);
    // Gutter icons are glyph-margin widgets with VS Code's decoration class `cgmr`.
    assert.equal(await page.locator('.editor-instance .glyph-margin-widgets .cgmr').count(), 2, 'two heat marks in the gutter');
    await shot(page, 'annotated-source');
  });

  test('Run Simulation from the command palette lands in the Policy Comparison view', async () => {
    await runCommand(page, 'KVM Spin: Run Simulation…');
    await pick(page, 'lock-2vm');
    // The policy list comes with the talk's five preselected: accept them.
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'policies to compare' }).waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    // The simulated length is typed (any value, checked), then the seeds (default 1).
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'simulated seconds' }).waitFor({ state: 'visible' });
    await input.fill('0.5');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'seeds per policy' }).waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    // Five runs: the comparison (a Markdown preview) opens when they are done.
    await page.locator('.tabs-container .tab', { hasText: 'lock-2vm-seed1.comparison' }).waitFor({ state: 'visible', timeout: 120_000 });
    await runCommand(page, 'KVM Spin: Focus on Policy Comparison View');
    const frame = await webviewFrame(page, 'the comparison view', 'table.compare', 60_000);
    const head = (await frame.locator('table.compare thead').textContent()) ?? '';
    for (const policy of ['vanilla-5.6', 'debooster', 'strict-boost', 'strict-boost+debooster', 'oracle']) {
      assert.ok(head.includes(`lock-2vm / ${policy} / seed 1`), `comparison head lacks ${policy}: ${head}`);
    }
    assert.ok((await frame.locator('canvas[role="img"][aria-label]').count()) >= 1);
    await widenSideBar(page, 820);
    await shot(page, 'comparison-view');
  });

  test('a broken file gets the one-line error naming what was expected', async () => {
    await quickOpen(page, 'broken.trace');
    const toast = page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'expected' });
    await toast.first().waitFor({ state: 'visible', timeout: 30_000 });
    const message = (await toast.first().textContent()) ?? '';
    assert.match(message, /^KVM Spin: broken\.trace: binary data \(\d+ of the first 4096 bytes are control characters\): expected trace-cmd report text, .* or a trace-cmd trace\.dat file$/);
    const frame = await webviewFrame(page, 'the error in the trace editor', '#app .error', 30_000);
    assert.match((await frame.locator('#app .error').first().textContent()) ?? '', /broken\.trace: binary data/);
    // Not a trace: the page offers to reopen it in the text editor.
    await frame.locator('vscode-button', { hasText: 'Reopen as text' }).waitFor({ timeout: 10_000 });
    // The reading notification ends with the failed read (VS Code keeps it up a moment).
    await page.locator('.notifications-toasts .notification-list-item-message', { hasText: 'reading broken.trace' }).waitFor({ state: 'detached', timeout: 15_000 });
    await shot(page, 'broken-file');
  });
});
