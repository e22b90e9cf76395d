// Probes: every perf-probe / kprobe event (function, return and line probes), kept by store
// row for the per-name and per-site counts; yield_to probes also feed the yield decisions.

import { addRow, trimmed } from './columns';

/** kvm_vcpu_yield_to / yield_to, entry or return: what the directed yield tried and achieved. */
export const YIELD_PROBE = /^(kvm_vcpu_)?yield_to(__return)?$/;

/** A line probe on kvm_arch_vcpu_put reading vcpu->arch.preempted_in_kernel (1 kernel, 0 user mode). */
export const GUEST_MODE_PROBE = 'kvm_arch_vcpu_put';

/** One row per probe event, in timestamp order. */
export interface ProbeColumns {
  count: number;
  row: Uint32Array;
}

export class ProbeTracker {
  private readonly table: ProbeColumns = { count: 0, row: new Uint32Array(16) };

  onProbe(row: number): void {
    const i = addRow(this.table, this.table.row);
    this.table.row[i] = row;
  }

  finish(): ProbeColumns {
    return trimmed(this.table);
  }
}
