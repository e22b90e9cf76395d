// Which threads are vCPUs, which VM each belongs to, and its vCPU number. vCPU threads are
// found by the kvm events they run, never by name (QEMU without debug-threads names them all
// "qemu-system-x86"). VMs are thread groups when the trace records tgids; otherwise a
// documented heuristic: QEMU creates a VM's vCPU threads one after another, so sorted by tid
// a VM's vCPU numbers rise, and a number that does not rise starts the next VM. A trace.dat
// recorded with guests (trace-cmd record -A, attach) says it exactly: option GUEST names each
// guest by trace id and each vCPU's host thread; those VMs come first, the rest as above.

import type { EventStore } from '../trace/model';
import { eventVcpus, takeCensus, type TraceCensus } from './census';

export interface VcpuThread {
  tid: number;
  comm: string;
  vm: number; // index into VcpuMap.vms
  vcpu: number; // vCPU number inside its VM
  /** Where the number came from ('guest-option': the trace.dat GUEST option). */
  vcpuSource: 'event' | 'name' | 'order' | 'guest-option';
}

export interface VmInfo {
  index: number;
  id: string;
  tgid: number; // -1 when unknown
  name: string;
  vcpus: VcpuThread[]; // sorted by vCPU number
}

export interface VcpuMap {
  vms: VmInfo[];
  byTid: Map<number, VcpuThread>;
  /** How VMs were told apart ('guest-option': every vCPU thread is in the file's GUEST options). */
  grouping: 'guest-option' | 'tgid' | 'vcpu-number-heuristic' | 'single-vm';
  warnings: string[];
}

const KVM_THREAD_NAME = /^CPU (\d+)\/KVM$/;

export function mapVcpus(store: EventStore, census: TraceCensus = takeCensus(store)): VcpuMap {
  const eventVcpu = eventVcpus(census); // tid -> vcpu number seen in its events (-1 none)
  // The idle task never runs guest code; a kvm event attributed to pid 0 is a recorder artefact.
  eventVcpu.delete(0);

  const fromGuests = guestVms(store);
  for (const tid of fromGuests.byTid.keys()) eventVcpu.delete(tid);
  if (fromGuests.vms.length > 0 && eventVcpu.size === 0) return { ...fromGuests, grouping: 'guest-option', warnings: [] };
  const rest = mapByEvents(store, eventVcpu, fromGuests.vms.length);
  const warnings = fromGuests.vms.length ? rest.warnings.map((w) => `${eventVcpu.size} vCPU thread(s) are in no GUEST option of the trace: ${w}`) : rest.warnings;
  return { vms: [...fromGuests.vms, ...rest.vms], byTid: new Map([...fromGuests.byTid, ...rest.byTid]), grouping: rest.grouping, warnings };
}

/** The VMs the GUEST options name, in file order, keyed by trace id (names may be empty). */
function guestVms(store: EventStore): { vms: VmInfo[]; byTid: Map<number, VcpuThread> } {
  const vms: VmInfo[] = [];
  const byTid = new Map<number, VcpuThread>();
  for (const guest of store.origin.guests) {
    const index = vms.length;
    const vcpus: VcpuThread[] = [];
    for (const v of guest.vcpus) {
      if (byTid.has(v.hostTid)) continue; // a thread is one vCPU: the first guest that names it
      const t: VcpuThread = { tid: v.hostTid, comm: store.threads.get(v.hostTid)?.comm ?? '', vm: index, vcpu: v.vcpu, vcpuSource: 'guest-option' };
      vcpus.push(t);
      byTid.set(t.tid, t);
    }
    const tgid = store.threads.get(vcpus[0]?.tid ?? -1)?.tgid ?? -1;
    vms.push({ index, id: `guest-${guest.traceId}`, tgid, name: guest.name || `guest ${guest.traceId}`, vcpus });
  }
  return { vms, byTid };
}

