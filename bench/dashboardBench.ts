// The trace editor's dashboard for a 10-million-event trace: after the analysis, how long
// until the webview has drawn it (view model + message + render in headless Chromium), and
// how large each host → webview message is. The store comes from the real importer (the
// 200 MB benchmark trace) and is repeated end to end in time to pass 10 M events.

import { existsSync } from 'node:fs';
import { TraceSession } from '../src/core/session';
import { dashboardFromAnalysis } from '../src/core/analysis/viewModel';
import { EventStore } from '../src/core/trace/model';
import { importTraceFile } from '../src/core/trace/textImporter';
import type { HostToWebview } from '../src/shared/protocol';
import { CHROMIUM, openTraceEditorPage } from './benchPage';
import { join } from 'node:path';
import { statSync } from 'node:fs';
import { openTraceSession } from '../src/extension/workerBridge';
import type { DashboardModel } from '../src/shared/protocol';

export const TARGET_EVENTS = 10_000_000;

/** Repeats every row `times` times, each copy shifted after the previous one in time and lines. */
export function repeatInTime(store: EventStore, times: number): void {
  const n = store.length;
  let first = Infinity;
  let last = -Infinity;
  let maxLine = 0;
  for (let i = 0; i < n; i++) {
    if (store.ts[i] < first) first = store.ts[i];
    if (store.ts[i] > last) last = store.ts[i];
    if (store.line[i] > maxLine) maxLine = store.line[i];
  }
  const shift = last - first + 1_000_000;
  const columns = ['ts', 'cpu', 'tid', 'kind', 'a', 'b', 'c', 'x', 'y', 'line'] as const;
  for (const name of columns) {
    const old = store[name] as Float64Array | Uint16Array | Int32Array | Uint8Array | Uint32Array;
    const grown = new (old.constructor as new (len: number) => typeof old)(n * times);
    for (let k = 0; k < times; k++) grown.set(old.subarray(0, n), k * n);
    if (name === 'ts') for (let k = 1; k < times; k++) for (let i = 0; i < n; i++) grown[k * n + i] += k * shift;
    if (name === 'line') for (let k = 1; k < times; k++) for (let i = 0; i < n; i++) grown[k * n + i] += k * maxLine;
    (store as unknown as Record<string, typeof old>)[name] = grown;
  }
  store.length = n * times;
}

export interface DashboardFigures {
  events: number;
  analysisMs: number;
  modelMs: number;
  messageBytes: number;
  rangeMs: number;
  rangeMessageBytes: number;
  /** null without a browser. */
  renderMs: number | null;
  rangeRenderMs: number | null;
  firstView: FirstViewFigures;
}

/** Opening the trace (not repeated) as the editor does: the session worker, from its start. */
export interface FirstViewFigures {
  megabytes: number;
  /** The first partial dashboard posted by the worker (null: none came), and how much had been read. */
  firstPartialMs: number | null;
  firstPartialShare: number | null;
  partials: number;
  /** The whole trace's dashboard (the worker's 'opened'). */
  fullMs: number;
  /** Drawing each in Chromium (null without a browser). */
  partialRenderMs: number | null;
  fullRenderMs: number | null;
}

/** First view ≤ this, from the session worker's start to the drawn dashboard (the speed issue). */
export const FIRST_VIEW_TARGET_MS = 2500;

/**
 * The first dashboard the page draws: the first partial one, or the whole trace's when the
 * file was read before a partial one was due (views/partialView.ts PARTIAL_FIRST_MS).
 */
export function firstViewMs(f: FirstViewFigures): { ms: number; partial: boolean } {
  if (f.firstPartialMs !== null) return { ms: f.firstPartialMs + (f.partialRenderMs ?? 0), partial: true };
  return { ms: f.fullMs + (f.fullRenderMs ?? 0), partial: false };
}

/** The bench's line for opening a trace as the editor does. */
export function firstViewLine(f: FirstViewFigures): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const drawn = (ms: number | null) => (ms === null ? '' : ` + ${ms.toFixed(0)} ms drawing`);
  const first = firstViewMs(f);
  const partial = f.firstPartialMs === null ? 'none (the whole file was read before one was due)' : `${s(f.firstPartialMs)}${drawn(f.partialRenderMs)} (${(100 * f.firstPartialShare!).toFixed(0)} % read; ${f.partials} partial views in all)`;
  return (
    `opening the ${f.megabytes.toFixed(0)} MB trace as the editor does (session worker, from its start): first partial view ${partial}; whole dashboard ${s(f.fullMs)}${drawn(f.fullRenderMs)}; ` +
    `target first view ≤ ${s(FIRST_VIEW_TARGET_MS)}: ${first.ms <= FIRST_VIEW_TARGET_MS ? 'met' : 'MISSED'} (${s(first.ms)}, the ${first.partial ? 'partial' : 'whole'} dashboard)`
  );
}

