// pCPU runs: what each host CPU ran (a vCPU thread, another task, or idle), from the first
// event seen on the CPU (its task was running then) and every sched_switch after it.

import { CpuRunKind, type CpuLane, type IntervalColumns } from '../tables';
import { newLaneIntervalColumns, packLaneIntervals } from './columns';
import type { Lanes } from './lanes';

export class CpuRunTracker {
  /** The pCPUs with events, in pCPU-number order. */
  readonly cpuLanes: CpuLane[] = [];
  /** pCPU number → lane (-1 no events there). */
  private readonly laneOfCpu = new Int32Array(1 << 16).fill(-1);
  /** Per lane its open run, -1 before the first event on that pCPU. */
  private readonly open: Int32Array;
  private readonly cursor: Uint32Array;
  private table: IntervalColumns;
  /** pCPUs whose first event is still to come (onEvent has nothing to do once it is 0). */
  unseen: number;

  /** `runsOfCpu`: per pCPU number, its runs (1 + its sched_switch events; 0 without events). */
  constructor(
    private readonly lanes: Lanes,
    runsOfCpu: Uint32Array,
    /** The store's timestamps, read by row (see VcpuStateTracker). */
    private readonly tsOf: Float64Array,
  ) {
    const bound: number[] = [];
    runsOfCpu.forEach((runs, cpu) => {
      if (runs === 0) return;
      this.laneOfCpu[cpu] = this.cpuLanes.length;
      this.cpuLanes.push({ cpu });
      bound.push(runs);
    });
    this.open = new Int32Array(bound.length).fill(-1);
    this.unseen = bound.length;
    ({ table: this.table, cursor: this.cursor } = newLaneIntervalColumns(Uint32Array.from(bound)));
  }

  /** Any event on `cpu`: the first one tells which task was running there. */
  onEvent(cpu: number, tid: number, row: number): void {
    const lane = this.laneOfCpu[cpu];
    if (this.open[lane] < 0) this.run(lane, tid, row);
  }

  onSwitch(cpu: number, nextTid: number, row: number): void {
    this.run(this.laneOfCpu[cpu], nextTid, row);
  }

  private run(lane: number, tid: number, row: number): void {
    const ts = this.tsOf[row];
    const t = this.table;
    if (this.open[lane] >= 0) t.endNs[this.open[lane]] = ts;
    else this.unseen--;
    // lane is filled at the end, endNs when the next run opens, flags stay 0.
    const i = this.cursor[lane]++;
    const vcpuLane = tid === 0 ? -1 : this.lanes.ofTid(tid);
    t.startNs[i] = ts;
    t.state[i] = tid === 0 ? CpuRunKind.Idle : vcpuLane >= 0 ? CpuRunKind.Vcpu : CpuRunKind.Other;
    t.detail[i] = tid === 0 ? -1 : tid;
    t.vcpuLane[i] = vcpuLane;
    t.row[i] = row;
    this.open[lane] = i;
  }

  /** Closes the open runs at the end of the trace. */
  finish(endNs: number): { cpuLanes: CpuLane[]; cpuRuns: IntervalColumns } {
    for (const i of this.open) if (i >= 0) this.table.endNs[i] = endNs;
    this.table = packLaneIntervals(this.table, this.cursor);
    return { cpuLanes: this.cpuLanes, cpuRuns: this.table };
  }
}
