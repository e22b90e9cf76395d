// vCPU state: what each vCPU thread is doing (guest, exit handling on a CPU, preempted,
// halted, woken) as one contiguous run of intervals from its first telling event to the end
// of the trace. Also keeps, per VM, how many vCPUs are ready (preempted or woken): the
// candidates kvm_vcpu_on_spin can boost.

import { VcpuState } from '../result';
import { IntervalFlag, type IntervalColumns } from '../tables';
import { newLaneIntervalColumns, packLaneIntervals } from './columns';
import type { Lanes } from './lanes';

const isReady = (s: number) => s === VcpuState.Preempted || s === VcpuState.Woken;

/**
 * A vCPU's recent stretches of being ready, oldest first: loop positions (from, to),
 * exclusive, whether it was woken, and when the stretch ended. Columns reused for the whole
 * pass (an object per stretch was a young-generation allocation per preemption).
 */
class ReadyPeriods {
  head = 0;
  tail = 0;
  from = new Float64Array(8);
  to = new Float64Array(8);
  endNs = new Float64Array(8);
  woken = new Uint8Array(8);

  dropEndedBefore(ns: number): void {
    while (this.head < this.tail && this.endNs[this.head] < ns) this.head++;
  }

  push(from: number, to: number, woken: boolean, endNs: number): void {
    if (this.tail === this.from.length) this.makeRoom();
    const at = this.tail++;
    this.from[at] = from;
    this.to[at] = to;
    this.woken[at] = woken ? 1 : 0;
    this.endNs[at] = endNs;
  }

  /** Moves the kept stretches to the front, doubling the columns when they are more than half full. */
  private makeRoom(): void {
    const kept = this.tail - this.head;
    const size = kept * 2 > this.from.length ? this.from.length * 2 : this.from.length;
    const move = <T extends Float64Array | Uint8Array>(col: T, next: T): T => (next.set(col.subarray(this.head, this.tail)), next);
    this.from = move(this.from, size === this.from.length ? this.from : new Float64Array(size));
    this.to = move(this.to, size === this.to.length ? this.to : new Float64Array(size));
    this.endNs = move(this.endNs, size === this.endNs.length ? this.endNs : new Float64Array(size));
    this.woken = move(this.woken, size === this.woken.length ? this.woken : new Uint8Array(size));
    this.head = 0;
    this.tail = kept;
  }
}

export class VcpuStateTracker {
  readonly state: Uint8Array;
  /** Loop position (ordered row number) of the last state change. */
  readonly sinceSeq: Float64Array;
  /** Ready vCPUs per VM. */
  readonly readyInVm: Int32Array;
  /** Index of each lane's open interval, -1 before its first state. */
  readonly open: Int32Array;
  private table: IntervalColumns;
  /** Per lane, the next row of its block in the table. */
  private readonly cursor: Uint32Array;

  /** Per lane, its recent ready periods before the current state (kept for `keepReadyNs`). */
  private readonly pastReady: ReadyPeriods[];

  /**
   * `inPauseExit`: per lane, set by the PAUSE-exit tracker; marks the intervals opened inside
   * one. `keepReadyNs`: how long a past ready period can still matter (the boost window).
   * `bound`: per lane, at most how many states it enters (one per event that can change it).
   * `tsOf`: the store's timestamps, read by row (a timestamp passed to a call not inlined is a
   * heap number allocated per call; a row number is a small integer).
   */
  constructor(
    private readonly lanes: Lanes,
    bound: Uint32Array,
    private readonly inPauseExit: Uint8Array,
    private readonly keepReadyNs: number,
    private readonly tsOf: Float64Array,
  ) {
    this.pastReady = Array.from({ length: lanes.count }, () => new ReadyPeriods());
    const n = lanes.count;
    this.state = new Uint8Array(n);
    this.sinceSeq = new Float64Array(n);
    this.open = new Int32Array(n).fill(-1);
    this.readyInVm = new Int32Array(lanes.map.vms.length);
    ({ table: this.table, cursor: this.cursor } = newLaneIntervalColumns(bound));
  }

  get intervals(): IntervalColumns {
    return this.table;
  }

  /** Enters `state` at store row `row`'s time; `cpu` is the pCPU for guest and host states (-1 otherwise). */
  set(lane: number, state: VcpuState, seq: number, cpu: number, row: number): void {
    const ts = this.tsOf[row];
    const old = this.state[lane];
    const vm = this.lanes.vmOf[lane];
    if (isReady(old)) {
      this.readyInVm[vm]--;
      const past = this.pastReady[lane];
      past.dropEndedBefore(ts - this.keepReadyNs);
      past.push(this.sinceSeq[lane], seq, old === VcpuState.Woken, ts);
    }
    if (isReady(state)) this.readyInVm[vm]++;
    this.state[lane] = state;
    this.sinceSeq[lane] = seq;
    const t = this.table;
    const prev = this.open[lane];
    if (prev >= 0) t.endNs[prev] = ts;
    // Only the columns that vary: lane and vcpuLane are filled at the end, and every interval's
    // end is written when the next one opens (or the trace ends).
    const i = this.cursor[lane]++;
    t.startNs[i] = ts;
    t.state[i] = state;
    t.detail[i] = state === VcpuState.Guest || state === VcpuState.Host ? cpu : -1;
    t.row[i] = row;
    t.flags[i] = this.inPauseExit[lane] ? IntervalFlag.InPauseExit | (state === VcpuState.Host ? IntervalFlag.Spin : 0) : 0;
    this.open[lane] = i;
  }

  /** Whether `lane` was ready (a candidate) when the loop was at position `seq`, judged from now. */
  wasReadyAt(lane: number, seq: number): boolean {
    return isReady(this.state[lane]) && this.sinceSeq[lane] < seq;
  }

  wasWokenAt(lane: number, seq: number): boolean {
    return this.state[lane] === VcpuState.Woken && this.sinceSeq[lane] < seq;
  }

  /** wasReadyAt and not wasWokenAt: scheduled out while runnable since before `seq`. */
  wasPreemptedAt(lane: number, seq: number): boolean {
    return this.state[lane] === VcpuState.Preempted && this.sinceSeq[lane] < seq;
  }

  /**
   * Calls `visit` on the lane's ready periods, oldest first, the current one last (open-ended)
   * when it is ready now, until `visit` returns true.
   */
  someReadyPeriod(lane: number, visit: (from: number, to: number, woken: boolean) => boolean): boolean {
    const past = this.pastReady[lane];
    for (let p = past.head; p < past.tail; p++) if (visit(past.from[p], past.to[p], past.woken[p] === 1)) return true;
    return isReady(this.state[lane]) && visit(this.sinceSeq[lane], Infinity, this.state[lane] === VcpuState.Woken);
  }

  /** Whether `lane` is ready now (its current period is open-ended). */
  readyNow(lane: number): boolean {
    return isReady(this.state[lane]);
  }

  /** The lane's past ready periods (read only), for a walk without a callback (someReadyPeriod's order). */
  pastReadyOf(lane: number): Readonly<ReadyPeriods> {
    return this.pastReady[lane];
  }

  markSpin(interval: number): void {
    this.table.flags[interval] |= IntervalFlag.Spin;
  }

  /** Closes every open interval at the end of the trace; the table is in (lane, start) order. */
  finish(endNs: number): IntervalColumns {
    for (let lane = 0; lane < this.open.length; lane++) if (this.open[lane] >= 0) this.table.endNs[this.open[lane]] = endNs;
    this.table = packLaneIntervals(this.table, this.cursor);
    this.table.vcpuLane.fill(-1);
    return this.table;
  }
}
