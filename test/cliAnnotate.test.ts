import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fixture, ROOT } from './support/paths';
import { scratchDir } from './support/scratch';

const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'kvm-spin.js'), ...args], { encoding: 'utf8' });

test('annotate --json: sites with 1-based lines, counts from a run file', () => {
  const plain = cli('annotate', fixture('kernel/kvm_main-6.13.c'), '--json');
  assert.equal(plain.status, 0, plain.stderr);
  const p = JSON.parse(plain.stdout);
  assert.equal(p.function, 'kvm_vcpu_on_spin');
  assert.equal(p.kernelShape.walk, 'single');
  assert.deepEqual(p.sites['on_spin.skip_user_mode'], { line: 42, count: null, source: null });
  assert.deepEqual(p.missing, []);
  const dir = scratchDir('kvm-spin-cli-annot-');
  const sim = cli('simulate', '--scenario', 'ipi-tlb', '--policy', 'vanilla-6.19', '--duration', '0.01', '--out', dir, '--json');
  assert.equal(sim.status, 0, sim.stderr);
  const run = JSON.parse(sim.stdout).runs[0];
  const r = cli('annotate', fixture('kernel/kvm_main-6.13.c'), '--run', run.runFile, '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.run, 'ipi-tlb / vanilla-6.19 / seed 1');
  assert.equal(j.sites['on_spin.yield_attempt'].count, run.metrics.yieldAttempts);
  assert.equal(j.sites['on_spin.entry'].count, run.metrics.decisions);
  assert.equal(j.sites['handle_pause.entry'], undefined, 'kvm_main.c has no handle_pause');
});

test('annotate: bad input gets one line and exit code 2', () => {
  for (const [args, message] of [
    [['annotate', join(ROOT, 'nope.c')], /^kvm-spin: cannot read .*nope\.c: ENOENT$/],
    [['annotate', fixture('kernel/vmx-pause.c'), '--frob'], /unknown option --frob/],
    [['annotate'], /annotate takes exactly one C source FILE/],
    [['annotate', fixture('kernel/vmx-pause.c'), '--run'], /--run needs a run file or trace/],
  ] as [string[], RegExp][]) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], message);
  }
});
