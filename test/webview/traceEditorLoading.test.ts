// Loading in the editor page itself: a progress bar with the percentage the worker reports,
// a cancelled load said neutrally with Reload, a file that is not a trace offered as text.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseHostMessage, parseWebviewMessage } from '../../src/shared/protocol';
import { noBrowser, openWebviewPage } from '../support/webviewPage';

test('progress, load failures and their actions go through the validated protocol', () => {
  assert.deepEqual(parseHostMessage({ type: 'progress', bytesRead: 5, totalBytes: 10, extra: 1 }), { type: 'progress', bytesRead: 5, totalBytes: 10 });
  assert.deepEqual(parseHostMessage({ type: 'loadFailed', reason: 'notATrace', message: 'x' }), { type: 'loadFailed', reason: 'notATrace', message: 'x' });
  for (const bad of [{ type: 'progress', bytesRead: 'x', totalBytes: 1 }, { type: 'progress', bytesRead: -1, totalBytes: 1 }, { type: 'progress', bytesRead: 1, totalBytes: Infinity }, { type: 'loadFailed', reason: 'exec', message: 'x' }, { type: 'loadFailed', reason: 'cancelled' }]) {
    assert.equal(parseHostMessage(bad), null, JSON.stringify(bad));
  }
  assert.deepEqual(parseWebviewMessage({ type: 'reload', uri: 'file:///etc/passwd' }), { type: 'reload' });
  assert.deepEqual(parseWebviewMessage({ type: 'reopenAsText' }), { type: 'reopenAsText' });
});

test('trace editor page: a progress bar while reading; Reload after a cancel; Reopen as text for a file that is not a trace', { skip: noBrowser() }, async () => {
  const { lease, tab, errors, posted, violations } = await openWebviewPage('traceEditor', { width: 900, height: 600 });
  const send = (m: unknown) => tab.evaluate((m) => window.postMessage(m, '*'), m);
  try {
    await send({ type: 'busy', message: 'Reading big.dat…' });
    await tab.waitForSelector('.loading progress');
    assert.equal(await tab.locator('.loading .status').textContent(), 'Reading big.dat…');
    assert.equal(await tab.locator('.loading progress').getAttribute('value'), null, 'indeterminate until the first report');
    await send({ type: 'progress', bytesRead: 25_000_000, totalBytes: 100_000_000 });
    await tab.waitForFunction(() => (document.querySelector('.loading progress') as HTMLProgressElement).value === 25);
    assert.equal(await tab.locator('.loading .percent').textContent(), ' 25 % (25.0 of 100.0 MB)');
    assert.equal(await tab.locator('.loading .status').textContent(), 'Reading big.dat…', 'the same view, moved on');
    // A malformed report is dropped.
    await send({ type: 'progress', bytesRead: 'lots', totalBytes: 100 });
    await send({ type: 'loadFailed', reason: 'cancelled', message: 'Loading big.dat was cancelled.' });
    await tab.waitForSelector('.load-failed');
    assert.equal(await tab.locator('.load-failed .status').textContent(), 'Loading was cancelled.');
    assert.equal(await tab.locator('.load-failed .error').count(), 0, 'neutral, not an error');
    await tab.locator('vscode-button', { hasText: 'Reload' }).click();
    assert.deepEqual((await posted()).at(-1), { type: 'reload' });
    await send({ type: 'loadFailed', reason: 'notATrace', message: 'notes.txt: no trace event lines' });
    await tab.waitForSelector('text=Reopen as text');
    assert.equal(await tab.locator('.load-failed .error').textContent(), 'notes.txt: no trace event lines');
    await tab.locator('vscode-button', { hasText: 'Reopen as text' }).click();
    assert.deepEqual((await posted()).at(-1), { type: 'reopenAsText' });
    assert.deepEqual(await violations(), []);
    assert.deepEqual(errors, []);
  } finally {
    await lease.close();
  }
});
