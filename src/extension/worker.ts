// The parsing worker: imports and analyses one trace off the extension host thread and posts
// progress, then the result. Cancellation is the host terminating this thread.

import { parentPort, workerData } from 'node:worker_threads';
import { analyzeTraceFile } from '../core/pipeline';
import { NotATraceError } from '../core/trace/sniff';
import type { AnalyzeRequest, WorkerMessage } from './workerMessages';

const post = (message: WorkerMessage) => parentPort?.postMessage(message);

async function run(request: AnalyzeRequest): Promise<void> {
  let lastPost = 0;
  try {
    const result = await analyzeTraceFile(request.file, {
      onProgress: (bytesRead, totalBytes) => {
        const now = Date.now();
        if (now - lastPost < 100 && bytesRead < totalBytes) return;
        lastPost = now;
        post({ type: 'progress', bytesRead, totalBytes });
      },
    });
    post({ type: 'done', result });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    const badInput = err instanceof NotATraceError || code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES';
    post({ type: 'error', kind: badInput ? 'bad-input' : 'internal', message: (err as Error)?.message ?? String(err) });
  }
}

void run(workerData as AnalyzeRequest);
