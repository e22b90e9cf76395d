// Worker-thread entry: runs the simulation jobs it is sent, one at a time, and posts progress,
// then each summary. The worker stays for the next job, so its compiled code is reused.

import { parentPort } from 'node:worker_threads';
import { runJob, type SimJob } from './run';
import { OutputError } from '../outputFile';

parentPort?.on('message', ({ index, job }: { index: number; job: SimJob }) => {
  let last = 0;
  try {
    const summary = runJob(job, (fraction) => {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      parentPort?.postMessage({ type: 'progress', index, fraction });
    });
    parentPort?.postMessage({ type: 'done', index, summary });
  } catch (err) {
    parentPort?.postMessage({ type: 'error', index, message: (err as Error)?.message ?? String(err), outputError: err instanceof OutputError });
  }
});
