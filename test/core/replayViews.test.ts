// What the trace editor shows of a replay, on the hand-checked replay fixtures: the summary's
// counts and shares, each policy's target at a PAUSE exit in words, and one replay per
// assumption however often it is asked for.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { importTraceText } from '../../src/core/trace/textImporter';
import { buildStateModel } from '../../src/core/analysis/analyze';
import { ESRCH_ONLY, NO_TARGET } from '../../src/core/replay/replay';
import { ReplayCache } from '../../src/core/replay/replayCache';
import { decisionTargetFields, replaySummary, targetLabel } from '../../src/core/replay/replayViews';
import { COUNTERFACTUAL } from '../../src/core/replay/report';
import { fixture } from '../support/paths';

const modelOf = (name: string) => buildStateModel(importTraceText(readFileSync(fixture(`replay/${name}`), 'utf8')).store);
const REPLAYED = ['vanilla-5.6', 'vanilla-6.6', 'vanilla-6.6.y', 'vanilla-6.12', 'vanilla-6.19', 'debooster', 'debooster-rfc', 'strict-boost', 'strict-boost-rfc', 'strict-boost+debooster', 'strict-boost+debooster-rfc', 'ipi-aware-2025'];

test('summary of kernel-mode.txt: one decision, every walk boosts vCPU 1 like the host', () => {
  const model = modelOf('kernel-mode.txt');
  const s = replaySummary(new ReplayCache(model).get('kernel'), 'kernel');
  assert.equal(s.decisions, 1);
  assert.equal(s.observedFrom, 'yield_to probes');
  assert.equal(s.counterfactual, COUNTERFACTUAL);
  assert.ok(s.counterfactual.includes('after the first different choice the real future would have differed'));
  assert.deepEqual(s.policies.map((p) => p.policy), REPLAYED);
  for (const p of s.policies) assert.deepEqual({ ...p, policy: '' }, { policy: '', decisions: 1, agree: 1, other: 0, none: 0, esrch: 0, shares: { agree: 1, other: 0, none: 0, esrch: 0 } });
  assert.deepEqual(s.notReplayable.map((n) => n.policy), ['ple-off', 'yield-no-target', 'pv-spinlock', 'oracle']);
  assert.ok(s.assumptions.some((a) => a.includes('in kernel mode')));
  assert.equal(s.inKernelText, 'in kernel mode');
  assert.equal(replaySummary(new ReplayCache(model).get({ share: 0.3 }), { share: 0.3 }).inKernelText, 'in kernel mode with probability 0.3');
  assert.deepEqual(Object.keys(s.notJudged), ['helpful', 'honoured']);
  // Small enough for the screen: no per-decision arrays.
  assert.ok(JSON.stringify(s).length < 8000);
});

test('summary of user-mode-ipi.txt: 5.6 and both Deboosters skip the user-mode vCPU, the others boost it', () => {
  const s = replaySummary(new ReplayCache(modelOf('user-mode-ipi.txt')).get('kernel'), 'kernel');
  const none = s.policies.filter((p) => p.none === 1).map((p) => p.policy);
  assert.deepEqual(none, ['vanilla-5.6', 'debooster', 'debooster-rfc']);
  assert.deepEqual(s.policies.find((p) => p.policy === 'vanilla-5.6')!.shares, { agree: 0, other: 0, none: 1, esrch: 0 });
});

test('a trace without PAUSE exits: shares not judged (null), not 0', () => {
  const text = readFileSync(fixture('replay/kernel-mode.txt'), 'utf8').split('\n').filter((l) => !l.includes('PAUSE_INSTRUCTION')).join('\n');
  const s = replaySummary(new ReplayCache(buildStateModel(importTraceText(text).store)).get('user'), 'user');
  assert.equal(s.decisions, 0);
  for (const p of s.policies) assert.deepEqual(p.shares, { agree: null, other: null, none: null, esrch: null });
});

test('per-policy targets of a PAUSE exit in words: vCPU, none, none (-ESRCH)', () => {
  const model = modelOf('kernel-mode.txt');
  const vcpu1 = `${model.vcpuLanes[1].vm}/vCPU 1`;
  assert.equal(targetLabel(model, 1), vcpu1);
  assert.equal(targetLabel(model, NO_TARGET), 'none');
  assert.equal(targetLabel(model, ESRCH_ONLY), 'none (-ESRCH)');
  const cache = new ReplayCache(model);
  const kernel = decisionTargetFields(model, cache.get('kernel'), 0, 'kernel');
  assert.match(kernel[0][1], /taken to be in kernel mode; after the first different choice the real future would have differed$/);
  assert.deepEqual(kernel.slice(1), REPLAYED.map((p) => [`${p} would boost`, vcpu1]));
  // Assumed user mode, 5.6 skips the preempted vCPU 1 (vCPU 2 is halted): nobody.
  const user = Object.fromEntries(decisionTargetFields(model, cache.get('user'), 0, 'user'));
  assert.equal(user['vanilla-5.6 would boost'], 'none');
  assert.match(user['what if (per decision)'], /taken to be in user mode;/);
  assert.deepEqual(decisionTargetFields(model, cache.get('user'), 1, 'user'), [], 'no such decision');
});

test('the cache replays once per assumption and keeps the last three', () => {
  const cache = new ReplayCache(modelOf('kernel-mode.txt'));
  const kernel = cache.get('kernel');
  assert.equal(cache.get('kernel'), kernel);
  assert.equal(cache.get({ share: 0.5 }), cache.get({ share: 0.5 }));
  assert.equal(cache.computed, 2);
  cache.get('user');
  cache.get({ share: 0.25 }); // the fourth: the least recently used (kernel) goes
  assert.equal(cache.computed, 4);
  cache.get({ share: 0.5 });
  assert.equal(cache.computed, 4);
  assert.notEqual(cache.get('kernel'), kernel);
  assert.equal(cache.computed, 5);
});
