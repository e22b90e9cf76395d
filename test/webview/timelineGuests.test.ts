// The guest lanes in Chromium: after "Add Guest Trace…" (the host's 'guests' message) the page
// asks for a new window, lays the guest CPU lanes out right after the vCPU lane of the thread
// that ran them and paints them (task green, lock contention red); collapsing the VM hides
// them with it; a refusal is shown as its one line of text.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDashboard } from '../../src/core/analysis/viewModel';
import { analyzeTraceFile } from '../../src/core/pipeline';
import { readGuestTraces } from '../../src/core/pipeline';
import { timelineWindow } from '../../src/core/views/timeline';
import { timelineDetails } from '../../src/core/views/timelineDetails';
import { parseWebviewMessage, type HostToWebview, type TimelineRequest } from '../../src/shared/protocol';
import { noBrowser, openWebviewPage } from '../support/webviewPage';
import { GUEST_ID, writeGuestLanePair } from '../support/guestLanePair';

const END_NS = 1_000_000;
/** The host's VM of these vCPU threads, named from the guest entry of the run-file header. */
const VM = `guest-${GUEST_ID}`;

test('guest lanes painted in the timeline panel after Add Guest Trace…', { skip: noBrowser() }, async () => {
  const { hostPath, guestPath } = writeGuestLanePair(mkdtempSync(join(tmpdir(), 'guest-lanes-page-')));
  const host = await analyzeTraceFile(hostPath);
  const session = host.session;
  const dashboard = { ...buildDashboard(session.store, { title: 'host', format: 'ftrace', bins: 20 }), traceStartNs: 0, traceEndNs: END_NS, rangeStartNs: 0, rangeEndNs: END_NS };
  const rows = { line: (row: number) => session.store.line[row], comm: () => '' };
  const { lease, tab, errors, posted, violations } = await openWebviewPage('traceEditor', { width: 1100, height: 1200 });
  try {
    await tab.exposeFunction('__host', (raw: unknown) => {
      const m = parseWebviewMessage(raw);
      let reply: HostToWebview | null = null;
      if (m?.type === 'timeline') reply = { type: 'timeline', id: m.id, window: timelineWindow(session.tables, m.request, session.guestLanes) };
      else if (m?.type === 'timelineDetails') reply = { type: 'timelineDetails', id: m.id, details: timelineDetails(session.tables, rows, m.request, undefined, session.guestLanes) };
      if (reply) void tab.evaluate((r) => window.postMessage(r, '*'), reply);
    });
    await tab.evaluate(() => {
      const w = window as unknown as { __posted: unknown[]; __host: (m: unknown) => void };
      const push = w.__posted.push.bind(w.__posted);
      w.__posted.push = (...m: unknown[]) => (m.forEach((x) => w.__host(x)), push(...m));
    });
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), dashboard);
    const renders = () => tab.locator('.tl-canvas canvas').evaluate((c) => Number((c as HTMLCanvasElement).dataset.renders));
    await tab.waitForFunction(() => Number(document.querySelector<HTMLCanvasElement>('.tl-canvas canvas')?.dataset.renders) >= 1);
    assert.equal(await tab.locator('.labels .lane[title^="guest "]').count(), 0);

    // A refused file: its reason, as text, and no new window.
    const before = await renders();
    const reason = 'guest.report: guest trace 0x1 belongs to host trace 0x2, not to host.report (trace id 0x3) <b>x</b>';
    await tab.evaluate((r) => window.postMessage({ type: 'guests', guestLanes: 0, message: r }, '*'), reason);
    await tab.waitForFunction(() => document.querySelector('[data-guests]')?.textContent !== '');
    assert.equal(await tab.locator('[data-guests]').textContent(), reason);

    // Added: the page asks again and lays the guest lanes out after their vCPU lanes.
    session.addGuests(await readGuestTraces(session.store.origin, hostPath, [guestPath], []));
    await tab.evaluate(() => window.postMessage({ type: 'guests', guestLanes: 2, message: null }, '*'));
    await tab.waitForFunction((n) => Number(document.querySelector<HTMLCanvasElement>('.tl-canvas canvas')?.dataset.renders) > n, before);
    await tab.locator('.labels .lane[title^="guest vm0 CPU 0"]').waitFor();
    const titles = await tab.locator('.labels .lane').evaluateAll((ns) => ns.map((n) => (n as HTMLElement).title.split(':')[0]));
    assert.deepEqual(titles.slice(-4), [`${VM}/vCPU 0`, 'guest vm0 CPU 0 (run by host thread 5001)', `${VM}/vCPU 1`, 'guest vm0 CPU 1 (run by host thread 5002)']);
    const canvas = tab.locator('[data-panel="timeline"] .tl-canvas canvas');
    const pixel = (ns: number, y: number) =>
      canvas.evaluate(
        (c, [fx, y]) => {
          const cv = c as HTMLCanvasElement;
          const dpr = cv.width / cv.clientWidth;
          return [...cv.getContext('2d')!.getImageData(Math.floor(fx * cv.width), Math.floor(y * dpr), 1, 1).data];
        },
        [ns / END_NS, y] as const,
      );
    const g0 = await tab.locator('.labels .lane[title^="guest vm0 CPU 0"]').evaluate((n) => (n as HTMLElement).offsetTop);
    assert.deepEqual(await pixel(125_000, g0 + 9), [0x89, 0xd1, 0x85, 255], 'task green');
    assert.deepEqual(await pixel(165_000, g0 + 9), [0xf1, 0x4c, 0x4c, 255], 'lock contention red');
    assert.equal((await pixel(600_000, g0 + 9))[3], 0, 'after the guest trace ends: blank');

    // Collapsing the VM group hides its guest lanes too, and they are no longer asked for.
    await tab.locator('.labels button.group', { hasText: VM }).click();
    await tab.waitForFunction(() => !document.querySelector('.labels .lane[title^="guest "]'));
    const last = ((await posted()) as { type: string; request?: TimelineRequest }[]).filter((m) => m.type === 'timeline').at(-1)!.request!;
    assert.deepEqual(last.lanes?.guests, []);
    assert.deepEqual(errors, []);
    assert.deepEqual(await violations(), []);
  } finally {
    await lease.close();
  }
});
