// The trace editor page in headless Chromium for the benchmarks: the built bundle and CSS under
// the webview's own HTML, with a stand-in for the VS Code API given as a prelude script.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { renderWebviewHtml } from '../src/extension/webviewHtml';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function openTraceEditorPage(vscodeApiPrelude: string, viewport: { width: number; height: number }): Promise<{ browser: Browser; tab: Page }> {
  const { chromium } = await import('playwright-core');
  const page = join(mkdtempSync(join(tmpdir(), 'kvm-spin-bench-')), 'index.html');
  writeFileSync(
    page,
    renderWebviewHtml({
      title: 'bench',
      cspSource: 'file:',
      nonce: 'benchnonce',
      scriptUri: pathToFileURL(join(__dirname, 'webview', 'traceEditor.js')).href,
      styleUri: pathToFileURL(join(__dirname, '..', 'media', 'traceEditor.css')).href,
      preludeScripts: [vscodeApiPrelude],
    }),
  );
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu'] });
  try {
    const tab = await browser.newPage({ viewport });
    await tab.goto(pathToFileURL(page).href);
    return { browser, tab };
  } catch (err) {
    await browser.close();
    throw err;
  }
}
