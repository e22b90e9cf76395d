// The CLI as a user runs it: the built bundle through bin/kvm-spin.js.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, ROOT } from './support/paths';
import { scratchDir } from './support/scratch';

const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'kvm-spin.js'), ...args], { encoding: 'utf8' });

test('analyze --json prints the documented shape', () => {
  const r = cli('analyze', fixture('handchecked-ftrace-tgid.txt'), '--json');
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.format, 'ftrace');
  assert.deepEqual(
    json.vms.map((vm: { id: string; vcpus: { vcpu: number; tid: number; pleExits: number }[] }) => ({ id: vm.id, vcpus: vm.vcpus.map((v) => [v.vcpu, v.tid, v.pleExits]) })),
    [{ id: 'vm-3000', vcpus: [[0, 3001, 4], [1, 3002, 0]] }],
  );
  assert.deepEqual(
    { events: json.totals.events, kvmExits: json.totals.kvmExits, pleExits: json.totals.pleExits, yieldAttempts: json.totals.yieldAttempts, lostEvents: json.totals.lostEvents },
    { events: 26, kvmExits: 7, pleExits: 4, yieldAttempts: 4, lostEvents: 0 },
  );
  assert.deepEqual(json.problems, { schedulerMismatch: 1, lostOpportunity: 3, overboost: 1 });
  assert.ok(Array.isArray(json.warnings));
});

test('analyze prints a readable summary of the bundled sample (npm start)', () => {
  const r = cli('analyze', join(ROOT, 'samples', 'oversubscribed-4vm.report'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^.*oversubscribed-4vm\.report: trace-cmd, \d+ events kept/);
  assert.match(r.stdout, /problems: scheduler mismatch \d+, lost opportunity \d+, overboost \d+/);
  assert.equal((r.stdout.match(/^vm\d \(VM \d\): 8 vCPU\(s\)$/gm) ?? []).length, 4);
});

test('bad input: exit code 2 and one line on stderr, no stack trace', () => {
  const dir = scratchDir('kvm-spin-cli-');
  const notTrace = join(dir, 'notes.txt');
  writeFileSync(notTrace, 'just some notes\n');
  const binary = join(dir, 'junk.bin');
  writeFileSync(binary, Buffer.from([1, 2, 3, 0, 5]));
  for (const [args, message] of [
    [['analyze', notTrace], /^kvm-spin: no trace event lines found: expected trace-cmd report text/],
    [['analyze', binary], /^kvm-spin: binary data/],
    [['analyze', join(dir, 'missing.report')], /^kvm-spin: cannot read .*missing\.report: ENOENT$/],
    [['analyze', dir], /^kvm-spin: cannot read .*: EISDIR$/],
  ] as [string[], RegExp][]) {
    const r = cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), message);
    assert.equal(r.stdout, '');
  }
  const usage = cli('frobnicate');
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /^kvm-spin: unknown command 'frobnicate': expected analyze, annotate, simulate or record/);
});
