// Runs an open trace's session worker: a promise for the opened trace with progress,
// range requests, and cancellation. No 'vscode' import: the tests drive it directly.

import { Worker } from 'node:worker_threads';
import type { SessionMessage, SessionRequest, TimelineAnswers, TimelineQuery, TimelineQueryRequest } from '../shared/workerMessages';
import type { AnalysisResult } from '../core/analysis/analyze';
import type { DashboardModel } from '../shared/protocol';

export class AnalysisError extends Error {
  constructor(
    message: string,
    readonly kind: 'bad-input' | 'internal' | 'cancelled',
    /** The file holds no trace (a bad-input error): it can be reopened as text. */
    readonly notATrace = false,
  ) {
    super(message);
  }
}

/** An open trace: a worker that keeps the store and answers range requests. */
export interface TraceSession {
  opened: Promise<{ format: string; analysis: AnalysisResult; model: DashboardModel; pcpus: number }>;
  dashboard(range?: { startNs: number; endNs: number }): Promise<DashboardModel>;
  /** A timeline request (window, details, event page, export) answered by the worker. */
  query<Q extends TimelineQuery>(query: Q): Promise<TimelineAnswers[Q['kind']]>;
  dispose(): void;
}

export interface TraceSessionOptions {
  clockHz?: number;
  /** The dashboard of the part read so far, while the rest is read (model.partial says how much). */
  onPartial?: (model: DashboardModel) => void;
  /** When partial views are made (ms after the worker starts, then between two); tests make them early. */
  partialFirstMs?: number;
  partialEveryMs?: number;
}

export function openTraceSession(workerScript: string, file: string, onProgress: (bytesRead: number, totalBytes: number) => void, options: TraceSessionOptions = {}): TraceSession {
  const { clockHz, partialFirstMs, partialEveryMs } = options;
  const worker = new Worker(workerScript, { workerData: { file, clockHz, partialFirstMs, partialEveryMs } });
  const pending = new Map<number, { resolve: (m: never) => void; reject: (err: AnalysisError) => void }>();
  let nextId = 1;
  let disposed = false;
  let fail: (err: AnalysisError) => void = () => {};
  let stopped: AnalysisError | undefined;
  // A request must never wait forever: when the worker stops, every open request fails.
  const stop = (err: AnalysisError) => {
    stopped ??= err;
    fail(err);
    for (const request of pending.values()) request.reject(err);
    pending.clear();
  };
  const opened = new Promise<{ format: string; analysis: AnalysisResult; model: DashboardModel; pcpus: number }>((resolve, reject) => {
    fail = reject;
    worker.on('message', (m: SessionMessage) => {
      if (m.type === 'progress') onProgress(m.bytesRead, m.totalBytes);
      else if (m.type === 'partial') options.onPartial?.(m.model);
      else if (m.type === 'opened') resolve(m);
      else if (m.type === 'dashboard' || m.type === 'answer') {
        pending.get(m.id)?.resolve((m.type === 'dashboard' ? m.model : m.answer) as never);
        pending.delete(m.id);
      } else if (m.type === 'failed') {
        pending.get(m.id)?.reject(new AnalysisError(m.message, 'internal'));
        pending.delete(m.id);
      } else stop(new AnalysisError(m.message, m.kind, m.notATrace === true));
    });
    worker.on('error', (err) => stop(new AnalysisError(err.message, 'internal')));
    worker.on('exit', (code) => {
      if (!disposed) stop(new AnalysisError(`worker stopped (exit code ${code})`, 'internal'));
    });
  });
  return {
    opened,
    dashboard(range) {
      if (stopped) return Promise.reject(stopped);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        const request: SessionRequest = { id, range };
        worker.postMessage(request);
      });
    },
    query(query) {
      if (stopped) return Promise.reject(stopped);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (m: never) => void, reject });
        const request: TimelineQueryRequest = { id, query };
        worker.postMessage(request);
      });
    },
    dispose() {
      disposed = true;
      stop(new AnalysisError('cancelled', 'cancelled'));
      void worker.terminate();
    },
  };
}
