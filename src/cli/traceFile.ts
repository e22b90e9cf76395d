// A trace file opened for a command: imported and analysed (on worker threads where that
// helps), with reading progress on stderr.

import { join } from 'node:path';
import { analyzeTraceFile, type TraceAnalysis } from '../core/pipeline';
import type { CliIo } from './io';
import { readingProgress } from './progress';

export async function openTraceFile(io: CliIo, file: string, signal: AbortSignal): Promise<TraceAnalysis> {
  const progress = readingProgress(io, file);
  try {
    return await analyzeTraceFile(file, { signal, onProgress: progress.update, workerScript: join(io.workerDir, 'importWorker.js') });
  } finally {
    progress.done();
  }
}
