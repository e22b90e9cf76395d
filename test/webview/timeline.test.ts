// The timeline panel in Chromium (Debian's, via playwright-core), with this test as the host:
// each request the page posts is answered from hand-made tables by the real view model.
// Lanes painted, arrows drawn, zoom and pan change the window asked for, keyboard paths,
// a hostile thread name shown as text.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDashboard } from '../../src/core/analysis/viewModel';
import { importTraceText } from '../../src/core/trace/textImporter';
import { timelineWindow } from '../../src/core/views/timeline';
import { timelineDetails } from '../../src/core/views/timelineDetails';
import { parseWebviewMessage, type HostToWebview, type TimelineRequest } from '../../src/shared/protocol';
import { fixture, ROOT } from '../support/paths';
import { noBrowser, openWebviewPage } from '../support/webviewPage';
import { smallTables } from '../support/timelineTables';

const EVIL = '<img src=x onerror=window.__pwned=1>';

test('timeline panel in Chromium', { skip: noBrowser() }, async () => {
  const tables = smallTables();
  tables.vcpuLanes[1].comm = EVIL;
  const { store } = importTraceText(readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8'));
  const dashboard = { ...buildDashboard(store, { title: 't', format: 'ftrace', bins: 20 }), traceStartNs: 0, traceEndNs: 1000, rangeStartNs: 0, rangeEndNs: 1000 };
  const rows = { line: (row: number) => row + 1, comm: (tid: number) => (tid === 101 ? EVIL : 'stress') };
  const { lease, tab, errors, posted, violations } = await openWebviewPage('traceEditor', { width: 1100, height: 1600 });
  try {
    await tab.exposeFunction('__host', (raw: unknown) => {
      const m = parseWebviewMessage(raw);
      let reply: HostToWebview | null = null;
      if (m?.type === 'timeline') reply = { type: 'timeline', id: m.id, window: timelineWindow(tables, m.request) };
      else if (m?.type === 'timelineDetails') reply = { type: 'timelineDetails', id: m.id, details: timelineDetails(tables, rows, m.request) };
      else if (m?.type === 'eventList') reply = { type: 'eventList', id: m.id, page: { offset: 0, total: 1, eventNames: ['sched_switch'], rows: [{ ts: 500, cpu: 1, tid: 101, comm: EVIL, event: 'sched_switch', info: `${EVIL}:101 R ==> x:1`, line: 7 }] } };
      if (reply) void tab.evaluate((r) => window.postMessage(r, '*'), reply);
    });
    await tab.evaluate(() => {
      const w = window as unknown as { __posted: unknown[]; __host: (m: unknown) => void };
      const push = w.__posted.push.bind(w.__posted);
      w.__posted.push = (...m: unknown[]) => (m.forEach((x) => w.__host(x)), push(...m));
    });
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), dashboard);
    const canvas = tab.locator('[data-panel="timeline"] .tl-canvas canvas');
    await tab.waitForFunction(() => Number(document.querySelector<HTMLCanvasElement>('.tl-canvas canvas')?.dataset.renders) >= 1);
    const requests = async () => ((await posted()) as { type: string; request?: TimelineRequest }[]).filter((m) => m.type === 'timeline').map((m) => m.request!);
    const first = (await requests()).at(-1)!;
    assert.deepEqual([first.startNs, first.endNs], [0, 1000]);

    // Lanes painted: vm0/vCPU 0 is in the guest over its first 40 %, preempted after 41 %.
    const laneY = (title: string) => tab.locator(`.labels .lane[title^="${title}"]`).evaluate((n) => (n as HTMLElement).offsetTop);
    const pixel = (fx: number, y: number) =>
      canvas.evaluate(
        (c, [fx, y]) => {
          const cv = c as HTMLCanvasElement;
          const dpr = cv.width / cv.clientWidth;
          return [...cv.getContext('2d')!.getImageData(Math.floor(fx * cv.width), Math.floor(y * dpr), 1, 1).data];
        },
        [fx, y] as const,
      );
    const y0 = await laneY('vm0/vCPU 0');
    const y1 = await laneY('vm0/vCPU 1');
    assert.deepEqual(await pixel(0.2, y0 + 9), [0x89, 0xd1, 0x85, 255], 'guest green');
    assert.deepEqual(await pixel(0.7, y0 + 9), [0xf1, 0x4c, 0x4c, 255], 'preempted red');
    // pCPU 0 ran vm0's vCPU (VM colour blue), then another task (grey), then idle (blank).
    const c0 = await laneY('pCPU 0');
    assert.deepEqual(await pixel(0.2, c0 + 9), [0x37, 0x94, 0xff, 255]);
    assert.equal((await pixel(0.8, c0 + 9))[3], 0, 'idle is blank');
    // Arrows drawn across the gap between the two lanes: the ignored boost (405 ns) in red.
    const gap = y1 + 1;
    const w = (await canvas.evaluate((c) => (c as HTMLCanvasElement).clientWidth)) as number;
    const ignoredX = (Math.floor((405 / 1000) * w) + 0.5) / w;
    assert.deepEqual((await pixel(ignoredX, gap)).slice(0, 3), [0xf1, 0x4c, 0x4c]);
    assert.equal((await pixel(0.1, gap))[3], 0, 'no arrow elsewhere');

    // Zoom with a key: the window asked for is narrower, about the middle.
    await canvas.focus();
    await tab.keyboard.press('w');
    await tab.waitForFunction(() => Number(document.querySelector<HTMLCanvasElement>('.tl-canvas canvas')!.dataset.renders) >= 2);
    const zoomed = (await requests()).at(-1)!;
    assert.ok(zoomed.endNs - zoomed.startNs < 1000 * 0.81 && zoomed.startNs > 0, JSON.stringify(zoomed));
    // Pan right with D, then back with [: the zoomed window again.
    await tab.keyboard.press('d');
    const panned = (await requests()).at(-1)!;
    assert.ok(panned.startNs > zoomed.startNs && Math.abs(panned.endNs - panned.startNs - (zoomed.endNs - zoomed.startNs)) < 1e-6);
    await tab.keyboard.press('[');
    assert.deepEqual((await requests()).at(-1), zoomed);
    // Wheel up over the canvas zooms in further.
    const box = (await canvas.boundingBox())!;
    const before = (await requests()).length;
    await tab.mouse.move(box.x + box.width * 0.25, box.y + 10);
    await tab.mouse.wheel(0, -100);
    await tab.waitForFunction((n) => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'timeline').length > n, before);
    const wheeled = (await requests()).at(-1)!;
    assert.ok(wheeled.endNs - wheeled.startNs < zoomed.endNs - zoomed.startNs);
    // Whole trace again with 0; a rubber band with shift-drag selects a range for every panel.
    await tab.keyboard.press('0');
    await tab.keyboard.down('Shift');
    await tab.mouse.move(box.x + box.width * 0.2, box.y + 5);
    await tab.mouse.down();
    await tab.mouse.move(box.x + box.width * 0.5, box.y + 5, { steps: 4 });
    await tab.mouse.up();
    await tab.keyboard.up('Shift');
    const range = ((await posted()) as { type: string; startNs?: number; endNs?: number }[]).filter((m) => m.type === 'selectRange').at(-1)!;
    assert.ok(Math.abs(range.startNs! - 200) < 5 && Math.abs(range.endNs! - 500) < 5, JSON.stringify(range));

    // Click vm0/vCPU 1's lane: details of its run, thread name as text.
    await tab.mouse.click(box.x + box.width * 0.2, box.y + y1 + 9);
    await tab.waitForSelector('.details h3');
    assert.equal(await tab.locator('.details h3').textContent(), 'vm0/vCPU 1: halted');
    assert.ok((await tab.locator('.details').textContent())!.includes(`${EVIL}-101`));
    await tab.locator('.details vscode-button').first().click();
    assert.deepEqual(((await posted()) as { type: string }[]).filter((m) => m.type === 'revealLine').at(-1), { type: 'revealLine', line: 5 });
    // The keyboard's click: down to the third lane (vm0/vCPU 0 after CPU 0 and 1), I for its details.
    await canvas.focus();
    for (const key of ['ArrowDown', 'ArrowDown', 'ArrowDown', 'i']) await tab.keyboard.press(key);
    await tab.waitForFunction(() => document.querySelector('.details h3')?.textContent?.startsWith('vm0/vCPU 0'));
    // The event list row, the lane label's tooltip: text, never markup.
    await tab.waitForSelector('.events .erow');
    assert.ok((await tab.locator('.events .erow').first().textContent())!.includes(EVIL));
    assert.equal(await tab.locator('.labels .lane[title*="onerror"]').count(), 1);
    assert.equal(await tab.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await tab.locator('[data-panel="timeline"] img').count(), 0);
    // Collapse vm1: its lanes leave the request.
    await tab.locator('.labels button.group', { hasText: 'vm1' }).click();
    const collapsed = (await requests()).at(-1)!;
    assert.deepEqual(collapsed.lanes, { vcpus: [0, 1], cpus: [0, 1] });
    // A range picked in the dashboard (its chart or form): the timeline shows it, padded.
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), { ...dashboard, rangeStartNs: 600, rangeEndNs: 700 });
    await tab.waitForFunction(() => {
      const t = (window as unknown as { __posted: { type: string; request?: TimelineRequest }[] }).__posted.filter((m) => m.type === 'timeline').at(-1)!.request!;
      return t.startNs === 550 && t.endNs === 750;
    });
    // The table alternative lists the runs drawn.
    await tab.locator('.window-table summary').click();
    await tab.waitForSelector('.window-table tbody tr:nth-child(5)');
    assert.deepEqual(await violations(), []);
    assert.deepEqual(errors, []);
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await tab.locator('[data-panel="timeline"]').screenshot({ path: join(ROOT, 'test-results', 'timeline.png') });
  } finally {
    await lease.close();
  }
});
