// An open trace's session worker through the bridge: the opened trace, range requests, bad
// input and cancellation, all off the calling thread (what keeps the extension host free).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisError, openTraceSession } from '../src/extension/workerBridge';
import { fixture, ROOT } from './support/paths';
import { runJob } from '../src/core/sim/run';
import { builtinScenario } from '../src/core/sim/scenario';
import { scratchDir } from './support/scratch';

const worker = join(ROOT, 'dist', 'sessionWorker.js');

test('a session opens the trace, reports progress and answers range requests', async () => {
  const progress: number[] = [];
  const session = openTraceSession(worker, fixture('handchecked-ftrace-tgid.txt'), (read) => progress.push(read));
  try {
    const opened = await session.opened;
    assert.equal(opened.format, 'ftrace');
    assert.equal(opened.analysis.totals.pleExits, 4);
    assert.deepEqual(opened.analysis.problems, { schedulerMismatch: null, lostOpportunity: null, overboost: null });
    assert.equal(opened.model.totals.pleExits, 4);
    assert.ok(progress.length >= 1);
    const t0 = opened.model.traceStartNs;
    const later = await session.dashboard({ startNs: t0 + 3_000_000, endNs: t0 + 5_000_000 });
    assert.equal(later.totals.pleExits, 1);
    const whole = await session.dashboard();
    assert.equal(whole.totals.pleExits, 4);
    // A request in flight when the editor closes fails instead of waiting forever.
    const inFlight = session.dashboard({ startNs: t0, endNs: t0 + 1_000_000 });
    session.dispose();
    await assert.rejects(inFlight, (err: unknown) => err instanceof AnalysisError && err.kind === 'cancelled');
    await assert.rejects(session.dashboard(), (err: unknown) => err instanceof AnalysisError && err.kind === 'cancelled');
  } finally {
    session.dispose();
  }
});

test('a simulator run file opens with the ground truth of its run', async () => {
  const outDir = scratchDir('kvm-spin-gt-');
  // 20 ms: a 14 MB run file of 10,655 PAUSE exits, 9,183 boosts and scheduler mismatches (100 ms wrote 62 MB).
  const run = runJob({ scenario: builtinScenario('lock-2vm'), policy: 'vanilla-5.6', seed: 2, durationNs: 20e6, outDir });
  const session = openTraceSession(worker, run.runFile!, () => {});
  try {
    const { model, analysis } = await session.opened;
    const m = run.metrics;
    assert.deepEqual(model.groundTruth, { scenario: 'lock-2vm', policy: 'vanilla-5.6', decisions: m.decisions, boosts: m.boosts, helpfulBoosts: m.helpfulBoosts, esrch: m.esrch, problems: m.problems });
    // The run file is the simulator's own record: the trace reading sees every PAUSE exit and boost.
    assert.equal(analysis.totals.pleExits, m.pleExits);
    assert.equal(model.totals.boosts, m.boosts);
    const ranged = await session.dashboard({ startNs: model.traceStartNs, endNs: model.traceStartNs + 10e6 });
    assert.deepEqual(ranged.groundTruth, model.groundTruth);
    assert.equal(ranged.warnings.filter((w) => w === model.warnings[0]).length, model.warnings.length ? 1 : 0);
  } finally {
    session.dispose();
  }
});

test('bad input comes back as a bad-input error, not a crash', async () => {
  const dir = scratchDir('kvm-spin-worker-');
  const file = join(dir, 'notes.txt');
  writeFileSync(file, 'not a trace\n');
  const session = openTraceSession(worker, file, () => {});
  await assert.rejects(session.opened, (err: unknown) => err instanceof AnalysisError && err.kind === 'bad-input' && err.notATrace && /no trace event lines/.test(err.message));
  session.dispose();
});

test('dispose stops a long parse at once', async () => {
  const dir = scratchDir('kvm-spin-worker-');
  const file = join(dir, 'long.report');
  const line = '  CPU 0/KVM-100 [000] d..2. 1.000001: kvm_entry: vcpu 0, rip 0x1\n';
  writeFileSync(file, line.repeat(400000));
  const session = openTraceSession(worker, file, () => {});
  const started = Date.now();
  setTimeout(() => session.dispose(), 5);
  await assert.rejects(session.opened, (err: unknown) => err instanceof AnalysisError && err.kind === 'cancelled');
  assert.ok(Date.now() - started < 2000);
});
