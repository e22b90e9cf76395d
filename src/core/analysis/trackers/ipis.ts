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
  /** Per receiver lane: senders not yet taken. */
  private readonly from: (Set<number> | null)[];
  /** Per sender lane: receivers that have not taken its IPI yet. */
  private readonly pendingTo: (Set<number> | null)[];
  /** Per receiver lane: 1 while from[lane] may hold senders (most exits find it empty). */
  private readonly hasSenders: Uint8Array;

  constructor(private readonly lanes: Lanes) {
    this.table = newIpiColumns(16);
    this.from = new Array(lanes.count).fill(null);
    this.pendingTo = new Array(lanes.count).fill(null);
    this.hasSenders = new Uint8Array(lanes.count);
  }

  onIpi(sender: number, destination: number, shorthand: number, ts: number, row: number): void {
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
    (this.from[receiver] ??= new Set()).add(sender);
    this.hasSenders[receiver] = 1;
    (this.pendingTo[sender] ??= new Set()).add(receiver);
  }

  /**
   * The receiver left the guest (a kvm_exit after an entry): it has run the handler of every IPI
   * sent to it before — an interrupt is handled in the guest, so one that arrived while it was
   * out stays pending through an entry that is preempted before the handler ran.
   */
  onGuestLeft(lane: number): void {
    if (this.hasSenders[lane] === 0) return;
    this.hasSenders[lane] = 0;
    const senders = this.from[lane];
    if (!senders || senders.size === 0) return;
    for (const s of senders) this.pendingTo[s]?.delete(lane);
    senders.clear();
  }

  /** Receivers that have not yet taken an IPI from `sender`. */
  pendingReceivers(sender: number): ReadonlySet<number> | null {
    const set = this.pendingTo[sender];
    return set && set.size > 0 ? set : null;
  }

  finish(): { ipis: IpiColumns; ipiSends: IpiSendColumns } {
    return { ipis: trimmed(this.table), ipiSends: trimmed(this.sends) };
  }
}
