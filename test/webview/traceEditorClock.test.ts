// The trace editor labels its times with the trace's unit: ms for ns clocks, millions of
// cycles for raw counter values, and names the clock.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { buildDashboard } from '../../src/core/analysis/viewModel';
import { importTraceText } from '../../src/core/trace/textImporter';
import { noBrowser, openWebviewPage } from '../support/webviewPage';

const RAW = [
  ' qemu-system-x86-17241 [019]11163479569636: kvm_exit: reason PAUSE_INSTRUCTION rip 0x0 info 0 0',
  ' qemu-system-x86-17241 [019]11163479669636: kvm_entry: vcpu 0 rip 0x0',
  ' qemu-system-x86-17241 [019]11163489669636: kvm_exit: reason PAUSE_INSTRUCTION rip 0x0 info 0 0',
].join('\n');

test('trace editor webview: raw counter times are labelled Mcycles, the clock is named', { skip: noBrowser() }, async () => {
  const { store } = importTraceText(RAW);
  const model = { ...buildDashboard(store, { title: 'raw.txt', format: 'trace-cmd', bins: 50 }), clock: store.clock };
  const { lease, tab, errors } = await openWebviewPage('traceEditor', { width: 1100, height: 1400 });
  try {
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), model);
    await tab.waitForSelector('canvas');
    const sub = await tab.locator('header .sub').textContent();
    assert.equal(sub, 'trace-cmd · clock not in the trace (raw counter values: set kvmSpin.clockHz for ms) · 10.100 Mcycles shown');
    const headers = await tab.locator('table.data').first().locator('th').allTextContents();
    assert.deepEqual(headers.slice(3), ['spin Mcycles', 'PAUSE-exit Mcycles', 'preempted Mcycles']);
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), { ...model, clock: { name: 'x86-tsc', unit: 'ns' } });
    await tab.waitForFunction(() => document.querySelector('header .sub')?.textContent?.includes('clock x86-tsc'));
    assert.equal(await tab.locator('header .sub').textContent(), 'trace-cmd · clock x86-tsc · 10.100 ms shown');
    assert.deepEqual(errors, []);
  } finally {
    await lease.close();
  }
});
