// Messages between the extension host and the parsing worker (worker_threads).

import type { TraceAnalysis } from '../core/pipeline';

export interface AnalyzeRequest {
  file: string;
}

export type WorkerMessage =
  | { type: 'progress'; bytesRead: number; totalBytes: number }
  | { type: 'done'; result: TraceAnalysis }
  | { type: 'error'; kind: 'bad-input' | 'internal'; message: string };
