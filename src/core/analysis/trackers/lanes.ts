// vCPU lanes: one per vCPU thread, in VM order then vCPU order (the order of every per-vCPU
// table and view), with dense look-ups by thread id (a Map lookup per event was the loop's
// main cost) and by (VM, vCPU number).

import type { EventStore } from '../../trace/model';
import { mapVcpus, type VcpuMap, type VcpuThread } from '../vcpuMap';
import type { TraceCensus } from '../census';
import type { VcpuLane } from '../tables';

/** Linux's PID_MAX_LIMIT (4M): thread ids below it get a dense look-up table. */
const DENSE_TID_LIMIT = 1 << 22;

export class Lanes {
  readonly map: VcpuMap;
  readonly lanes: VcpuLane[] = [];
  readonly threads: VcpuThread[] = [];
  /** Lane indices of each VM, in vCPU order. */
  readonly ofVm: number[][];
  readonly vmOf: Uint32Array;
  /**
   * Lane by thread id, -1 for other threads: dense while thread ids are small (they are on
   * Linux: pid_max ≤ 4M), a Map beyond (ofTid). Hot loops read it directly for tids below its length.
   */
  readonly byTid: Int32Array;
  private readonly byLargeTid = new Map<number, number>();
  private readonly byVcpu: Map<number, number>[];

  constructor(store: EventStore, census?: TraceCensus) {
    this.map = mapVcpus(store, census);
    this.ofVm = this.map.vms.map(() => []);
    this.byVcpu = this.map.vms.map(() => new Map());
    let maxTid = 0;
    for (const vm of this.map.vms) {
      for (const t of vm.vcpus) {
        const lane = this.lanes.length;
        this.lanes.push({ vm: vm.id, vmIndex: vm.index, vcpu: t.vcpu, tid: t.tid, comm: t.comm });
        this.threads.push(t);
        this.ofVm[vm.index].push(lane);
        this.byVcpu[vm.index].set(t.vcpu, lane);
        if (t.tid > maxTid) maxTid = t.tid;
      }
    }
    this.vmOf = Uint32Array.from(this.lanes, (l) => l.vmIndex);
    this.byTid = new Int32Array(this.lanes.length ? Math.min(maxTid, DENSE_TID_LIMIT) + 1 : 0).fill(-1);
    this.lanes.forEach((l, lane) => {
      if (l.tid < this.byTid.length) this.byTid[l.tid] = lane;
      else this.byLargeTid.set(l.tid, lane);
    });
  }

  get count(): number {
    return this.lanes.length;
  }

  /** The lane of a thread id, -1 when it is not a vCPU thread. */
  ofTid(tid: number): number {
    if (tid >= 0 && tid < this.byTid.length) return this.byTid[tid];
    return this.byLargeTid.get(tid) ?? -1;
  }

  /** The lane of vCPU number `vcpu` of VM `vmIndex`, -1 when there is none. */
  ofVcpu(vmIndex: number, vcpu: number): number {
    return this.byVcpu[vmIndex].get(vcpu) ?? -1;
  }
}
