// `kvm-spin analyze` and the tool's own options, in-process through main(argv, io); one
// spawned smoke test runs the built bundle as a user does.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliInProcess, cliSpawned } from './support/cli';
import { secondsToNs } from '../src/cli/args';
import { fixture, ROOT } from './support/paths';
import { scratchDir } from './support/scratch';

const TGID = fixture('handchecked-ftrace-tgid.txt');

test('analyze --json prints the documented shape', async () => {
  const r = await cliInProcess(['analyze', TGID, '--json']);
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
  // Without yield_to and kvm_arch_vcpu_put probes the problems are not judged (bench --only inference).
  assert.deepEqual(json.problems, { schedulerMismatch: null, lostOpportunity: null, overboost: null });
  assert.match(json.notJudged['problems.schedulerMismatch'], /^needs yield_to probes/);
  assert.ok(Array.isArray(json.warnings));
});

test('smoke: the built analyze prints a readable summary of the bundled sample (npm start)', () => {
  const r = cliSpawned('analyze', join(ROOT, 'samples', 'oversubscribed-4vm.report'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^.*oversubscribed-4vm\.report: trace-cmd, \d+ events kept/);
  assert.match(r.stdout, /problems: scheduler mismatch not judged \[needs yield_to probes[^\]]*\], lost opportunity not judged \[needs guest events[^\]]*\], overboost not judged \[needs yield_to probes/);
  assert.equal((r.stdout.match(/^vm\d \(VM \d\): 8 vCPU\(s\)$/gm) ?? []).length, 4);
});

test('analyze - reads standard input as a stream, with the same results as the file', async () => {
  const fromFile = await cliInProcess(['analyze', TGID, '--json']);
  const fromStdin = await cliInProcess(['analyze', '-', '--json'], { stdin: readFileSync(TGID, 'latin1') });
  assert.equal(fromStdin.status, 0, fromStdin.stderr);
  const { source, ...rest } = JSON.parse(fromStdin.stdout);
  const { source: fileSource, ...fileRest } = JSON.parse(fromFile.stdout);
  assert.equal(source, 'standard input');
  assert.equal(fileSource, TGID);
  assert.deepEqual(rest, fileRest);
});

test('analyze --range passes trace seconds as nanoseconds; either bound may be open', async () => {
  const whole = JSON.parse((await cliInProcess(['analyze', TGID, '--json'])).stdout);
  const open = JSON.parse((await cliInProcess(['analyze', TGID, '--json', '--range', '0:'])).stdout);
  assert.deepEqual(open.totals, whole.totals, 'a range from 0 keeps every event');
  const before = await cliInProcess(['analyze', TGID, '--json', '--range', ':100.000015']);
  assert.equal(before.status, 0, before.stderr);
  assert.equal(JSON.parse(before.stdout).totals.pleExits, 0, 'the first PAUSE exit is at 100.000020');
  assert.equal(secondsToNs('100.000015'), 100_000_015_000);
  assert.equal(secondsToNs('1.5'), 1_500_000_000);
  assert.equal(secondsToNs('7'), 7e9);
  for (const bad of ['', '.5', '1e3', '-1', '1.0000000001', '0x10']) assert.equal(secondsToNs(bad), null, bad);
});

test('analyze: bad input exits 2 with one line, a usage mistake adds the usage', async () => {
  const dir = scratchDir('kvm-spin-cli-');
  const notTrace = join(dir, 'notes.txt');
  writeFileSync(notTrace, 'just some notes\n');
  const binary = join(dir, 'junk.bin');
  writeFileSync(binary, Buffer.from([1, 2, 3, 0, 5]));
  for (const [args, message] of [
    [['analyze', notTrace], /^kvm-spin: no trace event lines found: expected trace-cmd report text/],
    [['analyze', binary], /^kvm-spin: binary data/],
    [['analyze', join(dir, 'missing.report')], /^kvm-spin: cannot read .*missing\.report: no such file or directory \(ENOENT\)$/],
    [['analyze', dir], /^kvm-spin: .* is a directory: expected a trace file/],
  ] as [string[], RegExp][]) {
    const r = await cliInProcess(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), message);
    assert.equal(r.stdout, '');
  }
  for (const [args, message] of [
    [['analyze', TGID, '--range', '2:1'], /^kvm-spin: analyze: --range must not end before it starts \(T0 ≤ T1\), got '2:1'$/],
    [['analyze', TGID, '--range', '1.5'], /^kvm-spin: analyze: --range must be T0:T1 in trace seconds/],
    [['analyze', TGID, '--range', ':'], /^kvm-spin: analyze: --range must be T0:T1/],
    [['analyze', TGID, '--range', 'inf:'], /^kvm-spin: analyze: --range must be T0:T1/],
    [['analyze', TGID, '--clock-hz', '0'], /^kvm-spin: analyze: --clock-hz must be a positive number/],
    [['analyze', TGID, '--clock-hz'], /^kvm-spin: analyze: --clock-hz needs a value$/],
    [['analyze', TGID, '--duration', '3'], /^kvm-spin: analyze: --duration applies to a stream/],
    [['analyze', TGID, '--json=yes'], /^kvm-spin: analyze: --json takes no value$/],
    [['analyze', TGID, TGID], /^kvm-spin: analyze: takes exactly one FILE/],
    [['analyze', TGID, '-x'], /^kvm-spin: analyze: unknown option -x: expected --json, --range, --clock-hz, --duration, --guest or --help$/],
  ] as [string[], RegExp][]) {
    const r = await cliInProcess(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    const [line, ...usage] = r.stderr.trim().split('\n');
    assert.match(line, message);
    assert.match(usage[0], /^usage: kvm-spin analyze FILE\|- /);
  }
  const unknown = await cliInProcess(['frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^kvm-spin: unknown command 'frobnicate': expected analyze, annotate, simulate, record, replay, export or sweep\nusage: kvm-spin COMMAND/);
  for (const name of ['constructor', '__proto__', 'toString']) assert.match((await cliInProcess([name])).stderr, /^kvm-spin: unknown command/);
});

test('--help for every command, --version for the tool, usage without a command', async () => {
  for (const command of ['analyze', 'annotate', 'simulate', 'record']) {
    const r = await cliInProcess([command, '--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^usage: kvm-spin ${command} `));
    assert.equal(r.stderr, '');
    assert.equal((await cliInProcess(['help', command])).stdout, r.stdout);
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.deepEqual(await cliInProcess(['--version']), { status: 0, stdout: `kvm-spin ${pkg.version}\n`, stderr: '' });
  const bare = await cliInProcess([]);
  assert.equal(bare.status, 2);
  assert.match(bare.stderr, /^usage: kvm-spin COMMAND/);
});

test('smoke: the built bundle knows its version from package.json', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.deepEqual(cliSpawned('--version'), { status: 0, stdout: `kvm-spin ${pkg.version}\n`, stderr: '' });
});
