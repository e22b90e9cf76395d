// The extension's worker bridge with the bundled worker: results, errors and cancellation
// off the calling thread (what the extension host relies on to stay responsive).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeInWorker, AnalysisError } from '../src/extension/workerBridge';
import { fixture, ROOT } from './support/paths';

const worker = join(ROOT, 'dist', 'worker.js');

test('the worker analyses a trace and reports progress', async () => {
  const progress: number[] = [];
  const run = analyzeInWorker(worker, fixture('handchecked-ftrace-tgid.txt'), (read) => progress.push(read));
  const result = await run.result;
  assert.equal(result.analysis.totals.pleExits, 4);
  assert.deepEqual(result.analysis.problems, { schedulerMismatch: 1, lostOpportunity: 3, overboost: 1 });
  assert.ok(progress.length >= 1);
});

test('bad input comes back as a bad-input error, not a crash', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-spin-worker-'));
  const file = join(dir, 'notes.txt');
  writeFileSync(file, 'not a trace\n');
  await assert.rejects(analyzeInWorker(worker, file, () => {}).result, (err: unknown) => err instanceof AnalysisError && err.kind === 'bad-input' && /no trace event lines/.test(err.message));
});

test('cancel stops a long parse at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvm-spin-worker-'));
  const file = join(dir, 'long.report');
  const line = '  CPU 0/KVM-100 [000] d..2. 1.000001: kvm_entry: vcpu 0, rip 0x1\n';
  writeFileSync(file, line.repeat(400000));
  const run = analyzeInWorker(worker, file, () => {});
  const started = Date.now();
  setTimeout(() => run.cancel(), 5);
  await assert.rejects(run.result, (err: unknown) => err instanceof AnalysisError && err.kind === 'cancelled');
  assert.ok(Date.now() - started < 2000);
});
