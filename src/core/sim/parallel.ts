// Runs simulation jobs on a pool of `concurrency` worker threads, each taking the next job when
// it is done, with overall progress and cancellation (terminating the workers). Workers that
// finish a call wait, idle, for the next call in this process (simWorker.ts keeps no state
// between jobs): a fresh worker compiles the simulator again, ~0.4 s of CPU, where one that
// has run it starts the next job at once.

import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
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

/** How long an idle worker waits for the next call before it ends. */
const IDLE_MS = 30_000;
/** Idle workers kept per worker script: as many as a call on every core uses. */
const MAX_IDLE = availableParallelism();

interface IdleWorker {
  worker: Worker;
  timer: NodeJS.Timeout;
}

/** Per worker script, the workers between calls; none of them keeps the process alive. */
const idle = new Map<string, IdleWorker[]>();

/** An idle worker of `script`, or a new one. */
function takeWorker(script: string): Worker {
  const waiting = idle.get(script)?.pop();
  if (!waiting) {
    const worker = new Worker(script);
    // A worker that dies idle leaves the pool; one at work reports it to its call as well.
    worker.on('exit', () => forget(script, worker));
    worker.on('error', () => forget(script, worker));
    return worker;
  }
  clearTimeout(waiting.timer);
  waiting.worker.ref();
  return waiting.worker;
}

/** A worker done with its call: idle for the next, unless enough are. */
function releaseWorker(script: string, worker: Worker): void {
  const waiting = idle.get(script) ?? [];
  if (waiting.length >= MAX_IDLE) return void worker.terminate();
  worker.removeAllListeners('message');
  worker.unref();
  const timer = setTimeout(() => {
    forget(script, worker);
    void worker.terminate();
  }, IDLE_MS);
  timer.unref();
  waiting.push({ worker, timer });
  idle.set(script, waiting);
}

function forget(script: string, worker: Worker): void {
  const waiting = idle.get(script);
  const at = waiting?.findIndex((w) => w.worker === worker) ?? -1;
  if (at < 0) return;
  clearTimeout(waiting![at].timer);
  waiting!.splice(at, 1);
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
    const done = (worker: Worker) => {
      live.delete(worker);
      worker.removeListener('error', fail);
      releaseWorker(options.workerScript, worker);
    };
    // One worker per slot, reused for the next job.
    const give = (worker: Worker) => {
      if (failed) return;
      if (next >= jobs.length) return done(worker);
      const index = next++;
      worker.postMessage({ index, job: jobs[index] });
    };
    const start = () => {
      const worker = takeWorker(options.workerScript);
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
            done(worker);
            resolve(results);
          } else give(worker);
        } else fail(msg.outputError ? new OutputError(msg.message) : new Error(`${jobs[index].policy}: ${msg.message}`));
      });
      worker.on('error', fail);
      give(worker);
    };
    if (options.signal?.aborted) return fail(new SimulationCancelled());
    if (jobs.length === 0) return resolve([]);
    for (let i = 0; i < Math.min(jobs.length, Math.max(1, options.concurrency)); i++) start();
  });
}
