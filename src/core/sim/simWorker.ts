// Worker-thread entry: runs one simulation job and posts progress, then the summary.

import { parentPort, workerData } from 'node:worker_threads';
import { runJob, type SimJob } from './run';
import { OutputError } from '../outputFile';

const job = workerData as SimJob;
let last = 0;
try {
  const summary = runJob(job, (fraction) => {
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    parentPort?.postMessage({ type: 'progress', fraction });
  });
  parentPort?.postMessage({ type: 'done', summary });
} catch (err) {
  parentPort?.postMessage({ type: 'error', message: (err as Error)?.message ?? String(err), outputError: err instanceof OutputError });
}
