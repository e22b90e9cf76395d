// `kvm-spin sweep`: a small real sweep end to end (tiny durations) through main(argv, io) with
// the built dist/simWorker.js — the rows of two shards merge into the summary of the whole
// sweep; a merge of duplicates or of one shard is refused with exit 2; Ctrl-C leaves whole rows.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliInProcess, cliSpawned } from './support/cli';
import { scratchDir } from './support/scratch';
import { parseSweepRow } from '../src/core/sim/sweepRow';

const SPEC = { scenario: 'lock-2vm', grid: { 'host.pcpus': [4, 8], 'vms[*].workload.criticalUs': [4] }, policies: ['vanilla-5.6', 'strict-boost'], seeds: 2, duration: 0.002 };

function specFile(dir: string, spec: object = SPEC): string {
  const file = join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

test('sweep: one row per run with its grid point, policy, seed, length and metrics; two shards merge into the whole sweep', async () => {
  const dir = scratchDir('kvm-spin-sweep-');
  const spec = specFile(dir);
  const whole = await cliInProcess(['sweep', spec, '--jobs', '2']);
  assert.equal(whole.status, 0, whole.stderr);
  const rows = whole.stdout.trimEnd().split('\n').map(parseSweepRow);
  assert.equal(rows.length, 8);
  assert.deepEqual(rows.map((r) => r.run).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
  const first = rows.find((r) => r.run === 0)!;
  assert.deepEqual([first.scenario, first.point, first.policy, first.seed, first.durationSeconds, first.runs, first.shard], ['lock-2vm', { 'host.pcpus': 4, 'vms[*].workload.criticalUs': 4 }, 'vanilla-5.6', 1, 0.002, 8, '1/1']);
  assert.equal(rows.find((r) => r.run === 7)!.point['host.pcpus'], 8);
  assert.ok(first.metrics.pleExits > 0, 'a 2 ms run of lock-2vm exits for PAUSE');
  // The same run as `simulate` gives the same metrics: the grid point is applied, nothing else.
  const scenarioFile = join(dir, 'point.json');
  const base = JSON.parse(readFileSync(join(__dirname, '..', '..', 'src', 'core', 'sim', 'scenarios', 'lock-2vm.json'), 'utf8'));
  base.host.pcpus = 4;
  for (const vm of base.vms) vm.workload.criticalUs = 4;
  writeFileSync(scenarioFile, JSON.stringify(base));
  const simulated = JSON.parse((await cliInProcess(['simulate', '--scenario', scenarioFile, '--policy', 'vanilla-5.6', '--seed', '1', '--duration', '0.002', '--json'])).stdout);
  assert.deepEqual(first.metrics, simulated.runs[0].metrics);

  const a = join(dir, 'a.ndjson');
  const b = join(dir, 'b.ndjson');
  assert.equal((await cliInProcess(['sweep', spec, '--shard', '1/2', '--out', a, '--jobs', '1'])).status, 0);
  assert.equal((await cliInProcess(['sweep', spec, '--shard', '2/2', '--out', b, '--jobs', '1'])).status, 0);
  assert.deepEqual(readFileSync(a, 'utf8').trimEnd().split('\n').map((l) => parseSweepRow(l).run), [0, 2, 4, 6]);
  const wholeFile = join(dir, 'whole.ndjson');
  writeFileSync(wholeFile, whole.stdout);
  const merged = await cliInProcess(['sweep', 'merge', a, b, '--json']);
  assert.equal(merged.status, 0, merged.stderr);
  const fromWhole = await cliInProcess(['sweep', 'merge', wholeFile, '--json']);
  assert.equal(merged.stdout, fromWhole.stdout, 'the shards together are the whole sweep');
  const json = JSON.parse(merged.stdout);
  assert.deepEqual(json.groups.map((g: { point: Record<string, number>; policy: string }) => `${g.point['host.pcpus']} ${g.policy}`), ['4 vanilla-5.6', '4 strict-boost', '8 vanilla-5.6', '8 strict-boost']);
  const [low, high] = json.groups[0].ci95.pleExits;
  assert.ok(low <= json.groups[0].metrics.pleExits && json.groups[0].metrics.pleExits <= high);
  const table = await cliInProcess(['sweep', 'merge', a, b]);
  assert.match(table.stdout, /^sweep [0-9a-f]{16}: lock-2vm, 8 runs of 0\.002 simulated s\n2 seeds per grid point/);
  assert.match(table.stdout, /\n8 +4 +strict-boost +\d+\.\d{3} ± \d+\.\d{3} /);
});

test('sweep merge refuses a duplicate shard and a missing one: one line, exit 2', async () => {
  const dir = scratchDir('kvm-spin-sweep-bad-');
  const spec = specFile(dir, { ...SPEC, grid: {}, policies: ['vanilla-5.6'], duration: 0.0005 });
  const a = join(dir, 'a.ndjson');
  assert.equal((await cliInProcess(['sweep', spec, '--shard', '1/2', '--out', a, '--jobs', '1'])).status, 0);
  const twice = await cliInProcess(['sweep', 'merge', a, a]);
  assert.equal(twice.status, 2);
  assert.equal(twice.stderr, `kvm-spin: sweep merge: run 0 (vanilla-5.6 seed 1) appears twice: ${a}:1 and ${a}:1\n`);
  const missing = await cliInProcess(['sweep', 'merge', a]);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, 'kvm-spin: sweep merge: incomplete sweep: 1 of 2 runs missing (run 1; merge every shard K/N of the sweep)\n');
  const badSpec = await cliInProcess(['sweep', specFile(dir, { grid: { 'host.pcpu': [2] } })]);
  assert.equal(badSpec.status, 2);
  assert.match(badSpec.stderr, /^kvm-spin: .*spec\.json: grid\.host\.pcpu: the scenario has no such field \(host has pcpus, /);
  assert.equal(badSpec.stderr.split('\n').length, 2);
});

test('sweep: Ctrl-C stops the workers and leaves only whole rows', async () => {
  const dir = scratchDir('kvm-spin-sweep-int-');
  const spec = specFile(dir, { ...SPEC, grid: { 'host.pcpus': [2, 4, 6, 8, 10, 12] }, seeds: 4, duration: 0.003 });
  const signals = new EventEmitter();
  let rowsSeen = 0;
  const r = await cliInProcess(['sweep', spec, '--jobs', '1'], {
    signals,
    onStdout: () => {
      if (++rowsSeen === 2) signals.emit('SIGINT');
    },
  });
  assert.equal(r.status, 130);
  assert.match(r.stderr, /interrupted \(SIGINT\)/);
  assert.ok(r.stdout.endsWith('\n'));
  const lines = r.stdout.trimEnd().split('\n');
  assert.ok(lines.length >= 2 && lines.length < 48, `${lines.length} rows`);
  for (const line of lines) parseSweepRow(line);
});

test('smoke: the built sweep writes NDJSON rows', () => {
  const dir = scratchDir('kvm-spin-sweep-smoke-');
  const r = cliSpawned('sweep', specFile(dir, { ...SPEC, grid: {}, policies: ['oracle'], seeds: 1, duration: 0.0005 }), '--jobs', '1');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(parseSweepRow(r.stdout.trimEnd()).policy, 'oracle');
});
