// Replay rows in the comparison: an opened trace's row carries what each policy would have
// chosen at its PAUSE exits; a simulated run has none (null, not an empty list).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze, buildStateModel } from '../../src/core/analysis/analyze';
import { buildComparisonModel, rowFromAnalysis } from '../../src/core/analysis/comparison';
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
