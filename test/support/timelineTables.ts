// Hand-made TimelineTables for tests of the timeline, its webview and the exports: rows are
// written as tuples and sorted the way the trackers order them (lane, start; or ts).
import type { CpuLane, DecisionColumns, IntervalColumns, IpiColumns, TimelineTables, VcpuLane } from '../../src/core/analysis/tables';

/** lane, startNs, endNs, state, detail, vcpuLane, row */
export type IntervalRow = [number, number, number, number, number?, number?, number?];
/** ts, endNs, spinnerLane, targetLane, outcome, row */
export type DecisionRow = [number, number, number, number, number, number?];
/** ts, fromLane, toLane, row */
export type IpiRow = [number, number, number, number?];

export function intervals(rows: IntervalRow[], lanes: number): IntervalColumns {
  const sorted = [...rows].sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  const n = sorted.length;
  const t: IntervalColumns = { count: n, lane: new Uint32Array(n), startNs: new Float64Array(n), endNs: new Float64Array(n), state: new Uint8Array(n), detail: new Int32Array(n), vcpuLane: new Int32Array(n), row: new Uint32Array(n), flags: new Uint8Array(n), laneStart: new Uint32Array(lanes + 1) };
  for (const [lane] of sorted) t.laneStart[lane + 1]++;
  for (let l = 0; l < lanes; l++) t.laneStart[l + 1] += t.laneStart[l];
  sorted.forEach(([lane, start, end, state, detail = -1, vcpuLane = -1, row = 0], i) => {
    t.lane[i] = lane;
    t.startNs[i] = start;
    t.endNs[i] = end;
    t.state[i] = state;
    t.detail[i] = detail;
    t.vcpuLane[i] = vcpuLane;
    t.row[i] = row;
  });
  return t;
}

export function decisions(rows: DecisionRow[]): DecisionColumns {
  const sorted = [...rows].sort((p, q) => p[0] - q[0]);
  const n = sorted.length;
  const d: DecisionColumns = { count: n, ts: new Float64Array(n), endNs: new Float64Array(n), spinnerLane: new Uint32Array(n), targetLane: new Int32Array(n), outcome: new Uint8Array(n), row: new Uint32Array(n), attempts: new Uint16Array(n), problems: new Uint8Array(n) };
  sorted.forEach(([ts, end, spinner, target, outcome, row = 0], i) => {
    d.ts[i] = ts;
    d.endNs[i] = end;
    d.spinnerLane[i] = spinner;
    d.targetLane[i] = target;
    d.outcome[i] = outcome;
    d.row[i] = row;
  });
  return d;
}

export function ipis(rows: IpiRow[]): IpiColumns {
  const sorted = [...rows].sort((p, q) => p[0] - q[0]);
  const n = sorted.length;
  const p: IpiColumns = { count: n, ts: new Float64Array(n), fromLane: new Uint32Array(n), toLane: new Uint32Array(n), row: new Uint32Array(n) };
  sorted.forEach(([ts, from, to, row = 0], i) => {
    p.ts[i] = ts;
    p.fromLane[i] = from;
    p.toLane[i] = to;
    p.row[i] = row;
  });
  return p;
}

export function timelineTables(o: { vcpuLanes: VcpuLane[]; cpuLanes: CpuLane[]; vcpuStates?: IntervalRow[]; cpuRuns?: IntervalRow[]; decisions?: DecisionRow[]; ipis?: IpiRow[]; startNs: number; endNs: number }): TimelineTables {
  return {
    vcpuLanes: o.vcpuLanes,
    cpuLanes: o.cpuLanes,
    vcpuStates: intervals(o.vcpuStates ?? [], o.vcpuLanes.length),
    cpuRuns: intervals(o.cpuRuns ?? [], o.cpuLanes.length),
    decisions: decisions(o.decisions ?? []),
    ipis: ipis(o.ipis ?? []),
    startNs: o.startNs,
    endNs: o.endNs,
  };
}

/** Two VMs of two vCPUs on two pCPUs over 0..1000 ns, hand-written. */
export function smallTables(): TimelineTables {
  const lane = (vm: string, vmIndex: number, vcpu: number, tid: number): VcpuLane => ({ vm, vmIndex, vcpu, tid, comm: `CPU ${vcpu}/KVM` });
  return timelineTables({
    startNs: 0,
    endNs: 1000,
    vcpuLanes: [lane('vm0', 0, 0, 100), lane('vm0', 0, 1, 101), lane('vm1', 1, 0, 200), lane('vm1', 1, 1, 201)],
    cpuLanes: [{ cpu: 0 }, { cpu: 1 }],
    // lane, start, end, state (1 guest 2 host 3 preempted 4 halted 5 woken), pCPU
    vcpuStates: [
      [0, 0, 400, 1, 0, -1, 1],
      [0, 400, 410, 2, 0, -1, 2],
      [0, 410, 1000, 3, -1, -1, 3],
      [1, 0, 500, 4, -1, -1, 4],
      [1, 500, 1000, 1, 1, -1, 5],
      [2, 0, 1000, 3, -1, -1, 6],
      [3, 0, 500, 1, 1, -1, 7],
      [3, 500, 1000, 5, -1, -1, 8],
    ],
    // lane, start, end, kind (0 idle 1 vCPU 2 other), tid, vCPU lane
    cpuRuns: [
      [0, 0, 410, 1, 100, 0, 1],
      [0, 410, 600, 2, 55, -1, 9],
      [0, 600, 1000, 0, -1, -1, 10],
      [1, 0, 500, 1, 201, 3, 7],
      [1, 500, 1000, 1, 101, 1, 5],
    ],
    // ts, end, spinner, target, outcome (0 ran, 1 not run, 2 esrch, 3 not boosted, 4 none)
    decisions: [
      [400, 410, 0, 1, 0, 2],
      [405, 410, 0, 1, 1, 11],
      [408, 410, 0, 1, 2, 12],
      [409, 410, 0, -1, 4, 13],
    ],
    ipis: [[300, 0, 1, 14]],
  });
}
