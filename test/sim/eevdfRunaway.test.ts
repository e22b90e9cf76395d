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
  // Without PREEMPT_SHORT: fairness 0.46, two VMs at 0.51 CPUs. With it 0.887 and every VM
  // ≥ 1.49 CPUs; the rest of the imbalance is open (the kernel's lag inflation in place_entity
  // removes it here, but starves lock-2vm under 6.6 in this model, so it is left out).
  assert.ok(r.metrics.fairness >= 0.85, `Jain's index ${r.metrics.fairness}`);
  for (const vm of r.metrics.perVm) assert.ok(vm.cpuShare >= 1.4, `${vm.name} held ${vm.cpuShare} CPUs`);
});
