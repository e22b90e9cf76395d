// The simulated host's population: each VM with its vCPU threads, and the background tasks,
// placed on their CPUs and started at a random point of the scheduler's state space.

import type { Scenario } from './scenario';
import type { Random } from './random';
import type { HostScheduler, SchedTask } from './host/scheduler';
import { EntityState, type CfsRq, type GroupEntity } from './host/entity';
import { vcpuTaskGroups } from './host/groups';
import { createWorkload } from './guest';
import { newVcpu, type Vcpu, type VmRt } from './guest/vcpu';
import type { SimRecorder } from './recorder';

/** A host thread: a vCPU's (with `vcpu`) or a background task's. */
export class SimTask extends EntityState implements SchedTask {
  cfsRq = null as unknown as CfsRq;
  parent: GroupEntity | null = null;
  /** sumExec when measuring started. */
  measuredFrom = 0;
  constructor(
    readonly id: number,
    readonly tid: number,
    public cpu: number,
    readonly vcpu: Vcpu | null,
  ) {
    super();
  }
}

export interface Population {
  vms: VmRt[];
  /** Every VM's vCPUs, by global index. */
  vcpus: Vcpu[];
  /** The vCPU threads, then the background tasks. */
  tasks: SimTask[];
}

/**
 * The VMs, vCPU threads and background tasks of `scenario`. Random draws, in this order: the
 * placement, then each vCPU's first compute segment (`newCompute`).
 */
export function buildPopulation(scenario: Scenario, random: Random, pvSpinNs: number, recorder: SimRecorder | null, newCompute: (v: Vcpu) => void): Population {
  const { host } = scenario;
  const cpuOf = placement(scenario, random);
  const out: Population = { vms: [], vcpus: [], tasks: [] };
  let taskId = 0;
  scenario.vms.forEach((spec, index) => {
    const tgid = 10_000 + index * 1_000;
    const vm: VmRt = {
      index,
      name: spec.name,
      tgid,
      workload: createWorkload(spec.workload),
      vcpus: [],
      lastBoosted: 0,
      usefulNs: 0,
      spinNs: 0,
      runNs: 0,
      pleExits: 0,
      operations: 0,
    };
    out.vms.push(vm);
    recorder?.noteThread(tgid, 'qemu-system-x86', tgid);
    for (let idx = 0; idx < spec.vcpus; idx++) {
      const global = out.vcpus.length;
      const v = newVcpu(vm, idx, global, spec.vcpus, scenario.ple.window, pvSpinNs);
      const task = new SimTask(taskId++, tgid + 1 + idx, cpuOf[global], v);
      v.task = task;
      newCompute(v);
      vm.vcpus.push(v);
      out.vcpus.push(v);
      out.tasks.push(task);
      recorder?.noteThread(task.tid, v.comm, tgid);
    }
  });
  for (let i = 0; i < host.backgroundTasks; i++) {
    const t = new SimTask(taskId++, 90_000 + i, i % host.pcpus, null);
    out.tasks.push(t);
    recorder?.noteThread(t.tid, 'stress', t.tid);
  }
  return out;
}

/**
 * Placement: "spread" puts vCPU j of every VM on pCPU j; "random" deals all vCPUs over the
 * pCPUs evenly in a seeded random order, so siblings can share a run queue.
 */
function placement(scenario: Scenario, random: Random): number[] {
  const { host, vms } = scenario;
  const total = vms.reduce((n, v) => n + v.vcpus, 0);
  if (host.placement === 'random') {
    const slots = Array.from({ length: total }, (_, i) => i % host.pcpus);
    random.shuffle(slots);
    return slots;
  }
  const cpuOf: number[] = [];
  for (let k = 0; k < total; k++) cpuOf.push(k % host.pcpus);
  return cpuOf;
}

/** Every task joins its task group and run queue from a random point of the scheduler's state space rather than all at vruntime 0. */
export function startTasks(tasks: readonly SimTask[], scenario: Scenario, random: Random, sched: HostScheduler): void {
  const groups = vcpuTaskGroups(scenario.host.groups, scenario.vms);
  for (const t of tasks) {
    t.vruntime = random.next() * sched.latency;
    t.vlag = (random.next() - 0.5) * sched.baseSlice;
    sched.attach(t, t.vcpu ? groups[t.vcpu.vm.index][t.vcpu.idx] : null);
    sched.enqueueWakeup(t, 0);
  }
}
