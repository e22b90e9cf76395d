// Task groups (CONFIG_FAIR_GROUP_SCHED) on hand-checked queues: the pick walks down level by
// level, buddies walk for_each_sched_entity, and patch 0001's Debooster stops at group borders.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { TaskGroup } from '../../src/core/sim/host/entity';
import { vcpuTaskGroups } from '../../src/core/sim/host/groups';
import { builtinScenario, parseScenario } from '../../src/core/sim/scenario';
import { parsePolicies } from '../../src/core/sim/policies';
import { simulate } from '../../src/core/sim/simulator';
import { cfs, ms, queue, run, task } from './hostHelpers';

test('vm layout: the root picks the group entity with the smaller vruntime, then the task inside it', () => {
  const s = cfs();
  const a = new TaskGroup('vm-a', null);
  const b = new TaskGroup('vm-b', null);
  const a1 = task(1, 1 * ms);
  const b1 = task(2, 9 * ms);
  const b2 = task(3, 20 * ms);
  queue(s, [a1, b1, b2], (t) => (t === a1 ? a : b));
  // Group entities start at vruntime 0 and tie; the lower id (vm-a's, created first) wins.
  assert.equal(s.pickNext(0, 0), a1);
  // a1 runs 5 ms: vm-a's entity is now 5 ms ahead of vm-b's (0), so the root picks vm-b, then b1.
  assert.equal(s.tick(0, 5 * ms), false);
  assert.equal(s.pickNext(0, 5 * ms), b1);
  assert.equal(a1.parent!.vruntime, 5 * ms, 'the group entity was charged with its task');
});

test('set_next_buddy walks up: a boost into another group names both levels; the root test decides', () => {
  const s = cfs();
  const a = new TaskGroup('vm-a', null);
  const b = new TaskGroup('vm-b', null);
  const a1 = task(1, 0);
  const b1 = task(2, 0);
  queue(s, [a1, b1], (t) => (t === a1 ? a : b));
  run(s, a1);
  assert.equal(s.yieldToTask(0, b1, 0), true);
  assert.equal(b1.cfsRq.next, b1);
  assert.equal(b1.parent!.cfsRq.next, b1.parent, 'the root cfs_rq names vm-b\'s entity');
  assert.equal(a1.parent!.cfsRq.skip, a1.parent, 'set_skip_buddy also walks up');
  assert.equal(s.pickNext(0, 0), b1);
});

test('libvirt layout: each vCPU in its own vcpuN group under the VM; patch 0001 never deboosts there, the RFC does', () => {
  const [groups] = vcpuTaskGroups('libvirt', [{ name: 'guest', vcpus: 2 }]);
  assert.deepEqual(groups.map((g) => [g!.name, g!.parent!.name]), [
    ['machine-qemu-1-guest.scope/vcpu0', 'machine-qemu-1-guest.scope'],
    ['machine-qemu-1-guest.scope/vcpu1', 'machine-qemu-1-guest.scope'],
  ]);
  const build = (form: 'patch-0001' | 'rfc') => {
    const s = cfs({ debooster: form });
    const yielder = task(1, 0);
    const target = task(2, 0);
    queue(s, [yielder, target], (t) => groups[t.id - 1]);
    // The target's vcpu group entity is 10 ms ahead of the yielder's: refused at the VM's queue.
    target.parent!.vruntime = 10 * ms;
    run(s, yielder);
    s.yieldToTask(0, target, 0);
    return { s, yielder, target };
  };
  const patch = build('patch-0001');
  assert.equal(patch.yielder.parent!.vruntime, 0, '0001: cfs_rq_of(yield_se) != cfs_rq_of(next_se), nothing changes');
  assert.equal(patch.s.pickNext(0, 0), patch.yielder, 'and the boost is passed over');
  const rfc = build('rfc');
  assert.equal(rfc.yielder.parent!.vruntime, 10 * ms - rfc.s.wakeupGranularity, 'the RFC deboosts the yielder\'s vcpu group entity at the VM\'s cfs_rq');
  assert.equal(rfc.s.pickNext(0, 0), rfc.target);
});

test('a sleeping task leaves its group\'s entity as the next buddy while the group still has work', () => {
  const s = cfs();
  const g = new TaskGroup('vm', null);
  const x = task(1, 0);
  const y = task(2, 0);
  const other = task(3, 0);
  queue(s, [x, y], () => g);
  queue(s, [other]);
  run(s, x);
  s.dequeueSleep(x, 0);
  assert.equal(x.parent!.cfsRq.next, x.parent);
  assert.equal(x.parent!.onRq, true);
  s.dequeueSleep(y, 0);
  assert.equal(x.parent!.onRq, false, 'its queue empty, the group entity leaves the root queue too');
  assert.equal(s.pickNext(0, 0), other);
});

test('host.groups: flat by default, one of flat, vm, libvirt, else a one-line error naming the path', () => {
  const ok = { host: { pcpus: 2 }, vms: [{ vcpus: 2, workload: { type: 'spinlock', computeUs: 10, criticalUs: 1 } }] };
  assert.equal(parseScenario(ok).host.groups, 'flat');
  assert.equal(parseScenario({ ...ok, host: { pcpus: 2, groups: 'libvirt' } }).host.groups, 'libvirt');
  assert.throws(() => parseScenario({ ...ok, host: { pcpus: 2, groups: 'cgroup-v1' } }), { message: '$.host.groups: expected one of flat, vm, libvirt, got "cgroup-v1"' });
});

test('under libvirt\'s layout patch 0001 changes nothing: debooster\'s run equals vanilla-5.6\'s', () => {
  const scenario = { ...builtinScenario('shared-rq'), host: { ...builtinScenario('shared-rq').host, groups: 'libvirt' as const } };
  const [vanilla, debooster] = parsePolicies('vanilla-5.6,debooster').map((policy) => simulate({ scenario, policy, seed: 3, durationNs: 30e6 }));
  assert.deepEqual({ ...debooster.metrics }, { ...vanilla.metrics });
  assert.ok(vanilla.metrics.boosts > 100, 'boosts happened');
});
