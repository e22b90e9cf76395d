// `kvm-spin simulate` as a user runs it: parallel workers, run files, JSON, bad input.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './support/paths';
import { scratchDir } from './support/scratch';

const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'kvm-spin.js'), ...args], { encoding: 'utf8' });

test('simulate --json --out: one run file per policy, same seed same bytes, the run file analyses', () => {
  const dir = scratchDir('kvm-spin-sim-');
  const args = ['simulate', '--scenario', 'lock-2vm', '--policy', 'vanilla-5.6,strict-boost+debooster', '--seed', '4', '--duration', '0.02', '--json'];
  const first = cli(...args, '--out', join(dir, 'a'));
  assert.equal(first.status, 0, first.stderr);
  const json = JSON.parse(first.stdout);
  assert.equal(json.scenario, 'lock-2vm');
  assert.equal(json.seed, 4);
  assert.deepEqual(json.runs.map((r: { policy: string }) => r.policy), ['vanilla-5.6', 'strict-boost+debooster']);
  for (const r of json.runs) {
    for (const key of ['throughput', 'spinTimeShare', 'pleExits', 'yieldAttempts', 'boosts', 'fairness']) assert.equal(typeof r.metrics[key], 'number', key);
    assert.deepEqual(Object.keys(r.metrics.problems), ['schedulerMismatch', 'lostOpportunity', 'overboost', 'unhelpfulBoost']);
  }
  const second = cli(...args, '--out', join(dir, 'b'));
  assert.equal(second.stdout.replace(/\/b\//g, '/a/'), first.stdout);
  const files = readdirSync(join(dir, 'a')).sort();
  assert.deepEqual(files, ['lock-2vm-strict-boost+debooster-seed4.report', 'lock-2vm-vanilla-5.6-seed4.report']);
  for (const f of files) assert.ok(readFileSync(join(dir, 'a', f)).equals(readFileSync(join(dir, 'b', f))), `${f} differs between runs`);
  const analyzed = cli('analyze', join(dir, 'a', files[1]), '--json');
  assert.equal(analyzed.status, 0, analyzed.stderr);
  const a = JSON.parse(analyzed.stdout);
  assert.equal(a.totals.pleExits, json.runs[0].metrics.pleExits);
  assert.equal(a.totals.boosts, json.runs[0].metrics.boosts);
  assert.equal(a.vms.length, 2);
});

test('simulate prints a comparison table', () => {
  const r = cli('simulate', '--scenario', 'undercommit', '--policy', 'vanilla-5.6,oracle', '--duration', '0.01');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^undercommit: /);
  assert.match(r.stdout, /\nvanilla-5\.6 +\d+\.\d{3} +\+0%/);
  assert.match(r.stdout, /\noracle +\d+\.\d{3}/);
});

test('simulate: bad input gets one line and exit code 2', () => {
  const dir = scratchDir('kvm-spin-sim-bad-');
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ host: { pcpus: 4 }, vms: [{ vcpus: 4, workload: { type: 'ipi', computeUs: -3 } }] }));
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{ "host": ');
  for (const [args, message] of [
    [['--scenario', bad], /bad\.json: \$\.vms\[0\]\.workload\.computeUs: -3 is out of range/],
    [['--scenario', broken], /broken\.json: not valid JSON/],
    [['--scenario', 'moon'], /unknown scenario 'moon': expected one of paper, lock-2vm/],
    [['--policy', 'fastest'], /unknown policy 'fastest': expected one of vanilla-5\.6/],
    [['--duration', '-2'], /--duration must be more than 0/],
    [['--duration', '100000'], /at most 600 simulated seconds/],
    [['--frobnicate'], /unknown option --frobnicate/],
  ] as [string[], RegExp][]) {
    const r = cli('simulate', ...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, message);
  }
});
