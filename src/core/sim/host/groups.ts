// Task-group layouts of a KVM host's cpu cgroups (CONFIG_FAIR_GROUP_SCHED), one per scenario:
//  - flat: no cpu controller (or every thread in one group): vCPU threads on the root cfs_rq;
//  - vm: one group per VM, as systemd-machined's scope (machine-qemu-N-name.scope) gives it;
//  - libvirt: libvirt's layout, each vCPU thread in its own vcpuN group under the VM's.
// Simplified: machine.slice and libvirt's intermediate `libvirt/` group, which every vCPU of a
// VM passes through alone, are left out (each would be the only entity on its queue); host
// background tasks stay on the root cfs_rq.

import { TaskGroup } from './entity';

export const GROUP_LAYOUTS = ['flat', 'vm', 'libvirt'] as const;
export type GroupLayout = (typeof GROUP_LAYOUTS)[number];

/** The task group of every vCPU thread, by VM then vCPU index (null: the root). */
export function vcpuTaskGroups(layout: GroupLayout, vms: readonly { name: string; vcpus: number }[]): (TaskGroup | null)[][] {
  return vms.map((vm, i) => {
    if (layout === 'flat') return Array.from({ length: vm.vcpus }, () => null);
    const scope = new TaskGroup(`machine-qemu-${i + 1}-${vm.name}.scope`, null);
    if (layout === 'vm') return Array.from({ length: vm.vcpus }, () => scope);
    return Array.from({ length: vm.vcpus }, (_, j) => new TaskGroup(`${scope.name}/vcpu${j}`, scope));
  });
}
