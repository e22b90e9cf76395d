import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze } from '../../src/core/analysis/analyze';
import { buildComparisonModel, COMPARISON_METRICS, comparisonCsv, defaultBaseline, jainIndex, rowFromAnalysis, rowFromSeeds, rowFromSimulation } from '../../src/core/analysis/comparison';
import { importTraceText } from '../../src/core/trace/textImporter';
import { parseComparisonHostMessage, parseComparisonMessage } from '../../src/shared/protocol';
import { builtinScenario } from '../../src/core/sim/scenario';
import { runJob } from '../../src/core/sim/run';
import { readRunFileMetrics } from '../../src/core/sim/runFileSites';
import type { SimMetrics } from '../../src/core/sim/simulator';
import { fixture } from '../support/paths';
import { scratchDir } from '../support/scratch';

const simMetrics = (over: Partial<SimMetrics>): SimMetrics => ({
  throughput: 10,
  spinTimeShare: 0.2,
  pleExits: 1000,
  yieldAttempts: 900,
  boosts: 600,
  esrch: 100,
  decisions: 1000,
  helpfulBoosts: 150,
  spinWaits: 400,
  continuousPleEpisodes: 40,
  boostsSameQueue: 200,
  mismatchSameQueue: 100,
  mismatchCrossQueue: 200,
  unhelpfulBoostSpinning: 100,
  problems: { schedulerMismatch: 300, lostOpportunity: 50, overboost: 120, unhelpfulBoost: 330 },
  fairness: 0.98,
  perVm: [
    { name: 'a', vcpus: 8, throughput: 5, cpuShare: 4, spinTimeShare: 0.2, pleExits: 500, operations: 1 },
    { name: 'b', vcpus: 8, throughput: 5, cpuShare: 4, spinTimeShare: 0.2, pleExits: 500, operations: 1 },
  ],
  ...over,
});

const NEEDS_BOOSTS = 'needs yield_to probes to know which vCPU each PAUSE exit boosted (perf probe yield_to and yield_to%return)';
const NEEDS_GUEST_MODE = 'needs guest events (or a kvm_arch_vcpu_put probe of preempted_in_kernel) to know whether a preempted vCPU was in user mode';

