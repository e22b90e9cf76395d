// The IPI workload's wait set (the ground truth of an IPI-acknowledgement spin): the receivers
// that still hold the spinner's IPI, in VM order — the same set a scan of the whole VM finds,
// whatever the draw, the order the handlers run in, and IPIs that were never sent.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { IpiWorkload } from '../../src/core/sim/guest/ipi';
import { newVcpu, type GuestEngine, type Vcpu, type VmRt } from '../../src/core/sim/guest/vcpu';
import { Random } from '../../src/core/sim/random';

function vmOf(n: number, workload: IpiWorkload): VmRt {
  const vm = { index: 0, name: 'ipi', tgid: 10_000, workload, vcpus: [], lastBoosted: 0, usefulNs: 0, spinNs: 0, runNs: 0, pleExits: 0, operations: 0 } as VmRt;
  for (let i = 0; i < n; i++) vm.vcpus.push(newVcpu(vm, i, i, n, 4096, 0));
  return vm;
}

/** A guest engine that delivers IPIs as the simulator queues them, skipping the receivers in `unsent` (IPIs never sent). */
function engineOf(seed: number, unsent: Set<number>, paravirtGuest = false, icrWrites: Vcpu[][] = []): GuestEngine {
  return {
    now: 0,
    random: new Random(seed),
    guestView: null,
    paravirtGuest,
    sendIpi(sender: Vcpu, r: Vcpu, needsAck: boolean) {
      if (unsent.has(r.idx)) return;
      r.pendingIpis.push(needsAck ? sender : null);
      if (needsAck) sender.outstanding++;
    },
    icrWrite: (_v, receivers) => (icrWrites.push([...receivers]), false),
    runGuest() {},
    newCompute() {},
    startSpin() {},
    endSpinWait() {},
    spinConditionMet() {},
    halt() {},
  };
}

const scan = (v: Vcpu): Vcpu[] => v.vm.vcpus.filter((o) => o.pendingIpis.hasFrom(v));

test('holds exactly the receivers still holding the spinner’s IPI, in VM order', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 12 }),
      fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant('all' as const)),
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.uniqueArray(fc.nat({ max: 11 }), { maxLength: 3 }),
      (n, receivers, seed, handled, unsent) => {
        const workload = new IpiWorkload({ type: 'ipi', computeUs: 10, receivers, handlerUs: 1, userFraction: 0, haltFraction: 0, idleUs: 1 });
        const vm = vmOf(n, workload);
        const engine = engineOf(seed, new Set(unsent));
        // Every vCPU sends in turn; handlers then run in an arbitrary order.
        for (const v of vm.vcpus) workload.afterWork(v, engine);
        for (const v of vm.vcpus) assert.deepEqual(workload.waitSet(v).toArray(), scan(v));
        for (const h of handled) {
          const r = vm.vcpus[h % n];
          if (r.pendingIpis.length > 0) r.pendingIpis.shift();
          for (const v of vm.vcpus) assert.deepEqual(workload.waitSet(v).toArray(), scan(v));
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('a paravirtual TLB flush sends no IPI and no ICR write to a preempted receiver, and does not wait for it', () => {
  // kvm_flush_tlb_multi (arch/x86/kernel/kvm.c) clears KVM_VCPU_PREEMPTED vCPUs from the flush mask.
  for (const paravirt of [false, true]) {
    const workload = new IpiWorkload({ type: 'ipi', computeUs: 10, receivers: 'all', handlerUs: 1, userFraction: 0, haltFraction: 0, idleUs: 1 });
    const vm = vmOf(4, workload);
    vm.vcpus[1].preempted = true;
    vm.vcpus[3].preempted = true;
    const writes: Vcpu[][] = [];
    const sender = vm.vcpus[0];
    workload.afterWork(sender, engineOf(1, new Set(), paravirt, writes));
    const expected = paravirt ? [2] : [1, 2, 3];
    assert.deepEqual(writes[0].map((r) => r.idx), expected, 'ICR writes go to the receivers in the mask');
    assert.deepEqual(workload.waitSet(sender).toArray().map((r) => r.idx), expected);
    assert.equal(sender.outstanding, expected.length);
  }
  // Every receiver preempted: nothing is sent, so no ICR write exits the guest.
  const workload = new IpiWorkload({ type: 'ipi', computeUs: 10, receivers: 'all', handlerUs: 1, userFraction: 0, haltFraction: 0, idleUs: 1 });
  const vm = vmOf(3, workload);
  vm.vcpus[1].preempted = vm.vcpus[2].preempted = true;
  const writes: Vcpu[][] = [];
  workload.afterWork(vm.vcpus[0], engineOf(1, new Set(), true, writes));
  assert.deepEqual(writes, [[]]);
  assert.equal(vm.vcpus[0].outstanding, 0);
});
