// PLE window: every kvm_ple_window_update of a vCPU (grow or shrink, and the new window).

import type { WindowColumns } from '../tables';
import { addRow, newWindowColumns, trimmed } from './columns';

export class PleWindowTracker {
  private readonly table: WindowColumns;

  /** `tsOf`: the store's timestamps, read by row (see VcpuStateTracker). */
  constructor(capacity: number, private readonly tsOf: Float64Array) {
    this.table = newWindowColumns(capacity);
  }

  onUpdate(lane: number, row: number, grow: boolean, window: number): void {
    const t = this.table;
    const i = addRow(t, t.ts);
    t.ts[i] = this.tsOf[row];
    t.lane[i] = lane;
    t.grow[i] = grow ? 1 : 0;
    t.window[i] = window;
  }

  finish(): WindowColumns {
    return trimmed(this.table);
  }
}
