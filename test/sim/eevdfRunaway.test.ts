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

// The starvation the kernel's arithmetic seemed to cause (lock-2vm seed 7, 0.04 s: one VM held
// 7 of 8 CPUs, 1 PAUSE exit) is 6.6's yield_task_fair(): each yield pushes the deadline a slice
// further while the yielder is re-picked as the only eligible entity, and 6.6 reschedules a
// running entity only when its vruntime reaches that deadline (no PREEMPT_SHORT), so a vCPU
// that stops exiting (its PLE window, grown, resets only at sched-in) keeps the CPU. The plain
// average locked in on other seeds (8, 15 at 0.04 s; seeds 1 and 2 at 1 s). "Forfeit vruntime
// on yield" (79104becf42b; in 6.6.y from 6.6.120, January 2026: vanilla-6.6.y) removes the cause.
test('vanilla-6.6.y (the forfeit-on-yield backport): no VM of lock-2vm starves on the seeds that locked in', () => {
  const policy = policyByName('vanilla-6.6.y');
  for (const seed of [7, 8]) {
    const r = simulate({ scenario: builtinScenario('lock-2vm'), policy, seed, durationNs: 4e7 });
    for (const vm of r.metrics.perVm) assert.ok(vm.cpuShare >= 3, `seed ${seed}: ${vm.name} held ${vm.cpuShare} CPUs`);
  }
});
