// What each policy would have boosted at each PAUSE exit of a trace: a hand-checked trace whose
// one decision every policy's walk judges differently once the candidate is known to be in
// user mode and to hold the spinner's IPI, and simulator runs, where the host's kernel is known
// and replaying its policy must reproduce the observed target.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { importTraceText } from '../../src/core/trace/textImporter';
import { buildStateModel } from '../../src/core/analysis/analyze';
import { replayTrace, type ReplayResult } from '../../src/core/replay/replay';
import { POLICIES } from '../../src/core/sim/policies';
import { fixture } from '../support/paths';
import { replayRun } from '../support/replayRuns';

const replayFile = (name: string, options: Partial<Parameters<typeof replayTrace>[1]> = {}): ReplayResult =>
  replayTrace(buildStateModel(importTraceText(readFileSync(fixture(`replay/${name}`), 'utf8')).store), { policies: POLICIES, ...options });
const byPolicy = (r: ReplayResult) => Object.fromEntries(r.policies.map((p) => [p.policy, { agree: p.agree, other: p.other, none: p.none }]));
const AGREE = { agree: 1, other: 0, none: 0 };
const NONE = { agree: 0, other: 0, none: 1 };

test('hand-checked: vCPU 1 preempted, vCPU 2 halted, vCPU 0 spins and the host boosts vCPU 1', () => {
  const r = replayFile('kernel-mode.txt');
  assert.equal(r.observedFrom, 'yield_to probes');
  assert.deepEqual([...r.observed], [1], 'lane 1 (CPU 1/KVM-3002), from yield_to p_pid=3002 returning 1');
  // Taken to be in kernel mode, vCPU 1 passes every walk's filters.
  for (const p of r.policies) assert.deepEqual({ policy: p.policy, ...byPolicy(r)[p.policy] }, { policy: p.policy, ...AGREE });
  assert.deepEqual(
    r.notReplayable.map((n) => n.policy),
    ['ple-off', 'yield-no-target', 'pv-spinlock', 'oracle'],
  );
  assert.equal(replayFile('kernel-mode.txt', { preemptedInKernel: 'user' }).policies.find((p) => p.policy === 'vanilla-5.6')!.none, 1, 'assumed user mode, vanilla skips it');
});

test('hand-checked: a kvm_arch_vcpu_put probe says user mode and vCPU 0 sent vCPU 1 an IPI while it was out', () => {
  const r = byPolicy(replayFile('user-mode-ipi.txt'));
  // The user-mode filter skips vCPU 1 on 5.6; vCPU 2 is halted, vCPU 0 is me: nobody.
  assert.deepEqual(r['vanilla-5.6'], NONE);
  assert.deepEqual(r.debooster, NONE);
  // 5.13+: a user-mode candidate with a pending interrupt is accepted.
  for (const p of ['vanilla-6.6', 'vanilla-6.12', 'vanilla-6.19']) assert.deepEqual(r[p], AGREE, p);
  // Strict Boost: the IPI arrived while vCPU 1 was scheduled out, so it carries my bit.
  for (const p of ['strict-boost', 'strict-boost-rfc', 'strict-boost+debooster']) assert.deepEqual(r[p], AGREE, p);
  // The 2025 series: a function-call IPI (vector 0xfb) not yet handled puts vCPU 1 first.
  assert.deepEqual(r['ipi-aware-2025'], AGREE);
});

test('a run file read back as text replays the same as the simulator store', () => {
  assert.deepEqual(replayRun('paper', 'vanilla-6.6', true), replayRun('paper', 'vanilla-6.6'));
});
