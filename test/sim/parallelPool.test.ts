// The simulation worker pool: `concurrency` workers, each taking the next job when it is done
// (a fresh worker per job compiled the simulator again: ~2× the first run's cost), left idle for
// the next call of the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJobsInWorkers } from '../../src/core/sim/parallel';
import type { SimJob, SimSummary } from '../../src/core/sim/run';

/** A stand-in worker that answers each job with the thread that ran it, speaking the pool's protocol. */
const ECHO_WORKER = `
const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', ({ index, job }) => {
  parentPort.postMessage({ type: 'progress', index, fraction: 0.5 });
  parentPort.postMessage({ type: 'done', index, summary: { policy: job.policy, threadId } });
});
`;

function writeWorker(source: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sim-pool-')), 'worker.js');
  writeFileSync(file, source);
  return file;
}

const echoWorker = () => writeWorker(ECHO_WORKER);

const jobs = (n: number) => Array.from({ length: n }, (_, i) => ({ policy: `p${i}` }) as unknown as SimJob);
type Echo = SimSummary & { threadId: number };

test('one worker runs every job in turn; results keep the job order', async () => {
  const results = (await runJobsInWorkers(jobs(4), { workerScript: echoWorker(), concurrency: 1 })) as Echo[];
  assert.deepEqual(results.map((r) => r.policy), ['p0', 'p1', 'p2', 'p3']);
  assert.equal(new Set(results.map((r) => r.threadId)).size, 1);
});

test('two workers share five jobs, never more threads than the concurrency; progress reaches the whole', async () => {
  const seen: number[] = [];
  const results = (await runJobsInWorkers(jobs(5), { workerScript: echoWorker(), concurrency: 2, onProgress: (done) => seen.push(done) })) as Echo[];
  assert.deepEqual(results.map((r) => r.policy), ['p0', 'p1', 'p2', 'p3', 'p4']);
  assert.ok(new Set(results.map((r) => r.threadId)).size <= 2);
  assert.equal(seen[seen.length - 1], 5);
});

test('more slots than jobs start only as many workers as there are jobs', async () => {
  const results = (await runJobsInWorkers(jobs(1), { workerScript: echoWorker(), concurrency: 4 })) as Echo[];
  assert.deepEqual(results.map((r) => r.policy), ['p0']);
});

test('a later call runs on the workers an earlier one left idle; a failed call does not leave its workers', async () => {
  const script = echoWorker();
  const first = (await runJobsInWorkers(jobs(2), { workerScript: script, concurrency: 2 })) as Echo[];
  const second = (await runJobsInWorkers(jobs(2), { workerScript: script, concurrency: 2 })) as Echo[];
  assert.deepEqual(new Set(second.map((r) => r.threadId)), new Set(first.map((r) => r.threadId)));
  const failing = writeWorker(`
const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', ({ index, job }) => parentPort.postMessage(job.policy === 'bad' ? { type: 'error', index, message: 'no' } : { type: 'done', index, summary: { threadId } }));
`);
  const [before] = (await runJobsInWorkers(jobs(1), { workerScript: failing, concurrency: 1 })) as Echo[];
  await assert.rejects(runJobsInWorkers([{ policy: 'bad' } as unknown as SimJob], { workerScript: failing, concurrency: 1 }), /^Error: bad: no$/);
  const [after] = (await runJobsInWorkers(jobs(1), { workerScript: failing, concurrency: 1 })) as Echo[];
  assert.notEqual(after.threadId, before.threadId);
});
