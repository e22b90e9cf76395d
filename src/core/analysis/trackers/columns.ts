// Growable columnar tables: every typed-array field of a table object grows together (by
// doubling), and a finished interval table is put in (lane, start) order by a stable
// counting sort. Capacity starts at the caller's upper bound, so most tables never grow.

import type { DecisionColumns, ExitColumns, IntervalColumns, IpiColumns, WindowColumns } from '../tables';

type Typed = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;
type Table = { count: number } & Record<string, unknown>;

const isTyped = (v: unknown): v is Typed => ArrayBuffer.isView(v) && !(v instanceof DataView);

/**
 * Makes room for one more row; returns its index (the caller fills every column). `column`
 * is any row column of the table: its length is the capacity, checked without a key walk.
 */
export function addRow(rows: { count: number }, column: Typed): number {
  const at = rows.count;
  if (at >= column.length) grow(rows as Table, at);
  rows.count = at + 1;
  return at;
}

function grow(table: Table, at: number): void {
  for (const key of Object.keys(table)) {
    const col = table[key];
    if (!isTyped(col) || key === 'laneStart' || col.length > at) continue;
    const next = new (col.constructor as new (n: number) => Typed)(Math.max(16, col.length * 2));
    next.set(col);
    table[key] = next;
  }
}

export function newIntervalColumns(capacity: number): IntervalColumns {
  const n = Math.max(16, capacity);
  return {
    count: 0,
    lane: new Uint32Array(n),
    startNs: new Float64Array(n),
    endNs: new Float64Array(n),
    state: new Uint8Array(n),
    detail: new Int32Array(n),
    vcpuLane: new Int32Array(n),
    row: new Uint32Array(n),
    flags: new Uint8Array(n),
    laneStart: new Uint32Array(1),
  };
}

export function newDecisionColumns(capacity: number): DecisionColumns {
  const n = Math.max(16, capacity);
  return {
    count: 0,
    ts: new Float64Array(n),
    endNs: new Float64Array(n),
    spinnerLane: new Uint32Array(n),
    targetLane: new Int32Array(n),
    outcome: new Uint8Array(n),
    row: new Uint32Array(n),
    attempts: new Uint16Array(n),
    problems: new Uint8Array(n),
  };
}

export function newIpiColumns(capacity: number): IpiColumns {
  const n = Math.max(16, capacity);
  return { count: 0, ts: new Float64Array(n), fromLane: new Uint32Array(n), toLane: new Uint32Array(n), row: new Uint32Array(n) };
}

export function newExitColumns(capacity: number): ExitColumns {
  const n = Math.max(16, capacity);
  return { count: 0, row: new Uint32Array(n), endNs: new Float64Array(n), lane: new Uint32Array(n) };
}

export function newWindowColumns(capacity: number): WindowColumns {
  const n = Math.max(16, capacity);
  return { count: 0, ts: new Float64Array(n), lane: new Uint32Array(n), window: new Float64Array(n), grow: new Uint8Array(n) };
}

/**
 * An interval table laid out by lane before the pass: lane l owns rows laneStart[l] ..
 * laneStart[l] + bound[l] - 1 and fills them in time order (LaneCursor), so the finished
 * table is in (lane, start) order without a sort; `bound` is each lane's row count, or an
 * upper bound of it.
 */
export function newLaneIntervalColumns(bound: Uint32Array): { table: IntervalColumns; cursor: Uint32Array } {
  const lanes = bound.length;
  const laneStart = new Uint32Array(lanes + 1);
  for (let l = 0; l < lanes; l++) laneStart[l + 1] = laneStart[l] + bound[l];
  const table = newIntervalColumns(laneStart[lanes]);
  table.laneStart = laneStart;
  table.count = laneStart[lanes];
  return { table, cursor: laneStart.slice(0, lanes) };
}

/**
 * Closes the gaps lanes left below their bound (each lane's rows move down in one block, so
 * their order is kept), trims the table to its rows, fixes laneStart and fills the lane
 * column (trackers leave it to this sequential fill: it follows from the blocks).
 */
export function packLaneIntervals(t: IntervalColumns, cursor: Uint32Array): IntervalColumns {
  const lanes = cursor.length;
  const start = t.laneStart;
  let to = 0;
  const packed = new Uint32Array(lanes + 1);
  for (let l = 0; l < lanes; l++) {
    const from = start[l];
    const n = cursor[l] - from;
    if (to !== from) for (const col of [t.startNs, t.endNs, t.state, t.detail, t.vcpuLane, t.row, t.flags]) col.copyWithin(to, from, from + n);
    t.lane.fill(l, to, to + n);
    packed[l] = to;
    to += n;
  }
  packed[lanes] = to;
  return trimmed({ ...t, count: to, laneStart: packed });
}

/** Trims every typed-array column of a table to its row count: a view, or a copy when most of the capacity went unused. */
export function trimmed<T extends { count: number }>(table: T): T {
  const out = { ...table } as Record<string, unknown>;
  const n = (table as Table).count;
  for (const key of Object.keys(out)) {
    const col = out[key];
    if (isTyped(col) && key !== 'laneStart') out[key] = n < col.length * 0.9 ? col.slice(0, n) : col.subarray(0, n);
  }
  return out as T;
}
