// The state model on the 10-million-event benchmark store: building it (the one pass), what
// its tables add to the session's memory per event, and a range request for the last tenth
// of the trace (analysis + dashboard message) against its floor, the cold analysis of the
// same range (a fresh session over only that range's rows).

import { TraceSession } from '../src/core/session';
import { dashboardFromAnalysis } from '../src/core/analysis/viewModel';
import { EventStore } from '../src/core/trace/model';
import { importTraceFile } from '../src/core/trace/textImporter';
import { repeatInTime, TARGET_EVENTS } from './dashboardBench';

export interface StateModelFigures {
  events: number;
  buildMs: number;
  /** Bytes of the model's typed-array tables, per event. */
  tableBytesPerEvent: number;
  /** Heap + array buffers the session added (after GC), per event; null without --expose-gc. */
  addedBytesPerEvent: number | null;
  lastTenthMs: number;
  lastTenthColdMs: number;
  lastTenthMessageBytes: number;
  middleTenthMs: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
/** Heap and array buffers still held after full collections (buffers are freed a turn later). */
async function heldBytes(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** A store of only the rows in [startNs, endNs) (the store is in time order). */
function rowsBetween(store: EventStore, startNs: number, endNs: number): EventStore {
  let from = 0;
  while (from < store.length && store.ts[from] < startNs) from++;
  let to = from;
  while (to < store.length && store.ts[to] < endNs) to++;
  const out = new EventStore(16);
  for (const s of store.strings.strings) out.strings.intern(s);
  for (const [tid, t] of store.threads) out.threads.set(tid, { ...t });
  for (const name of ['ts', 'cpu', 'tid', 'kind', 'a', 'b', 'c', 'x', 'y', 'line'] as const) {
    (out as unknown as Record<string, unknown>)[name] = store[name].slice(from, to);
  }
  out.length = to - from;
  return out;
}

function tableBytes(session: TraceSession): number {
  let bytes = 0;
  for (const table of Object.values(session.model)) {
    if (table === session.store || typeof table !== 'object' || table === null) continue;
    for (const col of Object.values(table)) if (ArrayBuffer.isView(col)) bytes += col.byteLength;
  }
  return bytes;
}

/** A range request as the session worker answers it: analysis, dashboard model, JSON. */
function rangeRequest(session: TraceSession, startNs: number, endNs: number): number {
  const range = { startNs, endNs };
  const model = dashboardFromAnalysis(session.model, session.analyzeRange(startNs, endNs), { title: 'bench', format: 'trace-cmd', range });
  return Buffer.byteLength(JSON.stringify({ type: 'dashboard', model }));
}

const best = (runs: number, f: () => void) => {
  let ms = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    ms = Math.min(ms, performance.now() - t);
  }
  return ms;
};

export async function stateModelFigures(file: string): Promise<StateModelFigures> {
  const { store } = await importTraceFile(file);
  repeatInTime(store, Math.ceil(TARGET_EVENTS / store.length));
  const before = await heldBytes();
  const t0 = performance.now();
  const session = new TraceSession(store);
  const buildMs = performance.now() - t0;
  const added = (await heldBytes()) - before;
  const { startNs, endNs } = session.tables;
  const span = endNs - startNs;
  const last = { startNs: startNs + span * 0.9, endNs };
  // As the session worker does on opening: the whole trace's dashboard, before any range request.
  rangeRequest(session, -Infinity, Infinity);
  let lastTenthMessageBytes = 0;
  const lastTenthMs = best(3, () => (lastTenthMessageBytes = rangeRequest(session, last.startNs, last.endNs)));
  const middleTenthMs = best(3, () => rangeRequest(session, startNs + span * 0.45, startNs + span * 0.55));
  const cold = rowsBetween(store, last.startNs, Infinity);
  const lastTenthColdMs = best(1, () => rangeRequest(new TraceSession(cold), -Infinity, Infinity));
  return {
    events: store.length,
    buildMs,
    tableBytesPerEvent: tableBytes(session) / store.length,
    addedBytesPerEvent: gc ? added / store.length : null,
    lastTenthMs,
    lastTenthColdMs,
    lastTenthMessageBytes,
    middleTenthMs,
  };
}
