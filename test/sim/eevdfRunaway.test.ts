// A measured failure: on `paper`, vanilla-6.12 seed 3 let one VM hold 5.7 of 8 CPUs for most of
// a 1 s run (fairness 0.46, "not stationary"). Each yield pushes the yielder's deadline a slice
// further (yield_task_fair, up to 8 s ahead of its vruntime), and a picked entity with such a
// deadline was rescheduled by neither the tick (its slice never ends) nor PREEMPT_SHORT, which
// the model lacked. 6.12's did_preempt_short() reschedules it once it is ineligible.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { simulate } from '../../src/core/sim/simulator';
import { builtinScenario } from '../../src/core/sim/scenario';
import { policyByName } from '../../src/core/sim/policies';

test('vanilla-6.12 on paper, seed 3, 1 s: no VM starves behind a runaway deadline', () => {
  const r = simulate({ scenario: builtinScenario('paper'), policy: policyByName('vanilla-6.12'), seed: 3, durationNs: 1e9 });
  assert.ok(r.metrics.fairness >= 0.95, `Jain's index ${r.metrics.fairness}`);
  for (const vm of r.metrics.perVm) assert.ok(vm.cpuShare >= 1.5, `${vm.name} held ${vm.cpuShare} CPUs`);
});
