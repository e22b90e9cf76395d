// Runs simulation jobs on a pool of `concurrency` worker threads, each taking the next job when
// it is done, with overall progress and cancellation (terminating the workers).

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
    // One worker per slot, reused for the next job (a fresh worker compiles the simulator again).
    const give = (worker: Worker) => {
      if (failed) return;
      if (next >= jobs.length) {
        live.delete(worker);
        void worker.terminate();
        return;
      }
      const index = next++;
      worker.postMessage({ index, job: jobs[index] });
    };
    const start = () => {
      const worker = new Worker(options.workerScript);
      live.add(worker);
      worker.on('message', (msg: { type: string; index: number; fraction?: number; summary?: SimSummary; message?: string; outputError?: boolean }) => {
        const index = msg.index;
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
          if (++finished === jobs.length) {
            live.delete(worker);
            void worker.terminate();
            resolve(results);
          } else give(worker);
        } else fail(msg.outputError ? new OutputError(msg.message) : new Error(`${jobs[index].policy}: ${msg.message}`));
      });
      worker.on('error', (err) => fail(err));
      give(worker);
    };
    if (options.signal?.aborted) return fail(new SimulationCancelled());
    if (jobs.length === 0) return resolve([]);
    for (let i = 0; i < Math.min(jobs.length, Math.max(1, options.concurrency)); i++) start();
  });
}
