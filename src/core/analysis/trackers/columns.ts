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
 * Reorders an interval table (filled in time order) into (lane, start) order, trims it to
 * its row count and fills laneStart. Stable, so each lane keeps its time order.
 */
export function sortIntervalsByLane(t: IntervalColumns, lanes: number): IntervalColumns {
  const n = t.count;
  const laneStart = new Uint32Array(lanes + 1);
  for (let i = 0; i < n; i++) laneStart[t.lane[i] + 1]++;
  for (let l = 0; l < lanes; l++) laneStart[l + 1] += laneStart[l];
  const next = new Uint32Array(lanes);
  for (let l = 0; l < lanes; l++) next[l] = laneStart[l];
  const to = new Uint32Array(n);
  for (let i = 0; i < n; i++) to[i] = next[t.lane[i]]++;
  // One loop per element type: a single generic loop over five array types runs megamorphic.
  return {
    count: n,
    lane: scatterU32(t.lane, to, n),
    startNs: scatterF64(t.startNs, to, n),
    endNs: scatterF64(t.endNs, to, n),
    state: scatterU8(t.state, to, n),
    detail: scatterI32(t.detail, to, n),
    vcpuLane: scatterI32(t.vcpuLane, to, n),
    row: scatterU32(t.row, to, n),
    flags: scatterU8(t.flags, to, n),
    laneStart,
  };
}

function scatterF64(col: Float64Array, to: Uint32Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[to[i]] = col[i];
  return out;
}

function scatterU32(col: Uint32Array, to: Uint32Array, n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[to[i]] = col[i];
  return out;
}

function scatterI32(col: Int32Array, to: Uint32Array, n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[to[i]] = col[i];
  return out;
}

function scatterU8(col: Uint8Array, to: Uint32Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[to[i]] = col[i];
  return out;
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
