// Exits: one row per kvm_exit of a vCPU thread with the time to that vCPU's next kvm_entry
// (perf kvm stat's exit time), the source of exit counts and of the per-reason statistics.

import type { ExitColumns } from '../tables';
import { addRow, newExitColumns, trimmed } from './columns';

export class ExitTracker {
  private readonly table: ExitColumns;
  /** Per lane the exit still waiting for its kvm_entry, -1 none. */
  private readonly waiting: Int32Array;

  constructor(lanes: number, capacity: number) {
    this.table = newExitColumns(capacity);
    this.waiting = new Int32Array(lanes).fill(-1);
  }

  onExit(lane: number, row: number): void {
    const t = this.table;
    const i = addRow(t, t.row);
    t.row[i] = row;
    t.lane[i] = lane;
    t.endNs[i] = NaN; // two exits without an entry between: the first has no exit time
    this.waiting[lane] = i;
  }

  onEntry(lane: number, ts: number): void {
    const i = this.waiting[lane];
    if (i < 0) return;
    this.table.endNs[i] = ts;
    this.waiting[lane] = -1;
  }

  finish(): ExitColumns {
    return trimmed(this.table);
  }
}
