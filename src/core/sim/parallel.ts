// Runs simulation jobs in worker threads, at most `concurrency` at a time, with overall
// progress and cancellation (terminating the workers).

import { Worker } from 'node:worker_threads';
import type { SimJob, SimSummary } from './run';
import { removePartialRunFiles } from './runFileName';
import { SimulationCancelled } from './simulator';
import { OutputError } from '../outputFile';

export interface ParallelOptions {
  workerScript: string;
  concurrency: number;
  onProgress?: (done: number, total: number) => void;
  /** Each job's summary as soon as it is done (sweeps stream one row per run). */
  onResult?: (index: number, summary: SimSummary) => void;
  signal?: AbortSignal;
}

export function runJobsInWorkers(jobs: SimJob[], options: ParallelOptions): Promise<SimSummary[]> {
  const results: SimSummary[] = new Array(jobs.length);
  const progress = new Array(jobs.length).fill(0);
  const live = new Set<Worker>();
  let next = 0;
  let finished = 0;
  return new Promise((resolve, reject) => {
    let failed = false;
    // Stopped workers may leave run files half-written: remove them once the workers are gone.
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      void Promise.allSettled([...live].map((w) => w.terminate())).then(() => {
        removePartialRunFiles(jobs);
        reject(err);
      });
    };
    options.signal?.addEventListener('abort', () => fail(new SimulationCancelled()), { once: true });
    const report = () => options.onProgress?.(progress.reduce((a, b) => a + b, 0), jobs.length);
    const start = () => {
      if (failed || next >= jobs.length) return;
      const index = next++;
      const worker = new Worker(options.workerScript, { workerData: jobs[index] });
      live.add(worker);
      worker.on('message', (msg: { type: string; fraction?: number; summary?: SimSummary; message?: string; outputError?: boolean }) => {
        if (msg.type === 'progress') {
          progress[index] = msg.fraction ?? 0;
          report();
        } else if (msg.type === 'done') {
          results[index] = msg.summary!;
          try {
            options.onResult?.(index, msg.summary!);
          } catch (err) {
            return fail(err as Error);
          }
          progress[index] = 1;
          report();
          live.delete(worker);
          void worker.terminate();
          if (++finished === jobs.length) resolve(results);
          else start();
        } else fail(msg.outputError ? new OutputError(msg.message) : new Error(`${jobs[index].policy}: ${msg.message}`));
      });
      worker.on('error', (err) => fail(err));
    };
    if (options.signal?.aborted) return fail(new SimulationCancelled());
    if (jobs.length === 0) return resolve([]);
    for (let i = 0; i < Math.max(1, options.concurrency); i++) start();
  });
}
