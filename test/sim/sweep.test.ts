// Sweeps: the SPEC and its grid paths checked against the scenario's schema, the grid's fixed
// order, shards that together are the whole grid exactly once (fast-check), and merge refusing
// duplicates, rows of another sweep and missing runs.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { builtinScenario } from '../../src/core/sim/scenario';
import { applyGridPoint, parseSweepSpec, SweepSpecError, type SweepSpec } from '../../src/core/sim/sweepSpec';
import { gridPointCount, parseShard, runAt, runCount, runScenario, shardRunIndices, sweepFingerprint } from '../../src/core/sim/sweepGrid';
import { parseSweepRow, SweepRowError, type SweepRow } from '../../src/core/sim/sweepRow';
import { formatSweepSummary, SweepMergeError, SweepMerger, sweepSummaryJson } from '../../src/core/sim/sweepMerge';
import type { SimMetrics } from '../../src/core/sim/simulator';

const load = (name: string) => builtinScenario(name);
const spec = (raw: object) => parseSweepSpec(raw, load);

test('a SPEC: grid paths into the scenario, [*] sets every VM that has the field, values checked by the scenario parser', () => {
  const s = spec({ scenario: 'paper', grid: { 'host.pcpus': [8, 16], 'vms[*].workload.criticalUs': [3, 12] }, policies: ['vanilla-5.6', 'strict-boost'], seeds: 3, duration: 0.01 });
  assert.deepEqual(s.seeds, [1, 2, 3]);
  assert.equal(gridPointCount(s), 4);
  assert.equal(runCount(s), 4 * 2 * 3);
  const scenario = applyGridPoint(s.scenario, [['host.pcpus', 16], ['vms[*].workload.criticalUs', 12]]);
  assert.equal(scenario.host.pcpus, 16);
  // paper: two spinlock VMs (criticalUs) and two IPI VMs (no such field, left alone).
  assert.deepEqual(scenario.vms.map((v) => (v.workload.type === 'spinlock' ? v.workload.criticalUs : v.workload.type)), [12, 12, 'ipi', 'ipi']);
  assert.equal(s.scenario.host.pcpus, 8, 'the base scenario is not changed');
  assert.deepEqual(applyGridPoint(s.scenario, [['vms[2].workload.userFraction', 0.9]]).vms[2].workload, { ...s.scenario.vms[2].workload, userFraction: 0.9 });
  // A default the JSON leaves out is still a field of the scenario.
  assert.equal(applyGridPoint(s.scenario, [['host.backgroundTasks', 4]]).host.backgroundTasks, 4);
});

test('a SPEC is refused with one line naming the field at fault', () => {
  const refused = (raw: object, message: RegExp) => assert.throws(() => spec(raw), (e: Error) => e instanceof SweepSpecError && message.test(e.message) && !e.message.includes('\n'));
  refused({ grid: { 'host.pcpu': [2] } }, /^grid\.host\.pcpu: the scenario has no such field \(host has pcpus, placement, backgroundTasks, cpuGhz, tickHz, groups, balance\)$/);
  refused({ grid: { 'host.pcpus': [0] } }, /^grid: host\.pcpus=0: \$\.host\.pcpus: 0 is out of range \[1, 256\]$/);
  refused({ grid: { 'host.placement': ['pinned-ish'] } }, /\$\.host\.placement: expected one of spread, random/);
  refused({ scenario: 'lock-2vm', grid: { 'vms[*].workload.haltFraction': [0.1] } }, /no such field/);
  refused({ scenario: 'lock-2vm', grid: { 'vms[2].vcpus': [1] } }, /vms is a list of 2: use \[0\] to \[1\] or \[\*\]/);
  refused({ grid: { host: [1] } }, /no such field/);
  refused({ grid: { 'host..pcpus': [1] } }, /expected a dotted path/);
  refused({ grid: { 'host.pcpus': [] } }, /non-empty array/);
  refused({ grid: { 'host.pcpus': [8, 8] } }, /listed twice/);
  refused({ grid: { 'host.pcpus': [{}] } }, /expected numbers or strings/);
  refused({ policies: ['vanilla-5.6', 'nope'] }, /^policies: unknown policy 'nope'/);
  refused({ seeds: 0 }, /^seeds: expected a count/);
  refused({ seeds: [1, 1] }, /^seeds: 1 is listed twice$/);
  refused({ duration: 0 }, /^duration: expected simulated seconds/);
  refused({ durationSeconds: 1 }, /^unknown field 'durationSeconds'/);
  refused({ grid: { 'host.pcpus': Array.from({ length: 100 }, (_, i) => i + 1), 'host.backgroundTasks': Array.from({ length: 200 }, (_, i) => i) } }, /grid points is more than the 10000/);
});

