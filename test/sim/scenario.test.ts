import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BUILTIN_SCENARIOS, builtinScenario, parseScenario } from '../../src/core/sim/scenario';
import { parsePolicies, POLICY_NAMES } from '../../src/core/sim/policies';
import { simulate } from '../../src/core/sim/simulator';

test('every built-in scenario validates', () => {
  assert.deepEqual(Object.keys(BUILTIN_SCENARIOS), ['paper', 'lock-2vm', 'ipi-tlb', 'undercommit', 'mixed-idle', 'shared-rq', 'sync-mix', 'case-mismatch', 'asym-fairness']);
  const paper = builtinScenario('paper');
  assert.equal(paper.host.pcpus, 8);
  assert.deepEqual(paper.vms.map((v) => v.vcpus), [8, 8, 8, 8]);
  assert.deepEqual(paper.ple, { window: 4096, grow: 2, shrink: 0, max: 2 ** 32 - 1 });
});

test('invalid scenarios name the JSON path at fault', () => {
  const ok = { host: { pcpus: 2 }, vms: [{ vcpus: 2, workload: { type: 'spinlock', computeUs: 10, criticalUs: 1 } }] };
  const cases: [unknown, string][] = [
    [[], '$: expected an object'],
    [{ host: { pcpus: 2 } }, '$.vms: expected a non-empty array of VMs'],
    [{ ...ok, host: { pcpus: 'eight' } }, '$.host.pcpus: expected a number, got "eight"'],
    [{ ...ok, host: { pcpus: 2.5 } }, '$.host.pcpus: expected a whole number, got 2.5'],
    [{ ...ok, vms: [{ vcpus: 2, workload: { type: 'spinlock', computeUs: 10 } }] }, '$.vms[0].workload.criticalUs: required number is missing'],
    [{ ...ok, vms: [ok.vms[0], { vcpus: 2, workload: { type: 'fork-bomb' } }] }, '$.vms[1].workload.type: expected one of spinlock, ipi, idle, barrier, timestamp, got "fork-bomb"'],
    [{ ...ok, vms: [{ vcpus: 1_000_000, workload: ok.vms[0].workload }] }, '$.vms[0].vcpus: 1000000 is out of range [1, 512]'],
    [{ ...ok, host: { pcpus: 2, placement: 'everywhere' } }, '$.host.placement: expected one of spread, random, got "everywhere"'],
  ];
  for (const [value, message] of cases) assert.throws(() => parseScenario(value), { message });
});

test('unknown names list the valid ones; absurd durations are refused with the reason', () => {
  assert.throws(() => builtinScenario('nope'), /unknown scenario 'nope': expected one of paper, lock-2vm, ipi-tlb, undercommit, mixed-idle, shared-rq, sync-mix, case-mismatch, asym-fairness/);
  assert.throws(() => parsePolicies('vanilla-5.6,nope'), { message: `unknown policy 'nope': expected one of ${POLICY_NAMES.join(', ')}, or all` });
  assert.equal(parsePolicies('all').length, 16);
  const scenario = builtinScenario('undercommit');
  const policy = parsePolicies('vanilla-5.6')[0];
  assert.throws(() => simulate({ scenario, policy, seed: 1, durationNs: -1e9 }), /duration must be positive, got -1 s/);
  assert.throws(() => simulate({ scenario, policy, seed: 1, durationNs: 1e12 }), /duration 1000 s is over the 600 s the simulator accepts/);
});