test('a trace row: counts from the analysis, spin share over the pCPUs, no throughput, one VM has no fairness', () => {
  const { store } = importTraceText(readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8'));
  const row = rowFromAnalysis('file:/t', 't', analyze(store), 2);
  // Spin: PAUSE exits on the CPU 2 + 2 + 2 + 5 µs (the third was preempted for 459 µs, not
  // spinning), plus the 8 + 8 µs in the guest between the three exits of the episode; over
  // 4.020 ms × 2 CPUs.
  assert.deepEqual(row, {
    id: 'file:/t',
    label: 't',
    source: 'trace',
    durationNs: 4_020_000,
    throughput: null,
    spinTimeShare: 27_000 / (4_020_000 * 2),
    pleExits: 4,
    yieldAttempts: 4,
    boosts: 2,
    helpedBoosts: 1,
    // Without yield_to probes -ESRCH is not judged (it was 0), and the row says why.
    esrch: null,
    noBoost: 2,
    continuousPleEpisodes: 1,
    // Without yield_to and kvm_arch_vcpu_put probes the problems are not judged (bench --only inference).
    problems: { schedulerMismatch: null, lostOpportunity: null, overboost: null },
    fairness: null,
    judgedBy: 'inferred from sched_switch',
    notJudged: {
      throughput: 'a host trace cannot see guest progress (simulator only)',
      esrch: 'needs yield_to return probes to see -ESRCH (perf probe yield_to%return)',
      esrchPerSecond: 'needs yield_to return probes to see -ESRCH (perf probe yield_to%return)',
      schedulerMismatch: NEEDS_BOOSTS,
      schedulerMismatchPerSecond: NEEDS_BOOSTS,
      lostOpportunity: NEEDS_GUEST_MODE,
      lostOpportunityPerSecond: NEEDS_GUEST_MODE,
      overboost: NEEDS_BOOSTS,
      overboostPerSecond: NEEDS_BOOSTS,
      fairness: "Jain's index needs two VMs or more",
    },
  });
});

test('a simulated row and the metrics as rates per second', () => {
  const row = rowFromSimulation('s', 'paper / vanilla', 2e9, simMetrics({}));
  assert.equal(row.noBoost, 300);
  assert.equal(row.fairness, 0.98);
  const values = Object.fromEntries(COMPARISON_METRICS.map((m) => [m.key, m.value(row)]));
  assert.deepEqual(values, {
    throughput: 10,
    spinTimeShare: 0.2,
    pleExitsPerSecond: 500,
    boostsPerSecond: 300,
    helpedShare: 0.25,
    esrchPerSecond: 50,
    schedulerMismatchPerSecond: 150,
    lostOpportunityPerSecond: 25,
    overboostPerSecond: 60,
    episodesPerSecond: 20,
    fairness: 0.98,
  });
  assert.equal(rowFromSimulation('s', 'one VM', 1e9, simMetrics({ perVm: [simMetrics({}).perVm[0]] })).fairness, null);
  assert.equal(jainIndex([1, 1, 1]), 1);
  assert.equal(jainIndex([3, 1]), 16 / 20);
  assert.equal(jainIndex([5]), null);
});

test('the comparison model keeps the picked order, drops unknown ids and falls back to the first run as baseline', () => {
  const a = rowFromSimulation('a', 'A', 1e9, simMetrics({}));
  const b = rowFromSimulation('b', 'B', 1e9, simMetrics({ pleExits: 250 }));
  const c = rowFromSimulation('c', 'C', 1e9, simMetrics({}));
  const m = buildComparisonModel([a, b, c], ['c', 'gone', 'b'], 'a');
  assert.deepEqual(m.runs.map((r) => r.id), ['a', 'b', 'c']);
  assert.deepEqual(m.selected, ['c', 'b']);
  assert.equal(m.baseline, 'c');
  assert.deepEqual(m.rows.map((r) => r.values[2]), [1000, 250]);
  assert.deepEqual(m.rows[1].outcomes, { helped: 150, otherBoosts: 450, esrch: 100, noBoost: 300 });
  assert.equal(buildComparisonModel([a], [], null).baseline, null);
  assert.equal(buildComparisonModel([a, b], ['a', 'b'], 'b').baseline, 'b');
  // No function crosses into the webview: the model survives structured cloning as JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(m)), m);
});

test('CSV: one header in one naming style (snake_case), one line per run, quoted labels, spreadsheet formulas defused', () => {
  const rows = [rowFromSimulation('a', 'paper / vanilla-5.6 / seed 1', 1e9, simMetrics({})), rowFromSimulation('b', '=HYPERLINK("x"),1', 1e9, simMetrics({ throughput: 12.5 }))];
  const csv = comparisonCsv(rows).split('\n');
  assert.equal(csv.length, 4);
  assert.equal(csv[3], '');
  assert.equal(
    csv[0],
    'run,source,duration_s,seeds,throughput,spin_time_share,ple_exits_per_second,boosts_per_second,helped_share,esrch_per_second,scheduler_mismatch_per_second,lost_opportunity_per_second,overboost_per_second,episodes_per_second,fairness,ple_exits,yield_attempts,boosts,helped_boosts,esrch,no_boost,scheduler_mismatch,lost_opportunity,overboost,judged_by,replay_policy,replay_decisions,replay_agree,replay_other,replay_none,replay_esrch,replay_helpful_share',
  );
  for (const name of csv[0].split(',')) assert.match(name, /^[a-z0-9]+(_[a-z0-9]+)*$/, name);
  assert.equal(csv[1], 'paper / vanilla-5.6 / seed 1,simulator,1,1,10,0.2,1000,600,0.25,100,300,50,120,40,0.98,1000,900,600,150,100,300,300,50,120,ground truth (simulator),,,,,,,');
  assert.ok(csv[2].startsWith(`"'=HYPERLINK(""x""),1",simulator,1,1,12.5,`), csv[2]);
});

test('comparison messages are validated on receipt', () => {
  assert.deepEqual(parseComparisonMessage({ type: 'selectRuns', ids: ['a', 'b'], baseline: 'b' }), { type: 'selectRuns', ids: ['a', 'b'], baseline: 'b' });
  assert.deepEqual(parseComparisonMessage({ type: 'selectRuns', ids: [], baseline: null }), { type: 'selectRuns', ids: [], baseline: null });
  assert.equal(parseComparisonMessage({ type: 'selectRuns', ids: [1], baseline: null }), null);
  assert.equal(parseComparisonMessage({ type: 'selectRuns', ids: 'a', baseline: null }), null);
  assert.equal(parseComparisonMessage({ type: 'selectRuns', ids: [], baseline: 3 }), null);
  assert.deepEqual(parseComparisonMessage({ type: 'exportPng', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' }), { type: 'exportPng', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' });
  assert.equal(parseComparisonMessage({ type: 'exportPng', dataUrl: 'data:text/html;base64,PGI+' }), null);
  assert.equal(parseComparisonMessage({ type: 'exportPng', dataUrl: 'data:image/png;base64,<script>' }), null);
  assert.equal(parseComparisonMessage({ type: 'exportCsv', extra: 1 })?.type, 'exportCsv');
  assert.equal(parseComparisonMessage({ type: 'runCommand', command: 'x' }), null);
  assert.equal(parseComparisonMessage(null), null);
  assert.equal(parseComparisonHostMessage({ type: 'comparison', model: { runs: [], rows: [], metrics: [], selected: [], baseline: null } })?.type, 'comparison');
  assert.equal(parseComparisonHostMessage({ type: 'comparison', model: { runs: 'x' } }), null);
  assert.equal(parseComparisonHostMessage({ type: 'notice', message: 'saved' })?.type, 'notice');
});

test('a run file carries the simulator metrics the comparison view lists', () => {
  const outDir = scratchDir('kvm-spin-cmp-');
  const run = runJob({ scenario: builtinScenario('undercommit'), policy: 'vanilla-5.6', seed: 1, durationNs: 50e6, outDir });
  const header = readRunFileMetrics(run.runFile!);
  assert.ok(header);
  const eventLines = readFileSync(run.runFile!, 'utf8').split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('cpus=')).length;
  assert.deepEqual({ ...header, metrics: undefined }, { scenario: 'undercommit', policy: 'vanilla-5.6', seed: 1, durationNs: run.durationNs, metrics: undefined, events: eventLines });
  assert.deepEqual(header.metrics, JSON.parse(JSON.stringify(run.metrics)));
  assert.equal(readRunFileMetrics(fixture('handchecked-ftrace-tgid.txt')), null);
});

test('the default baseline: vanilla-5.6 of the first simulated run\'s scenario, else the first simulated run, never a trace picked first', () => {
  const { store } = importTraceText(readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8'));
  const trace = rowFromAnalysis('file:/t', 'host 6 ms', analyze(store), 2);
  const sim = (id: string, scenario: string, policy: string) => rowFromSimulation(id, id, 1e9, simMetrics({}), { scenario, policy });
  const strict = sim('paper-strict', 'paper', 'strict-boost');
  const vanillaLock = sim('lock-vanilla', 'lock-2vm', 'vanilla-5.6');
  const vanilla = sim('paper-vanilla', 'paper', 'vanilla-5.6');
  // The trace picked first was the baseline before ("+1049 % boosts/s" against a 6 ms trace).
  assert.equal(buildComparisonModel([trace, strict, vanilla], ['file:/t', 'paper-strict', 'paper-vanilla'], null).baseline, 'paper-vanilla');
  assert.equal(defaultBaseline([trace, strict, vanillaLock]), 'paper-strict', 'vanilla-5.6 of another scenario is not the baseline');
  assert.equal(defaultBaseline([trace]), 'file:/t');
  assert.equal(defaultBaseline([]), null);
  const chosen = buildComparisonModel([trace, strict, vanilla], ['file:/t', 'paper-strict', 'paper-vanilla'], 'file:/t');
  assert.deepEqual([chosen.baseline, chosen.baselineChosen], ['file:/t', true]);
  assert.equal(buildComparisonModel([trace, strict], ['file:/t', 'paper-strict'], null).baselineChosen, false);
});

test('a multi-seed row: means, 95 % intervals per metric, and changes inside the noise told apart (Welch)', () => {
  const seeds = (policy: string, values: Array<[number, number]>) =>
    rowFromSeeds(policy, `paper / ${policy}`, values.map(([throughput, pleExits], i) => rowFromSimulation(`${policy}:${i}`, 's', 1e9, simMetrics({ throughput, pleExits }), { scenario: 'paper', policy })));
  const vanilla = seeds('vanilla-5.6', [[9, 990], [10, 1000], [11, 1010]]);
  const strict = seeds('strict-boost', [[9.5, 390], [10.5, 400], [11.5, 410]]);
  assert.equal(vanilla.pleExits, 1000);
  assert.deepEqual(vanilla.seedValues!.throughput, [9, 10, 11]);
  assert.deepEqual([vanilla.scenario, vanilla.policy], ['paper', 'vanilla-5.6']);
  const m = buildComparisonModel([vanilla, strict], ['strict-boost', 'vanilla-5.6'], null);
  assert.equal(m.baseline, 'vanilla-5.6');
  const at = (key: string) => COMPARISON_METRICS.findIndex((x) => x.key === key);
  const [s, v] = m.rows;
  assert.deepEqual([s.seeds, v.seeds], [3, 3]);
  // mean 10, sd 1: ± t(0.975, 2) / √3 = 4.303 / 1.732 = 2.484
  assert.deepEqual(v.ci95[at('throughput')]!.map((x) => Number(x.toFixed(3))), [7.516, 12.484]);
  // +5 % throughput with sd 1 on each side: inside the noise; −60 % PAUSE exits: beyond it.
  assert.equal(s.beyondNoise[at('throughput')], false);
  assert.equal(s.beyondNoise[at('pleExitsPerSecond')], true);
  assert.equal(v.beyondNoise[at('throughput')], null, 'the baseline against itself: nothing to tell');
  // A single-seed run has no interval and no verdict on the noise.
  const single = buildComparisonModel([rowFromSimulation('one', 'one', 1e9, simMetrics({}))], ['one'], null).rows[0];
  assert.deepEqual([single.seeds, single.ci95[0], single.beyondNoise[0]], [1, null, null]);
  assert.equal(comparisonCsv([strict]).split('\n')[1].split(',')[3], '3');
});