/** VMs and vCPU numbers found from the events: thread groups, vCPU numbers, or thread order. */
function mapByEvents(store: EventStore, eventVcpu: Map<number, number>, firstIndex: number): VcpuMap {
  const warnings: string[] = [];
  const threads: VcpuThread[] = [];
  for (const [tid, id] of eventVcpu) {
    const comm = store.threads.get(tid)?.comm ?? '';
    let vcpu = id;
    let vcpuSource: VcpuThread['vcpuSource'] = 'event';
    if (vcpu < 0) {
      const m = KVM_THREAD_NAME.exec(comm);
      vcpu = m ? Number(m[1]) : -1;
      vcpuSource = m ? 'name' : 'order';
    }
    threads.push({ tid, comm, vm: -1, vcpu, vcpuSource });
  }
  threads.sort((p, q) => p.tid - q.tid);

  const tgidOf = (t: VcpuThread) => store.threads.get(t.tid)?.tgid ?? -1;
  const groups: { tgid: number; threads: VcpuThread[] }[] = [];
  let grouping: VcpuMap['grouping'];
  if (threads.length > 0 && threads.every((t) => tgidOf(t) >= 0)) {
    grouping = 'tgid';
    const byTgid = new Map<number, VcpuThread[]>();
    for (const t of threads) {
      const g = byTgid.get(tgidOf(t)) ?? [];
      g.push(t);
      byTgid.set(tgidOf(t), g);
    }
    for (const [tgid, g] of [...byTgid].sort((p, q) => p[0] - q[0])) groups.push({ tgid, threads: g });
  } else if (threads.some((t) => t.vcpuSource !== 'order')) {
    grouping = 'vcpu-number-heuristic';
    let current: VcpuThread[] = [];
    let lastNumber = -1;
    for (const t of threads) {
      if (current.length > 0 && t.vcpu >= 0 && t.vcpu <= lastNumber) {
        groups.push({ tgid: -1, threads: current });
        current = [];
      }
      current.push(t);
      if (t.vcpu >= 0) lastNumber = t.vcpu;
    }
    if (current.length) groups.push({ tgid: -1, threads: current });
    if (groups.length > 0) {
      warnings.push(
        'the trace has no thread-group ids, so VMs were told apart by vCPU numbers in thread-id order (record them with the ftrace option record-tgid, or perf script -F pid,tid)',
      );
    }
  } else {
    grouping = 'single-vm';
    if (threads.length) groups.push({ tgid: -1, threads });
    if (threads.length > 1) {
      warnings.push(
        'neither thread-group ids nor vCPU numbers are in the trace (trace-cmd plugin rendering and unnamed threads), so all vCPU threads were taken as one VM and numbered in thread-id order',
      );
    }
  }

  const vms: VmInfo[] = [];
  const byTid = new Map<number, VcpuThread>();
  let numberedByOrder = 0;
  for (const group of groups) {
    const index = firstIndex + vms.length;
    const used = new Set<number>();
    for (const t of group.threads) if (t.vcpu >= 0 && !used.has(t.vcpu)) used.add(t.vcpu);
    let next = 0;
    const seen = new Set<number>();
    for (const t of group.threads) {
      if (t.vcpu < 0 || seen.has(t.vcpu)) {
        while (used.has(next)) next++;
        t.vcpu = next;
        used.add(next);
        t.vcpuSource = 'order';
        numberedByOrder++;
      }
      seen.add(t.vcpu);
      t.vm = index;
      byTid.set(t.tid, t);
    }
    group.threads.sort((p, q) => p.vcpu - q.vcpu);
    const leader = group.tgid >= 0 ? store.threads.get(group.tgid)?.comm : undefined;
    vms.push({
      index,
      id: group.tgid >= 0 ? `vm-${group.tgid}` : `vm${index}`,
      tgid: group.tgid,
      name: leader ?? (group.tgid >= 0 ? `pid ${group.tgid}` : `VM ${index}`),
      vcpus: group.threads,
    });
  }
  if (numberedByOrder > 0 && grouping !== 'single-vm') {
    warnings.push(`${numberedByOrder} vCPU thread(s) had no vCPU number in their events or names and were numbered in thread-id order`);
  }
  return { vms, byTid, grouping, warnings };
}
