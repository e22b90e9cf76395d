// The extension-host suite (test/vscode, mocha) inside code-server: the extension is loaded
// from this folder as a development extension, the suite is the payload's
// extensionTestsPath, and the smoke-test driver hands the exit code to the page.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
import { chromium } from 'playwright-core';
import { ROOT } from '../support/paths';
import { CHROMIUM, noBrowser } from '../support/webviewPage';
import { installCodeServer, makeWorkspace, removeScratch, startCodeServer } from './codeServer';

const RESULTS = join(ROOT, 'test-results');

test('extension-host suite passes in code-server', { skip: noBrowser(), timeout: 600_000 }, async () => {
  const installed = installCodeServer();
  const workspace = makeWorkspace();
  const extensionsDir = mkdtempSync(join(tmpdir(), 'kvm-spin-cs-ext-'));
  mkdirSync(RESULTS, { recursive: true });
  const metrics = join(RESULTS, 'e2e-activation.json');
  const server = await startCodeServer({ installed, workspace, extensionsDir, smokeTestDriver: true, env: { KVM_SPIN_E2E_METRICS: metrics } });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-dev-shm-usage'],
  });
  const lines: string[] = [];
  try {
    const page = await browser.newPage();
    const exitCode = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      lines.push(`[${type}] ${format(...(Array.isArray(args) ? args : [args]))}`);
    });
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(ROOT)],
      ['extensionTestsPath', remote(join(ROOT, 'out', 'test', 'vscode', 'index.js'))],
    ]);
    await page.goto(`${server.url}?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exitCode,
      new Promise<number>((_, reject) => (timer = setTimeout(() => reject(new Error('the extension-host suite did not finish within 5 min')), 300_000))),
    ]).finally(() => clearTimeout(timer));
    writeFileSync(join(RESULTS, 'e2e-extension-host.log'), lines.join('\n') + '\n\n--- code-server ---\n' + server.log());
    // The mocha report, as the extension host printed it.
    const report = lines.slice(lines.findIndex((l) => l.includes('KVM Spin Explorer in a real VS Code')));
    console.log(report.filter((l) => !/open-vsx\.org|^\s+at /.test(l)).join('\n'));
    assert.equal(code, 0, `extension-host suite exit code ${code}; see test-results/e2e-extension-host.log`);
    const activation = JSON.parse(readFileSync(metrics, 'utf8')) as { openToActiveMs: number; loadAndActivateMs: number; activateMs: number };
    console.log(
      `activation: opening a C file to the extension active ${activation.openToActiveMs.toFixed(1)} ms; ` +
        `our bundle's evaluation + activate() ${activation.loadAndActivateMs.toFixed(1)} ms, activate() alone ${activation.activateMs.toFixed(1)} ms`,
    );
  } finally {
    await browser.close();
    await server.stop();
    removeScratch(workspace, extensionsDir);
  }
});
