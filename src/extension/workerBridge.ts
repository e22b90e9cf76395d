// Runs the parsing worker and turns its messages into a promise with progress and
// cancellation. No 'vscode' import: the tests drive it directly.

import { Worker } from 'node:worker_threads';
import type { TraceAnalysis } from '../core/pipeline';
import type { AnalyzeRequest, WorkerMessage } from './workerMessages';

export class AnalysisError extends Error {
  constructor(
    message: string,
    readonly kind: 'bad-input' | 'internal' | 'cancelled',
  ) {
    super(message);
  }
}

export interface AnalysisRun {
  result: Promise<TraceAnalysis>;
  cancel(): void;
}

export function analyzeInWorker(
  workerScript: string,
  file: string,
  onProgress: (bytesRead: number, totalBytes: number) => void,
): AnalysisRun {
  const request: AnalyzeRequest = { file };
  const worker = new Worker(workerScript, { workerData: request });
  let settled = false;
  let cancel = () => {};
  const result = new Promise<TraceAnalysis>((resolve, reject) => {
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    cancel = () => finish(() => reject(new AnalysisError('cancelled', 'cancelled')));
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') onProgress(message.bytesRead, message.totalBytes);
      else if (message.type === 'done') finish(() => resolve(message.result));
      else finish(() => reject(new AnalysisError(message.message, message.kind)));
    });
    worker.on('error', (err) => finish(() => reject(new AnalysisError(err.message, 'internal'))));
    worker.on('exit', (code) => finish(() => reject(new AnalysisError(`worker stopped (exit code ${code})`, 'internal'))));
  });
  return { result, cancel: () => cancel() };
}
