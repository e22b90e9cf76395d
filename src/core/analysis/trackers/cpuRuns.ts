// pCPU runs: what each host CPU ran (a vCPU thread, another task, or idle), from the first
// event seen on the CPU (its task was running then) and every sched_switch after it.

import { CpuRunKind, type CpuLane, type IntervalColumns } from '../tables';
import { addRow, newIntervalColumns, sortIntervalsByLane } from './columns';
import type { Lanes } from './lanes';

export class CpuRunTracker {
  readonly cpuLanes: CpuLane[] = [];
  /** pCPU number → lane (-1 not seen yet). */
  private readonly laneOfCpu = new Int32Array(1 << 16).fill(-1);
  private readonly open: number[] = [];
  private table: IntervalColumns;

  constructor(
    private readonly lanes: Lanes,
    capacity: number,
  ) {
    this.table = newIntervalColumns(capacity);
  }

  /** Any event on `cpu`: the first one tells which task was running there. */
  onEvent(cpu: number, tid: number, ts: number, row: number): void {
    if (this.laneOfCpu[cpu] < 0) this.run(this.laneFor(cpu), tid, ts, row);
  }

  onSwitch(cpu: number, nextTid: number, ts: number, row: number): void {
    this.run(this.laneFor(cpu), nextTid, ts, row);
  }

  private laneFor(cpu: number): number {
    let lane = this.laneOfCpu[cpu];
    if (lane < 0) {
      lane = this.laneOfCpu[cpu] = this.cpuLanes.length;
      this.cpuLanes.push({ cpu });
      this.open.push(-1);
    }
    return lane;
  }

  private run(lane: number, tid: number, ts: number, row: number): void {
    const t = this.table;
    if (this.open[lane] >= 0) t.endNs[this.open[lane]] = ts;
    const i = addRow(t, t.lane);
    const vcpuLane = tid === 0 ? -1 : this.lanes.ofTid(tid);
    t.lane[i] = lane;
    t.startNs[i] = ts;
    t.endNs[i] = NaN;
    t.state[i] = tid === 0 ? CpuRunKind.Idle : vcpuLane >= 0 ? CpuRunKind.Vcpu : CpuRunKind.Other;
    t.detail[i] = tid === 0 ? -1 : tid;
    t.vcpuLane[i] = vcpuLane;
    t.row[i] = row;
    t.flags[i] = 0;
    this.open[lane] = i;
  }

  /** Closes the open runs at the end of the trace; lanes are put in pCPU-number order. */
  finish(endNs: number): { cpuLanes: CpuLane[]; cpuRuns: IntervalColumns } {
    const t = this.table;
    for (const i of this.open) if (i >= 0) t.endNs[i] = endNs;
    const byCpu = this.cpuLanes.map((l, lane) => ({ cpu: l.cpu, lane })).sort((p, q) => p.cpu - q.cpu);
    const renumber = new Uint32Array(byCpu.length);
    byCpu.forEach((entry, at) => (renumber[entry.lane] = at));
    for (let i = 0; i < t.count; i++) t.lane[i] = renumber[t.lane[i]];
    this.table = sortIntervalsByLane(t, byCpu.length);
    return { cpuLanes: byCpu.map((e) => ({ cpu: e.cpu })), cpuRuns: this.table };
  }
}