test('runs in a fixed order: grid points (last path fastest), then policies, then seeds', () => {
  const s = spec({ scenario: 'lock-2vm', grid: { 'host.pcpus': [2, 4], 'vms[0].vcpus': [4, 8] }, policies: ['vanilla-5.6', 'oracle'], seeds: [7, 9] });
  const described = Array.from({ length: runCount(s) }, (_, i) => runAt(s, i)).map((r) => `${r.point['host.pcpus']},${r.point['vms[0].vcpus']} ${r.policy} ${r.seed}`);
  assert.deepEqual(described.slice(0, 5), ['2,4 vanilla-5.6 7', '2,4 vanilla-5.6 9', '2,4 oracle 7', '2,4 oracle 9', '2,8 vanilla-5.6 7']);
  assert.equal(described[15], '4,8 oracle 9');
  assert.equal(runScenario(s, runAt(s, 15)).vms[0].vcpus, 8);
  assert.deepEqual(runAt(spec({ policies: ['vanilla-5.6'] }), 0).point, {});
});

test('shards: K/N parsed strictly, run i in shard (i mod N) + 1', () => {
  assert.deepEqual(parseShard('2/3'), { k: 2, n: 3 });
  for (const bad of ['0/3', '4/3', '1/0', '1', '1/2/3', '-1/2', '1.5/2', ' 1/2']) assert.equal(parseShard(bad), null, bad);
  assert.deepEqual(shardRunIndices(10, { k: 2, n: 3 }), [1, 4, 7]);
  assert.deepEqual(shardRunIndices(2, { k: 3, n: 3 }), []);
});

test('property: the shards of any grid are disjoint and together are the whole grid', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 40 }), (total, n) => {
      const seen = new Array(total).fill(0);
      for (let k = 1; k <= n; k++) for (const i of shardRunIndices(total, { k, n })) seen[i]++;
      return seen.every((c) => c === 1);
    }),
  );
  // and every run number decodes to a distinct run of the grid
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), (sizes, policies, seeds) => {
      const grid = Object.fromEntries(sizes.map((size, a) => [['host.pcpus', 'host.backgroundTasks', 'vms[0].vcpus'][a], Array.from({ length: size }, (_, i) => i + 1)]));
      const s = spec({ scenario: 'lock-2vm', grid, policies: ['vanilla-5.6', 'oracle', 'strict-boost'].slice(0, policies), seeds });
      const keys = Array.from({ length: runCount(s) }, (_, i) => JSON.stringify(runAt(s, i)).replace(/"index":\d+,/, ''));
      return new Set(keys).size === keys.length && keys.length === sizes.reduce((a, b) => a * b, 1) * policies * seeds;
    }),
    { numRuns: 60 },
  );
});

test('the fingerprint names the SPEC as parsed: the same sweep the same name, any change another', () => {
  const raw = { scenario: 'lock-2vm', grid: { 'host.pcpus': [2, 4] }, policies: ['vanilla-5.6'], seeds: 2, duration: 0.01 };
  assert.equal(sweepFingerprint(spec(raw)), sweepFingerprint(spec(structuredClone(raw))));
  assert.match(sweepFingerprint(spec(raw)), /^[0-9a-f]{16}$/);
  for (const change of [{ seeds: 3 }, { duration: 0.02 }, { grid: { 'host.pcpus': [2, 5] } }, { policies: ['oracle'] }, { scenario: 'paper' }]) {
    assert.notEqual(sweepFingerprint(spec({ ...raw, ...change })), sweepFingerprint(spec(raw)), JSON.stringify(change));
  }
});

function metrics(throughput: number, pleExits: number): SimMetrics {
  return {
    throughput, spinTimeShare: 0.1, pleExits, yieldAttempts: 1, boosts: 1, esrch: 0, decisions: 1, helpfulBoosts: 1, boostsSameQueue: 0, mismatchSameQueue: 0,
    mismatchCrossQueue: 0, unhelpfulBoostSpinning: 0, spinWaits: 1, continuousPleEpisodes: 0,
    problems: { schedulerMismatch: 0, lostOpportunity: 0, overboost: 0, unhelpfulBoost: 0 }, fairness: 1, perVm: [],
  } as SimMetrics;
}

