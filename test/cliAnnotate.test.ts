// `kvm-spin annotate`, in-process through main(argv, io), and one spawned smoke test.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { cliInProcess, cliSpawned } from './support/cli';
import { fixture, ROOT } from './support/paths';
import { scratchDir } from './support/scratch';

test('annotate --json: sites with 1-based lines, counts from a run file', async () => {
  const plain = await cliInProcess(['annotate', fixture('kernel/kvm_main-6.13.c'), '--json']);
  assert.equal(plain.status, 0, plain.stderr);
  const p = JSON.parse(plain.stdout);
  assert.equal(p.function, 'kvm_vcpu_on_spin');
  assert.equal(p.kernelShape.walk, 'single');
  assert.deepEqual(p.sites['on_spin.skip_user_mode'], { line: 42, count: null, source: null });
  assert.deepEqual(p.missing, []);
  const dir = scratchDir('kvm-spin-cli-annot-');
  const sim = await cliInProcess(['simulate', '--scenario', 'ipi-tlb', '--policy', 'vanilla-6.19', '--duration', '0.01', '--out', dir, '--json']);
  assert.equal(sim.status, 0, sim.stderr);
  const run = JSON.parse(sim.stdout).runs[0];
  const r = await cliInProcess(['annotate', fixture('kernel/kvm_main-6.13.c'), '--run', run.runFile, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.run, 'ipi-tlb / vanilla-6.19 / seed 1');
  assert.equal(j.sites['on_spin.yield_attempt'].count, run.metrics.yieldAttempts);
  assert.equal(j.sites['on_spin.entry'].count, run.metrics.decisions);
  assert.equal(j.sites['handle_pause.entry'], undefined, 'kvm_main.c has no handle_pause');
});

test('smoke: the built annotate prints the annotated source', () => {
  const r = cliSpawned('annotate', fixture('kernel/kvm_main-6.13.c'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /kvm_vcpu_on_spin/);
  assert.match(r.stdout, /on_spin\.skip_user_mode/);
});

test('annotate: bad input gets one line and exit code 2', async () => {
  for (const [args, message, usage] of [
    [['annotate', join(ROOT, 'nope.c')], /^kvm-spin: cannot read .*nope\.c: no such file or directory \(ENOENT\)$/, false],
    [['annotate', fixture('kernel/vmx-pause.c'), '--frob'], /^kvm-spin: annotate: unknown option --frob: expected --run, --json or --help$/, true],
    [['annotate'], /^kvm-spin: annotate: takes exactly one C source FILE, got none$/, true],
    [['annotate', fixture('kernel/vmx-pause.c'), '--run'], /^kvm-spin: annotate: --run needs a value$/, true],
  ] as [string[], RegExp, boolean][]) {
    const r = await cliInProcess(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    const [line, ...rest] = r.stderr.trim().split('\n');
    assert.match(line, message);
    assert.equal(rest.length > 0 && rest[0].startsWith('usage: kvm-spin annotate '), usage, r.stderr);
  }
});
