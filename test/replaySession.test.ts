// The "What if" replay through the session worker, as the trace editor asks for it, on the
// hand-checked replay fixtures: the summary per assumption, the per-policy targets in a PAUSE
// exit's details, and the protocol's checks on what a webview sends.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { openTraceSession } from '../src/extension/workerBridge';
import { parseHostMessage, parseWebviewMessage } from '../src/shared/protocol';
import { fixture, ROOT } from './support/paths';

const worker = join(ROOT, 'dist', 'sessionWorker.js');
const PAUSE_NS = 100.00002e9;

test('replay of kernel-mode.txt through the session worker: summary per assumption, targets in the details', async () => {
  const session = openTraceSession(worker, fixture('replay/kernel-mode.txt'), () => {});
  try {
    await session.opened;
    const kernel = await session.query({ kind: 'replay', inKernel: 'kernel' });
    assert.equal(kernel.decisions, 1);
    assert.equal(kernel.observedFrom, 'yield_to probes');
    assert.deepEqual(kernel.inKernel, 'kernel');
    assert.ok(kernel.policies.length === 12 && kernel.policies.every((p) => p.agree === 1 && p.shares.agree === 1), JSON.stringify(kernel.policies));
    const user = await session.query({ kind: 'replay', inKernel: 'user' });
    assert.deepEqual(user.policies.find((p) => p.policy === 'vanilla-5.6'), { policy: 'vanilla-5.6', decisions: 1, agree: 0, other: 0, none: 1, esrch: 0, shares: { agree: 0, other: 0, none: 1, esrch: 0 } });
    assert.deepEqual(user.notReplayable.map((n) => n.policy), ['ple-off', 'yield-no-target', 'pv-spinlock', 'oracle']);
    // The PAUSE exit of vCPU 0 (lane 0): the host's own fields, then each policy's target.
    const request = { lane: 'vcpu' as const, index: 0, ns: PAUSE_NS, toleranceNs: 1000 };
    const plain = await session.query({ kind: 'timelineDetails', request });
    assert.ok(plain && plain.title.startsWith('PAUSE exit of'), JSON.stringify(plain));
    assert.ok(plain.fields.every(([k]) => !k.endsWith('would boost')));
    const withKernel = (await session.query({ kind: 'timelineDetails', request, inKernel: 'kernel' }))!;
    const withUser = (await session.query({ kind: 'timelineDetails', request, inKernel: 'user' }))!;
    const target = (d: typeof withKernel, policy: string) => d.fields.find(([k]) => k === `${policy} would boost`)?.[1];
    const vcpu1 = withKernel.fields.find(([k]) => k === 'boost target')![1];
    assert.match(vcpu1, /\/vCPU 1$/);
    assert.equal(target(withKernel, 'vanilla-5.6'), vcpu1);
    assert.equal(target(withUser, 'vanilla-5.6'), 'none');
    assert.equal(target(withUser, 'vanilla-6.6'), 'none', 'no IPI pending for vCPU 1 in this trace');
    assert.equal(withKernel.fields.filter(([k]) => k.endsWith('would boost')).length, 12);
  } finally {
    session.dispose();
  }
});

test('replay of user-mode-ipi.txt through the session worker: the probe says user mode, the 5.13 rule and Strict Boost still boost', async () => {
  const session = openTraceSession(worker, fixture('replay/user-mode-ipi.txt'), () => {});
  try {
    await session.opened;
    const s = await session.query({ kind: 'replay', inKernel: { share: 0.5 } });
    assert.deepEqual(s.inKernel, { share: 0.5 });
    assert.deepEqual(Object.fromEntries(s.policies.map((p) => [p.policy, [p.agree, p.other, p.none]])), {
      'vanilla-5.6': [0, 0, 1],
      'vanilla-6.6': [1, 0, 0],
      'vanilla-6.6.y': [1, 0, 0],
      'vanilla-6.12': [1, 0, 0],
      'vanilla-6.19': [1, 0, 0],
      debooster: [0, 0, 1],
      'debooster-rfc': [0, 0, 1],
      'strict-boost': [1, 0, 0],
      'strict-boost-rfc': [1, 0, 0],
      'strict-boost+debooster': [1, 0, 0],
      'strict-boost+debooster-rfc': [1, 0, 0],
      'ipi-aware-2025': [1, 0, 0],
    });
    assert.ok(s.assumptions.some((a) => a.includes('from kvm_arch_vcpu_put probes')), JSON.stringify(s.assumptions));
  } finally {
    session.dispose();
  }
});

test('the replay messages are checked: a webview may only ask kernel, user or a share in 0..1', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'replay', id: 3, inKernel: 'user' }), { type: 'replay', id: 3, inKernel: 'user' });
  assert.deepEqual(parseWebviewMessage({ type: 'replay', id: 3, inKernel: { share: 0.25, extra: 1 } }), { type: 'replay', id: 3, inKernel: { share: 0.25 } });
  for (const inKernel of ['guest', { share: 1.5 }, { share: -0.1 }, { share: NaN }, { share: '0.5' }, null, undefined]) assert.equal(parseWebviewMessage({ type: 'replay', id: 3, inKernel }), null, JSON.stringify(inKernel));
  assert.equal(parseWebviewMessage({ type: 'replay', id: -1, inKernel: 'kernel' }), null);
  const summary = { inKernel: 'kernel', inKernelText: 'in kernel mode', decisions: 0, observedFrom: 'yield_to probes', counterfactual: 'x', policies: [], notReplayable: [], assumptions: [], notJudged: {} };
  assert.ok(parseHostMessage({ type: 'replay', id: 1, summary }));
  assert.equal(parseHostMessage({ type: 'replay', id: 1, summary: { ...summary, policies: 'x' } }), null);
  assert.equal(parseHostMessage({ type: 'replay', id: 1, summary: { ...summary, inKernel: 'sometimes' } }), null);
});
