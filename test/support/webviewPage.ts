// A webview bundle in a real browser (Debian's Chromium via playwright-core, no downloads):
// the same HTML shell and CSP the extension serves, with a stand-in for acquireVsCodeApi that
// records posted messages and state, and a listener that records CSP violations. One Chromium per
// process (the test files of a group, scripts/test-group.cjs, share it), closed once no page has
// been open for a moment; a tab given back is reused for the next page, unless a function was
// exposed to it.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { renderWebviewHtml } from '../../src/extension/webviewHtml';
import { ROOT } from './paths';
import { scratchDir } from './scratch';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** For `test(name, { skip: noBrowser() }, ...)`. */
export const noBrowser = () => (existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (install Debian's chromium)`);

/** The --vscode-* variables VS Code's Dark Modern theme sets on a webview body (the ones our CSS and charts read). */
export const DARK_THEME: Record<string, string> = {
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-sideBar-background': '#181818',
  '--vscode-editorWidget-background': '#202020',
  '--vscode-editorWidget-border': '#454545',
  '--vscode-font-family': 'system-ui, sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-list-hoverBackground': '#2a2d2e',
  '--vscode-dropdown-background': '#313131',
  '--vscode-dropdown-foreground': '#cccccc',
  '--vscode-dropdown-border': '#3c3c3c',
  '--vscode-errorForeground': '#f85149',
  '--vscode-editorWarning-foreground': '#cca700',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-charts-purple': '#b180d7',
};

/** The same variables as VS Code's Light Modern theme sets them. */
export const LIGHT_THEME: Record<string, string> = {
  ...DARK_THEME,
  '--vscode-foreground': '#3b3b3b',
  '--vscode-descriptionForeground': '#3b3b3b',
  '--vscode-editor-background': '#ffffff',
  '--vscode-sideBar-background': '#f8f8f8',
  '--vscode-editorWidget-background': '#f8f8f8',
  '--vscode-editorWidget-border': '#e5e5e5',
  '--vscode-list-hoverBackground': '#f2f2f2',
  '--vscode-dropdown-background': '#ffffff',
  '--vscode-dropdown-foreground': '#3b3b3b',
  '--vscode-dropdown-border': '#cecece',
  '--vscode-errorForeground': '#f85149',
  '--vscode-editorWarning-foreground': '#bf8803',
  '--vscode-charts-blue': '#1a85ff',
  '--vscode-charts-red': '#e51400',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#388a34',
  '--vscode-charts-yellow': '#bf8803',
  '--vscode-charts-purple': '#652d90',
};

export interface WebviewPage {
  /** Close it when done: the tab goes back to the process's pool, the browser stays for the next page. */
  lease: { close(): Promise<void> };
  tab: Page;
  /** Page errors and console errors. */
  errors: string[];
  posted(): Promise<{ type: string; [key: string]: unknown }[]>;
  violations(): Promise<string[]>;
}

export async function openWebviewPage(bundle: 'traceEditor' | 'comparison', viewport: { width: number; height: number }, initialState?: unknown): Promise<WebviewPage> {
  const dir = scratchDir('kvm-spin-webview-');
  const page = join(dir, 'index.html');
  writeFileSync(
    page,
    renderWebviewHtml({
      title: 'test',
      cspSource: 'file:',
      nonce: 'testnonce123',
      scriptUri: pathToFileURL(join(ROOT, 'dist', 'webview', `${bundle}.js`)).href,
      styleUri: pathToFileURL(join(ROOT, 'media', `${bundle}.css`)).href,
      preludeScripts: [
        `window.__posted = []; window.__violations = []; window.__state = ${JSON.stringify(initialState ?? null)};
         document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
         window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => window.__state ?? undefined, setState: (s) => { window.__state = s; } });
         // What VS Code does: theme variables and a theme class on the body.
         document.body.classList.add('vscode-dark');
         ${JSON.stringify(Object.entries(DARK_THEME))}.forEach(([k, v]) => document.body.style.setProperty(k, v));`,
      ],
    }),
  );
  const leased = await leaseTab(viewport);
  const { tab } = leased;
  const errors: string[] = [];
  const onPageError = (e: Error) => errors.push(e.message);
  const onConsole = (m: ConsoleMessage) => m.type() === 'error' && errors.push(m.text());
  tab.on('pageerror', onPageError);
  tab.on('console', onConsole);
  await tab.goto(pathToFileURL(page).href);
  await tab.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
  return {
    lease: {
      close: () => {
        tab.off('pageerror', onPageError);
        tab.off('console', onConsole);
        return release(leased);
      },
    },
    tab,
    errors,
    posted: () => tab.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted),
    violations: () => tab.evaluate(() => (window as unknown as { __violations: string[] }).__violations),
  };
}

/** How long the browser stays after its last tab was given back, for the next test file's pages. */
const IDLE_CLOSE_MS = 500;
interface PooledTab {
  context: BrowserContext;
  tab: Page;
  /** False once a function was exposed to it: that stays with the tab, so it is not reused. */
  reusable: boolean;
}
let browser: Promise<Browser> | undefined;
/** Tabs given back, on about:blank: a new tab costs a renderer process (~0.5 s of CPU), a navigation ~0.15 s. */
const idleTabs: PooledTab[] = [];
let leasedTabs = 0;
let idleTimer: NodeJS.Timeout | undefined;

async function leaseTab(viewport: { width: number; height: number }): Promise<PooledTab> {
  clearTimeout(idleTimer);
  leasedTabs++;
  try {
    const reused = idleTabs.pop();
    if (reused) {
      await reused.tab.setViewportSize(viewport);
      return reused;
    }
    browser ??= chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu'] }).then((b) => {
      b.on('disconnected', () => {
        browser = undefined;
        idleTabs.length = 0;
      });
      return b;
    });
    const context = await (await browser).newContext({ viewport });
    const tab = await context.newPage();
    const pooled: PooledTab = { context, tab, reusable: true };
    const expose = tab.exposeFunction.bind(tab);
    tab.exposeFunction = ((...args: Parameters<Page['exposeFunction']>) => {
      pooled.reusable = false;
      return expose(...args);
    }) as Page['exposeFunction'];
    return pooled;
  } catch (err) {
    leasedTabs--;
    closeWhenIdle();
    throw err;
  }
}

async function release(pooled: PooledTab): Promise<void> {
  leasedTabs--;
  let kept = false;
  if (pooled.reusable && !pooled.tab.isClosed()) {
    try {
      // Off the next page's content (a fresh tab hovers nothing), then away from this page.
      const size = pooled.tab.viewportSize();
      await pooled.tab.mouse.move((size?.width ?? 1) - 1, (size?.height ?? 1) - 1);
      await pooled.tab.goto('about:blank');
      idleTabs.push(pooled);
      kept = true;
    } catch {
      // A tab that cannot be reset is not reused.
    }
  }
  if (!kept) await pooled.context.close().catch(() => undefined);
  closeWhenIdle();
}

function closeWhenIdle(): void {
  if (leasedTabs > 0) return;
  const closing = browser;
  idleTimer = setTimeout(() => {
    if (browser !== closing || leasedTabs > 0) return;
    browser = undefined;
    idleTabs.length = 0;
    void closing?.then((b) => b.close());
  }, IDLE_CLOSE_MS);
}

/** Non-transparent pixels of every canvas on the page (or under `within`). */
export function drawnPixels(tab: Page, within = 'body'): Promise<number[]> {
  return tab.evaluate((within) =>
    [...document.querySelectorAll(`${within} canvas`)].map((c) => {
      const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    }),
  within);
}
