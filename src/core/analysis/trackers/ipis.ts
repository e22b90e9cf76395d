// IPIs between the vCPUs of a VM (kvm_apic_ipi): who sent what to whom, and per receiver the
// senders whose IPI it has not taken yet (it has not entered the guest since) — the vCPUs a
// spinner may be waiting for.

import type { IpiColumns } from '../tables';
import { addRow, newIpiColumns, trimmed } from './columns';
import type { Lanes } from './lanes';

/** kvm_apic_ipi's destination shorthand (ICR bits 18–19). */
const Shorthand = { None: 0, Self: 1, AllIncludingSelf: 2, AllExcludingSelf: 3 } as const;

/** One row per kvm_apic_ipi sent by a vCPU thread. */
export interface IpiSendColumns {
  count: number;
  row: Uint32Array;
  lane: Uint32Array;
}

export class IpiTracker {
  private readonly table: IpiColumns;
  private readonly sends: IpiSendColumns = { count: 0, row: new Uint32Array(16), lane: new Uint32Array(16) };
  /**
   * Per receiver lane: senders not yet taken, the first fromCount[lane] entries (unordered;
   * `pending` says which pairs are in). Cleared by resetting the count: an array's length set to
   * 0 drops its storage, allocated again by the next IPI.
   */
  private readonly from: number[][];
  private readonly fromCount: Uint32Array;
  /** Per sender lane: receivers that have not taken its IPI yet, the first pendingCount[lane] entries (unordered). */
  private readonly pendingTo: number[][];
  private readonly pendingCount: Uint32Array;
  /**
   * Per (sender, receiver) pair of one VM: 1 while the receiver has not taken the sender's IPI.
   * A VM's lanes are consecutive, so its pairs are a square block at pairBase[vm] (a Set per
   * lane was an allocation per IPI and an iterator per exit that had any).
   */
  private readonly pending: Uint8Array;
  private readonly pairBase: Float64Array;
  /** Per sender: pendingTo as an array handed out to readers, null when it changed since (rebuilt on demand). */
  private readonly snapshot: (readonly number[] | null)[];

  /** `tsOf`: the store's timestamps, read by row (see VcpuStateTracker). */
  constructor(
    private readonly lanes: Lanes,
    private readonly tsOf: Float64Array,
  ) {
    this.table = newIpiColumns(16);
    this.from = Array.from({ length: lanes.count }, () => []);
    this.pendingTo = Array.from({ length: lanes.count }, () => []);
    this.fromCount = new Uint32Array(lanes.count);
    this.pendingCount = new Uint32Array(lanes.count);
    this.snapshot = new Array(lanes.count).fill(null);
    this.pairBase = new Float64Array(lanes.ofVm.length);
    let pairs = 0;
    lanes.ofVm.forEach((vmLanes, vm) => {
      this.pairBase[vm] = pairs;
      pairs += vmLanes.length * vmLanes.length;
    });
    this.pending = new Uint8Array(pairs);
  }

  onIpi(sender: number, destination: number, shorthand: number, row: number): void {
    const ts = this.tsOf[row];
    const s = this.sends;
    const at = addRow(s, s.row);
    s.row[at] = row;
    s.lane[at] = sender;
    const vm = this.lanes.vmOf[sender];
    if (shorthand === Shorthand.None) {
      const receiver = this.lanes.ofVcpu(vm, destination);
      if (receiver >= 0) this.deliver(sender, receiver, ts, row);
    } else if (shorthand !== Shorthand.Self) {
      for (const receiver of this.lanes.ofVm[vm]) this.deliver(sender, receiver, ts, row);
    }
  }

  private deliver(sender: number, receiver: number, ts: number, row: number): void {
    if (receiver === sender) return;
    const t = this.table;
    const i = addRow(t, t.row);
    t.ts[i] = ts;
    t.fromLane[i] = sender;
    t.toLane[i] = receiver;
    t.row[i] = row;
    const pair = this.pairOf(sender, receiver);
    if (this.pending[pair] === 1) return;
    this.pending[pair] = 1;
    this.from[receiver][this.fromCount[receiver]++] = sender;
    this.pendingTo[sender][this.pendingCount[sender]++] = receiver;
    this.snapshot[sender] = null;
  }

  /** The index of (sender, receiver) in `pending`: both are lanes of one VM. */
  private pairOf(sender: number, receiver: number): number {
    const vmLanes = this.lanes.ofVm[this.lanes.vmOf[sender]];
    const first = vmLanes[0];
    return this.pairBase[this.lanes.vmOf[sender]] + (sender - first) * vmLanes.length + (receiver - first);
  }

  /**
   * The receiver left the guest (a kvm_exit after an entry): it has run the handler of every IPI
   * sent to it before — an interrupt is handled in the guest, so one that arrived while it was
   * out stays pending through an entry that is preempted before the handler ran.
   */
  onGuestLeft(lane: number): void {
    const n = this.fromCount[lane];
    if (n === 0) return;
    const senders = this.from[lane];
    for (let i = 0; i < n; i++) {
      const sender = senders[i];
      this.pending[this.pairOf(sender, lane)] = 0;
      const receivers = this.pendingTo[sender];
      const last = --this.pendingCount[sender];
      receivers[receivers.indexOf(lane)] = receivers[last];
      this.snapshot[sender] = null;
    }
    this.fromCount[lane] = 0;
  }

  /** Receivers that have not yet taken an IPI from `sender`, in no order; readers must not change it. */
  pendingReceivers(sender: number): readonly number[] | null {
    const n = this.pendingCount[sender];
    if (n === 0) return null;
    return (this.snapshot[sender] ??= this.pendingTo[sender].slice(0, n));
  }

  finish(): { ipis: IpiColumns; ipiSends: IpiSendColumns } {
    return { ipis: trimmed(this.table), ipiSends: trimmed(this.sends) };
  }
}
