// The timeline on the 11 M-event benchmark trace, after the analysis: the first window (whole
// trace), then zoom and pan steps as a user takes them (W ×12 about the middle, D ×4, S ×6,
// A ×4, then a deep zoom to 1 µs and pans there): host work per step (view model + JSON) and
// message size; in headless Chromium, the time from the message to the canvas drawn.

import { existsSync } from 'node:fs';
import { threadCpuNs } from './threadCpu';
import { TraceSession } from '../src/core/session';
import { importTraceFile } from '../src/core/trace/textImporter';
import { timelineWindow } from '../src/core/views/timeline';
import { dashboardFromAnalysis } from '../src/core/analysis/viewModel';
import type { HostToWebview, TimelineRequest } from '../src/shared/protocol';
import { panView, zoomView, PAN_STEP, ZOOM_STEP, type Bounds, type View } from '../webview/timeline/viewport';
import { repeatInTime, TARGET_EVENTS } from './dashboardBench';
import { CHROMIUM, openTraceEditorPage } from './benchPage';

const WIDTH_PX = 1400;

export interface TimelineFigures {
  events: number;
  analysisMs: number;
  /** Wall time, and the process's CPU time (host work, whatever else the machine runs). */
  firstMs: number;
  firstCpuMs: number;
  /** On-CPU time of the thread that answers (what the reply waits for), without V8's concurrent GC and compiler threads. */
  firstThreadMs: number;
  firstBytes: number;
  steps: number;
  stepMedianMs: number;
  stepMaxMs: number;
  stepMedianCpuMs: number;
  stepMaxCpuMs: number;
  stepMedianThreadMs: number;
  stepMaxThreadMs: number;
  /** Which step (0-based, in userSteps order) took stepMaxCpuMs. */
  stepMaxCpuAt: number;
  largestBytes: number;
  /** null without a browser. */
  firstDrawMs: number | null;
  drawMaxMs: number | null;
  /** The canvas work alone (drawTimeline), max over the steps. */
  canvasMaxMs: number | null;
}

/** The views a user steps through, from the whole trace. */
function userSteps(b: Bounds): View[] {
  const views: View[] = [];
  let v: View = { startNs: b.startNs, endNs: b.endNs };
  const go = (next: View) => views.push((v = next));
  for (let i = 0; i < 12; i++) go(zoomView(v, ZOOM_STEP, 0.5, b));
  for (let i = 0; i < 4; i++) go(panView(v, PAN_STEP, b));
  for (let i = 0; i < 6; i++) go(zoomView(v, 1 / ZOOM_STEP, 0.5, b));
  for (let i = 0; i < 4; i++) go(panView(v, -PAN_STEP, b));
  const mid = (v.startNs + v.endNs) / 2;
  go({ startNs: mid, endNs: mid + 1000 });
  for (let i = 0; i < 4; i++) go(panView(v, PAN_STEP, b));
  return views;
}

