// `kvm-spin simulate`: parallel workers, run files, JSON, bad input — in-process through
// main(argv, io) (the workers are the built dist/simWorker.js), and one spawned smoke test.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliInProcess, cliSpawned } from './support/cli';
import { scratchDir } from './support/scratch';

test('simulate --json --out: one run file per policy, same seed same bytes, the run file analyses', async () => {
  const dir = scratchDir('kvm-spin-sim-');
  // 5 ms: run files of 4 and 5 MB, thousands of boosts each (20 ms wrote 36 MB twice).
  const args = ['simulate', '--scenario', 'lock-2vm', '--policy', 'vanilla-5.6,strict-boost+debooster', '--seed', '4', '--duration', '0.005', '--json'];
  const first = await cliInProcess([...args, '--out', join(dir, 'a')]);
  assert.equal(first.status, 0, first.stderr);
  const json = JSON.parse(first.stdout);
  assert.equal(json.scenario, 'lock-2vm');
  assert.equal(json.seed, 4);
  assert.deepEqual(json.runs.map((r: { policy: string }) => r.policy), ['vanilla-5.6', 'strict-boost+debooster']);
  for (const r of json.runs) {
    for (const key of ['throughput', 'spinTimeShare', 'pleExits', 'yieldAttempts', 'boosts', 'fairness']) assert.equal(typeof r.metrics[key], 'number', key);
    assert.deepEqual(Object.keys(r.metrics.problems), ['schedulerMismatch', 'lostOpportunity', 'overboost', 'unhelpfulBoost']);
  }
  const second = await cliInProcess([...args, '--out', join(dir, 'b')]);
  assert.equal(second.stdout.replace(/\/b\//g, '/a/'), first.stdout);
  const files = readdirSync(join(dir, 'a')).sort();
  assert.deepEqual(files, ['lock-2vm-strict-boost+debooster-seed4.report', 'lock-2vm-vanilla-5.6-seed4.report']);
  for (const f of files) assert.ok(readFileSync(join(dir, 'a', f)).equals(readFileSync(join(dir, 'b', f))), `${f} differs between runs`);
  const analyzed = await cliInProcess(['analyze', join(dir, 'a', files[1]), '--json']);
  assert.equal(analyzed.status, 0, analyzed.stderr);
  const a = JSON.parse(analyzed.stdout);
  assert.equal(a.totals.pleExits, json.runs[0].metrics.pleExits);
  assert.equal(a.totals.boosts, json.runs[0].metrics.boosts);
  assert.equal(a.vms.length, 2);
});

test('simulate --seeds: the mean of each seed\'s run, 95 % intervals that contain it, one run file per seed', async () => {
  const dir = scratchDir('kvm-spin-seeds-');
  const r = await cliInProcess(['simulate', '--scenario', 'lock-2vm', '--policy', 'vanilla-5.6,strict-boost', '--seed', '2', '--seeds', '3', '--duration', '0.01', '--json', '--out', dir]);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.deepEqual(json.seeds, [2, 3, 4]);
  const single = await Promise.all([2, 3, 4].map(async (seed) => JSON.parse((await cliInProcess(['simulate', '--scenario', 'lock-2vm', '--policy', 'vanilla-5.6', '--seed', String(seed), '--duration', '0.01', '--json'])).stdout).runs[0].metrics));
  const vanilla = json.runs[0];
  assert.equal(vanilla.metrics.pleExits, single.reduce((a: number, m: { pleExits: number }) => a + m.pleExits, 0) / 3);
  for (const key of ['throughput', 'pleExits', 'problems.schedulerMismatch']) {
    const [low, high] = vanilla.ci95[key];
    const mean = key.startsWith('problems.') ? vanilla.metrics.problems.schedulerMismatch : vanilla.metrics[key];
    assert.ok(low <= mean && mean <= high, `${key}: ${low} ${mean} ${high}`);
  }
  assert.deepEqual(readdirSync(dir).sort(), [2, 3, 4].flatMap((s) => [`lock-2vm-strict-boost-seed${s}.report`, `lock-2vm-vanilla-5.6-seed${s}.report`]).sort());
  const table = await cliInProcess(['simulate', '--scenario', 'lock-2vm', '--policy', 'vanilla-5.6,strict-boost', '--seeds', '3', '--duration', '0.01']);
  assert.match(table.stdout, /^seeds 1–3 \(means; ± the 95 % interval/m);
  assert.match(table.stdout, /\n {25}throughput ± \d+\.\d{3}, pleExits ± \d+\n/);
});

test('smoke: the built simulate prints a comparison table', () => {
  const r = cliSpawned('simulate', '--scenario', 'undercommit', '--policy', 'vanilla-5.6,oracle', '--duration', '0.01');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^undercommit: /);
  assert.match(r.stdout, /\nvanilla-5\.6 +\d+\.\d{3} +\+0%/);
  assert.match(r.stdout, /\noracle +\d+\.\d{3}/);
});

test('simulate: a scenario JSON saved with a UTF-8 byte-order mark is accepted', async () => {
  const dir = scratchDir('kvm-spin-sim-bom-');
  const file = join(dir, 'bom.json');
  writeFileSync(file, '\uFEFF' + JSON.stringify({ host: { pcpus: 2 }, vms: [{ vcpus: 2, workload: { type: 'spinlock', computeUs: 50, criticalUs: 5 } }] }));
  const r = await cliInProcess(['simulate', '--scenario', file, '--policy', 'vanilla-5.6', '--duration', '0.001', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).scenario, 'bom');
});

test('simulate: bad input gets one line and exit code 2, a usage mistake the usage after it', async () => {
  const dir = scratchDir('kvm-spin-sim-bad-');
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ host: { pcpus: 4 }, vms: [{ vcpus: 4, workload: { type: 'ipi', computeUs: -3 } }] }));
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{ "host": ');
  for (const [args, message] of [
    [['--scenario', bad], /bad\.json: \$\.vms\[0\]\.workload\.computeUs: -3 is out of range/],
    [['--scenario', broken], /broken\.json: not valid JSON/],
    [['--scenario', 'moon'], /unknown scenario 'moon': expected one of paper, lock-2vm/],
    ...['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'].map((name) => [['--scenario', name], new RegExp(`^kvm-spin: unknown scenario '${name}': expected one of paper`)]),
  ] as [string[], RegExp][]) {
    const r = await cliInProcess(['simulate', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, message);
  }
  for (const [args, message] of [
    [['--policy', 'fastest'], /unknown policy 'fastest': expected one of vanilla-5\.6/],
    [['--policy', 'constructor'], /unknown policy 'constructor'/],
    [['--duration', '-2'], /^kvm-spin: simulate: --duration must be at least 1 µs, got '-2'$/],
    [['--duration', '1e-300'], /^kvm-spin: simulate: --duration must be at least 1 µs, got '1e-300'$/],
    [['--duration', '100000'], /^kvm-spin: simulate: --duration must be at most 600 simulated seconds, got '100000'$/],
    [['--duration', 'soon'], /--duration must be a number of simulated seconds, got 'soon'$/],
    [['--seed', ''], /^kvm-spin: simulate: --seed must be a whole number from 0 to 4294967295, got ''$/],
    [['--seed', '1.5'], /--seed must be a whole number/],
    [['--seed', '0x10'], /--seed must be a whole number/],
    [['--jobs', '0'], /--jobs must be a whole number from 1 to 64, got '0'$/],
    [['--seeds', '0'], /--seeds must be a whole number from 1 to 1000, got '0'$/],
    [['--seed', '4294967295', '--seeds', '2'], /--seeds runs past the last seed 4294967295 from --seed 4294967295, got '2'$/],
    [['--seed'], /^kvm-spin: simulate: --seed needs a value$/],
    [['--frobnicate'], /^kvm-spin: simulate: unknown option --frobnicate: expected --scenario, .* or --help$/],
    [['paper'], /^kvm-spin: simulate: takes no arguments besides options, got 'paper'$/],
  ] as [string[], RegExp][]) {
    const r = await cliInProcess(['simulate', ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    const [line, usage] = r.stderr.split('\n');
    assert.match(line, message);
    assert.match(usage, /^usage: kvm-spin simulate /);
  }
});