/** The rows of a 1-point sweep of two policies × three seeds, with hand-picked metrics. */
function rows(s: SweepSpec): SweepRow[] {
  const values: Record<string, Array<[number, number]>> = { 'vanilla-5.6': [[1, 100], [2, 110], [3, 120]], 'strict-boost': [[2, 40], [3, 50], [4, 60]] };
  const fingerprint = sweepFingerprint(s);
  return Array.from({ length: runCount(s) }, (_, i) => {
    const run = runAt(s, i);
    const [t, p] = values[run.policy][s.seeds.indexOf(run.seed)];
    return { sweep: fingerprint, run: i, runs: runCount(s), shard: '1/1', scenario: 'lock-2vm', point: run.point, policy: run.policy, seed: run.seed, durationSeconds: 0.01, metrics: metrics(t, p), warnings: [] };
  });
}

test('merge: in any row order, each grid point × policy as the mean with its 95 % interval (t, 2 df)', () => {
  const s = spec({ scenario: 'lock-2vm', grid: { 'host.pcpus': [4] }, policies: ['vanilla-5.6', 'strict-boost'], seeds: 3, duration: 0.01 });
  const merger = new SweepMerger();
  for (const [i, row] of rows(s).reverse().entries()) merger.add(parseSweepRow(JSON.stringify(row)), `r:${i + 1}`);
  const summary = merger.finish();
  const json = sweepSummaryJson(summary);
  assert.deepEqual(json.groups.map((g) => [g.point, g.policy, g.seeds]), [[{ 'host.pcpus': 4 }, 'vanilla-5.6', [1, 2, 3]], [{ 'host.pcpus': 4 }, 'strict-boost', [1, 2, 3]]]);
  // mean 110, sd 10, half-width t(0.975, 2) × 10 / √3 = 4.303 × 5.7735 = 24.843
  assert.equal(json.groups[0].metrics.pleExits, 110);
  assert.deepEqual(json.groups[0].ci95!.pleExits.map((x) => Number(x.toFixed(3))), [85.157, 134.843]);
  const table = formatSweepSummary(summary);
  assert.match(table, /^host\.pcpus +policy +throughput +Δ +PLE exits +ΔPLE/m);
  // throughput 3 vs 2 (+50 %): Welch's interval of the difference includes 0 → bracketed; PLE −55 % is beyond it.
  assert.match(table, /\n4 +strict-boost +3\.000 ± 2\.484 +\(\+50 %\) +50 ± 25 +-55 %/);
});

test('merge refuses duplicates, missing runs, rows of another sweep and cut lines, in one line each', () => {
  const s = spec({ scenario: 'lock-2vm', policies: ['vanilla-5.6', 'strict-boost'], seeds: 3, duration: 0.01 });
  const all = rows(s);
  const twice = new SweepMerger();
  twice.add(all[0], 'a.ndjson:1');
  assert.throws(() => twice.add(all[0], 'b.ndjson:4'), (e: Error) => e instanceof SweepMergeError && e.message === 'run 0 (vanilla-5.6 seed 1) appears twice: a.ndjson:1 and b.ndjson:4');
  const partial = new SweepMerger();
  for (const r of all.filter((_, i) => i % 2 === 0)) partial.add(r, 'x');
  assert.throws(() => partial.finish(), (e: Error) => e instanceof SweepMergeError && e.message === 'incomplete sweep: 3 of 6 runs missing (runs 1, 3, 5; merge every shard K/N of the sweep)');
  assert.throws(() => new SweepMerger().finish(), /no sweep rows/);
  const other = new SweepMerger();
  other.add(all[0], 'a:1');
  assert.throws(() => other.add({ ...all[1], sweep: '0123456789abcdef' }, 'b:1'), /^Error: b:1: a row of another sweep/);
  const cut = JSON.stringify(all[0]);
  assert.throws(() => parseSweepRow(cut.slice(0, cut.length / 2)), (e: Error) => e instanceof SweepRowError && /cut or foreign line/.test(e.message));
  assert.throws(() => parseSweepRow(JSON.stringify({ ...all[0], run: 6 })), /^Error: run: expected a whole number below runs \(6\)$/);
  assert.throws(() => parseSweepRow(JSON.stringify({ ...all[0], metrics: { ...all[0].metrics, pleExits: '5' } })), /metrics\.pleExits: expected a number or null/);
});
