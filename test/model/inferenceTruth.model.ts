// The host-only inference against the simulator's truth, on simulated traces that carry what a
// recorder can record (yield_to probes, kvm_apic_ipi, the kvm_arch_vcpu_put guest-mode probe):
// lost opportunity within 25 % of the truth where there is some, and at most 2 % of PAUSE
// exits where there is none; scheduler mismatch, judged at the pick after the boost, within
// 25 % of the truth for every kernel on every scenario; overboost, seen at the boost, within 25 %;
// and issue 13's bar on every figure of every policy on the three scenarios it names.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { simulate } from '../../src/core/sim/simulator';
import { builtinScenario } from '../../src/core/sim/scenario';
import { policyByName } from '../../src/core/sim/policies';
import { analyze } from '../../src/core/analysis/analyze';
import { BAR_SCENARIOS, INFERENCE_POLICIES, measureRun } from '../../bench/inferenceBench';

function pair(scenario: string, policy: string) {
  const run = simulate({ scenario: builtinScenario(scenario), policy: policyByName(policy), seed: 3, durationNs: 0.1e9, record: true });
  return { truth: run.metrics, inferred: analyze(run.store!) };
}

for (const scenario of ['paper', 'ipi-tlb']) {
  test(`${scenario}, vanilla-5.6: inferred lost opportunity within 25 % of the truth`, () => {
    const { truth, inferred } = pair(scenario, 'vanilla-5.6');
    const t = truth.problems.lostOpportunity;
    const i = inferred.problems.lostOpportunity!;
    assert.ok(t > 500, `truth ${t}`);
    assert.ok(Math.abs(i - t) <= 0.25 * t, `inferred ${i}, true ${t}`);
  });
  for (const policy of ['strict-boost', 'vanilla-6.6']) {
    test(`${scenario}, ${policy}: no true lost opportunity, at most 2 % of PAUSE exits inferred`, () => {
      const { truth, inferred } = pair(scenario, policy);
      assert.equal(truth.problems.lostOpportunity, 0);
      assert.ok(inferred.problems.lostOpportunity! <= 0.02 * inferred.totals.pleExits, `inferred ${inferred.problems.lostOpportunity} of ${inferred.totals.pleExits}`);
    });
  }
}

for (const scenario of ['paper', 'lock-2vm', 'ipi-tlb']) {
  test(`${scenario}: inferred scheduler mismatch (the first pick on the target's pCPU after the boost) within 25 % of the truth`, () => {
    for (const policy of ['vanilla-5.6', 'strict-boost', 'vanilla-6.6', 'vanilla-6.19', 'ipi-aware-2025']) {
      const { truth, inferred } = pair(scenario, policy);
      const t = truth.problems.schedulerMismatch;
      const i = inferred.problems.schedulerMismatch!;
      assert.ok(t > 100, `${policy}: truth ${t}`);
      assert.ok(Math.abs(i - t) <= 0.25 * t, `${scenario}/${policy}: inferred ${i}, true ${t}`);
    }
  });
}

for (const scenario of ['paper', 'ipi-tlb']) {
  test(`${scenario}: inferred overboost (a boost of a vCPU woken from halt, seen by the yield_to probe) within 25 % of the truth`, () => {
    for (const policy of ['vanilla-5.6', 'vanilla-6.6', 'vanilla-6.19', 'ipi-aware-2025']) {
      const { truth, inferred } = pair(scenario, policy);
      const t = truth.problems.overboost;
      const i = inferred.problems.overboost!;
      assert.ok(t > 50, `${policy}: truth ${t}`);
      assert.ok(Math.abs(i - t) <= 0.25 * t, `${scenario}/${policy}: inferred ${i}, true ${t}`);
    }
  });
}

// Issue 13's bar for every scenario it names × every policy the bench measures, with probes:
// each problem the analysis judges is within ±25 % of the truth, or at most 2 % of PAUSE exits
// where the truth is 0. Failed before on pv-spinlock (paper: lost opportunity 0 true against
// 1,002 inferred, overboost 268 against 157 — the simulator recorded kvm_apic_ipi to receivers
// the PV TLB flush never sends one) and on oracle (paper: 1 true mismatch against 11 inferred,
// boosts of vCPUs whose pCPU the trace had not shown yet).
for (const scenario of BAR_SCENARIOS) {
  for (const policy of INFERENCE_POLICIES) {
    test(`${scenario}, ${policy.name}: every judged problem count within the bar`, () => {
      const { row } = measureRun(scenario, policy);
      assert.equal(row.aligned, row.pleExits, 'every decision is found in the truth by time and thread');
      for (const [problem, p] of Object.entries(row.problems)) {
        if (p.notJudged) continue;
        assert.ok(p.withinBar, `${problem}: true ${p.truth}, inferred ${p.inferred} of ${row.pleExits} PAUSE exits`);
      }
    });
  }
}