export async function timelineFigures(file: string): Promise<TimelineFigures> {
  const { store, format } = await importTraceFile(file);
  repeatInTime(store, Math.ceil(TARGET_EVENTS / store.length));
  const t0 = performance.now();
  const session = new TraceSession(store);
  const analysisMs = performance.now() - t0;
  const tables = session.tables;
  const answer = (request: TimelineRequest) => {
    const t = performance.now();
    const cpu = process.cpuUsage();
    const thread = threadCpuNs();
    const json = JSON.stringify({ type: 'timeline', id: 1, window: timelineWindow(tables, request) });
    const threadMs = (threadCpuNs() - thread) / 1e6;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    return { ms: performance.now() - t, cpuMs, threadMs: Number.isNaN(threadMs) ? cpuMs : threadMs, bytes: Buffer.byteLength(json), json };
  };
  const bounds: Bounds = { startNs: tables.startNs, endNs: tables.endNs, minSpanNs: 100 };
  const first = answer({ startNs: bounds.startNs, endNs: bounds.endNs, widthPx: WIDTH_PX });
  const stepTimes: number[] = [];
  const stepCpu: number[] = [];
  const stepThread: number[] = [];
  let largest = first.bytes;
  for (const v of userSteps(bounds)) {
    const r = answer({ ...v, widthPx: WIDTH_PX });
    stepTimes.push(r.ms);
    stepCpu.push(r.cpuMs);
    stepThread.push(r.threadMs);
    largest = Math.max(largest, r.bytes);
  }
  const stepMaxCpuAt = stepCpu.indexOf(Math.max(...stepCpu));
  for (const column of [stepTimes, stepCpu, stepThread]) column.sort((p, q) => p - q);
  const dashboard: HostToWebview = { type: 'dashboard', model: dashboardFromAnalysis(session.model, session.analysis, { title: 'bench', format }) };
  const draw = existsSync(CHROMIUM) ? await drawTimes(dashboard, (request) => answer(request).json) : null;
  return {
    events: store.length,
    analysisMs,
    firstMs: first.ms,
    firstCpuMs: first.cpuMs,
    firstThreadMs: first.threadMs,
    firstBytes: first.bytes,
    steps: stepTimes.length,
    stepMedianMs: stepTimes[stepTimes.length >> 1],
    stepMaxMs: stepTimes[stepTimes.length - 1],
    stepMedianCpuMs: stepCpu[stepCpu.length >> 1],
    stepMaxCpuMs: stepCpu[stepCpu.length - 1],
    stepMedianThreadMs: stepThread[stepThread.length >> 1],
    stepMaxThreadMs: stepThread[stepThread.length - 1],
    stepMaxCpuAt,
    largestBytes: largest,
    firstDrawMs: draw?.times[0] ?? null,
    drawMaxMs: draw ? Math.max(...draw.times.slice(1)) : null,
    canvasMaxMs: draw ? Math.max(...draw.canvas) : null,
  };
}

/**
 * In the trace editor page: the dashboard is posted, then each timeline request the page makes
 * (the first window, then W/D/S/A key presses) is answered; timed inside the page from the
 * reply being posted to the end of the canvas drawing (data-renders changes).
 */
async function drawTimes(dashboard: HostToWebview, reply: (request: TimelineRequest) => string): Promise<{ times: number[]; canvas: number[] }> {
  const { browser, tab } = await openTraceEditorPage(
    'window.__posted = []; window.acquireVsCodeApi = () => ({ postMessage(m) { window.__posted.push(m); }, getState() {}, setState() {} });',
    { width: WIDTH_PX + 200, height: 1000 },
  );
  try {
    await tab.evaluate((m) => window.postMessage(m, '*'), dashboard);
    const times: number[] = [];
    const canvas: number[] = [];
    let seen = 0;
    const answerLatest = async () => {
      await tab.waitForFunction((n) => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'timeline').length > n, seen);
      const requests = (await tab.evaluate(() => (window as unknown as { __posted: { type: string; id: number; request: TimelineRequest }[] }).__posted.filter((m) => m.type === 'timeline'))) as { id: number; request: TimelineRequest }[];
      const fresh = requests.slice(seen);
      seen = requests.length;
      // The overview (the first request) is answered too, untimed.
      for (const r of fresh.slice(0, -1)) await tab.evaluate((json) => window.postMessage(JSON.parse(json), '*'), reply(r.request).replace('"id":1', `"id":${r.id}`));
      const last = fresh[fresh.length - 1];
      const json = reply(last.request).replace('"id":1', `"id":${last.id}`);
      times.push(
        await tab.evaluate(
          (json) =>
            new Promise<number>((resolve) => {
              const canvas = document.querySelector<HTMLCanvasElement>('[data-panel="timeline"] .tl-canvas canvas')!;
              const before = canvas.dataset.renders;
              const message = JSON.parse(json);
              const start = performance.now();
              new MutationObserver((_, observer) => {
                if (canvas.dataset.renders !== before) {
                  observer.disconnect();
                  resolve(performance.now() - start);
                }
              }).observe(canvas, { attributes: true });
              window.postMessage(message, '*');
            }),
          json,
        ),
      );
      canvas.push(Number(await tab.getAttribute('[data-panel="timeline"] .tl-canvas canvas', 'data-draw-ms')));
    };
    await answerLatest();
    await tab.focus('[data-panel="timeline"] .tl-canvas canvas');
    for (const key of ['w', 'w', 'w', 'w', 'd', 'd', 's', 'a']) {
      await tab.keyboard.press(key);
      await answerLatest();
    }
    return { times, canvas };
  } finally {
    await browser.close();
  }
}
