// Replay rows in the comparison: an opened trace's row carries what each policy would have
// chosen at its PAUSE exits; a simulated run has none (null, not an empty list).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze, buildStateModel } from '../../src/core/analysis/analyze';
import { buildComparisonModel, comparisonCsv, rowFromAnalysis } from '../../src/core/analysis/comparison';
import { importTraceText } from '../../src/core/trace/textImporter';
import { ReplayCache } from '../../src/core/replay/replayCache';
import { comparisonReplay, replaySummary } from '../../src/core/replay/replayViews';
import { fixture } from '../support/paths';

test('a trace row with its replay: a row per replayed policy with its agree share', () => {
  const { store } = importTraceText(readFileSync(fixture('replay/user-mode-ipi.txt'), 'utf8'));
  const replay = comparisonReplay(replaySummary(new ReplayCache(buildStateModel(store)).get('kernel'), 'kernel'));
  const traced = { ...rowFromAnalysis('file:/t', 'user-mode-ipi.txt', analyze(store), 3), replay };
  const plain = rowFromAnalysis('file:/u', 'other.txt', analyze(store), 3);
  const model = buildComparisonModel([traced, plain], ['file:/t', 'file:/u'], null);
  assert.equal(model.rows[1].replay, null);
  const r = model.rows[0].replay!;
  assert.deepEqual([r.inKernel, r.observedFrom], ['kernel', 'yield_to probes']);
  assert.match(r.counterfactual, /after the first different choice the real future would have differed/);
  assert.deepEqual(
    r.policies.map((p) => [p.policy, p.decisions, p.shares.agree]),
    [
      ['vanilla-5.6', 1, 0],
      ['vanilla-6.6', 1, 1],
      ['vanilla-6.6.y', 1, 1],
      ['vanilla-6.12', 1, 1],
      ['vanilla-6.19', 1, 1],
      ['debooster', 1, 0],
      ['debooster-rfc', 1, 0],
      ['strict-boost', 1, 1],
      ['strict-boost-rfc', 1, 1],
      ['strict-boost+debooster', 1, 1],
      ['strict-boost+debooster-rfc', 1, 1],
      ['ipi-aware-2025', 1, 1],
    ],
  );
  // What crosses to the webview is plain data.
  assert.deepEqual(JSON.parse(JSON.stringify(model.rows[0].replay)), r);
});

test('the comparison CSV carries a replay line per replayed policy of each opened trace', () => {
  const { store } = importTraceText(readFileSync(fixture('replay/user-mode-ipi.txt'), 'utf8'));
  const replay = comparisonReplay(replaySummary(new ReplayCache(buildStateModel(store)).get('kernel'), 'kernel'));
  const traced = { ...rowFromAnalysis('file:/t', 'user-mode-ipi.txt', analyze(store), 3), replay };
  const lines = comparisonCsv([traced]).trimEnd().split('\n');
  const header = lines[0].split(',');
  const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])));
  assert.equal(rows.length, 1 + replay.policies.length);
  assert.deepEqual([rows[0].source, rows[0].replay_policy], ['trace', '']);
  const strict = rows.find((r) => r.replay_policy === 'strict-boost')!;
  assert.deepEqual([strict.run, strict.source, strict.replay_decisions, strict.replay_agree, strict.replay_other, strict.replay_none, strict.ple_exits], ['user-mode-ipi.txt', 'replay', '1', '1', '0', '0', '']);
  assert.deepEqual(rows.filter((r) => r.source === 'replay').map((r) => r.replay_policy), replay.policies.map((p) => p.policy));
});