/** Time to the first partial view and to the whole one, from the start of the session worker. */
export async function firstViewFigures(file: string): Promise<FirstViewFigures> {
  const partials: { ms: number; model: DashboardModel }[] = [];
  const t0 = performance.now();
  const session = openTraceSession(join(__dirname, 'sessionWorker.js'), file, () => {}, { onPartial: (model) => partials.push({ ms: performance.now() - t0, model }) });
  try {
    const { model } = await session.opened;
    const fullMs = performance.now() - t0;
    const first = partials[0];
    const messages: HostToWebview[] = [...(first ? [{ type: 'dashboard' as const, model: first.model }] : []), { type: 'dashboard', model }];
    const render = existsSync(CHROMIUM) ? await renderTimes(messages) : null;
    return {
      megabytes: statSync(file).size / 1048576,
      firstPartialMs: first?.ms ?? null,
      firstPartialShare: first ? first.model.partial!.bytesRead / first.model.partial!.totalBytes : null,
      partials: partials.length,
      fullMs,
      partialRenderMs: first && render ? render[0] : null,
      fullRenderMs: render ? render[render.length - 1] : null,
    };
  } finally {
    session.dispose();
  }
}

export async function dashboardFigures(file: string): Promise<DashboardFigures> {
  // First, alone in the process: opening the file as the editor does.
  const firstView = await firstViewFigures(file);
  const { store, format } = await importTraceFile(file);
  repeatInTime(store, Math.ceil(TARGET_EVENTS / store.length));
  const t0 = performance.now();
  const session = new TraceSession(store);
  const analysis = session.analysis;
  const t1 = performance.now();
  const message: HostToWebview = { type: 'dashboard', model: dashboardFromAnalysis(session.model, analysis, { title: 'bench', format }) };
  const json = JSON.stringify(message);
  const t2 = performance.now();
  // A range request: the middle tenth of the trace, analysed again and summarised.
  const span = message.model.traceEndNs - message.model.traceStartNs;
  const range = { startNs: message.model.traceStartNs + span * 0.45, endNs: message.model.traceStartNs + span * 0.55 };
  const t3 = performance.now();
  const rangeMessage: HostToWebview = { type: 'dashboard', model: dashboardFromAnalysis(session.model, session.analyzeRange(range.startNs, range.endNs), { title: 'bench', format, range }) };
  const rangeJson = JSON.stringify(rangeMessage);
  const t4 = performance.now();
  const render = existsSync(CHROMIUM) ? await renderTimes([message, rangeMessage]) : null;
  return {
    events: store.length,
    analysisMs: t1 - t0,
    modelMs: t2 - t1,
    messageBytes: Buffer.byteLength(json),
    rangeMs: t4 - t3,
    rangeMessageBytes: Buffer.byteLength(rangeJson),
    renderMs: render?.[0] ?? null,
    rangeRenderMs: render?.[1] ?? null,
    firstView,
  };
}

/** Milliseconds from posting each message to the trace editor page until it has drawn it. */
async function renderTimes(messages: HostToWebview[]): Promise<number[]> {
  const { browser, tab } = await openTraceEditorPage('window.acquireVsCodeApi = () => ({ postMessage() {}, getState() {}, setState() {} });', { width: 1400, height: 1000 });
  try {
    const times: number[] = [];
    for (const [i, message] of messages.entries()) {
      // Timed inside the page: from the message event being queued to the end of render().
      const ms = await tab.evaluate(
        ([m, expected]) =>
          new Promise<number>((resolve) => {
            const app = document.getElementById('app')!;
            const start = performance.now();
            new MutationObserver((_, observer) => {
              if (app.dataset.renders === String(expected)) {
                observer.disconnect();
                resolve(performance.now() - start);
              }
            }).observe(app, { attributes: true });
            window.postMessage(m, '*');
          }),
        [message, i + 1] as const,
      );
      times.push(ms);
    }
    return times;
  } finally {
    await browser.close();
  }
}
