// Indexes of the instant tables for zoomed-out windows: each spinner lane's PAUSE-exit times
// (so a pixel column's tick count is two binary searches, exact) and a running count of the
// decisions drawn as boost arrows (so a window's boost count is a subtraction). Built once
// per tables, on the first window with more instants than it would read one by one.

import { DECISION_OUTCOMES, type TimelineTables } from '../analysis/tables';
import { OUTCOME_NOT_JUDGED } from '../../shared/protocol';

export interface InstantIndex {
  /** Per vCPU lane: the ts of its decisions, in order. */
  laneTs: Float64Array[];
  /** boostPrefix[i]: decisions before row i that are drawn as a boost arrow. */
  boostPrefix: Uint32Array;
}

/** The outcomes drawn as an arrow to the target: honoured, ignored, -ESRCH, and not judged. */
export const ARROW_OUTCOME = new Uint8Array(256);
for (const name of ['boostedRan', 'boostedNotRun', 'esrch'] as const) ARROW_OUTCOME[DECISION_OUTCOMES.indexOf(name)] = 1;
ARROW_OUTCOME[OUTCOME_NOT_JUDGED] = 1;

export const isBoostArrow = (d: TimelineTables['decisions'], i: number) => d.targetLane[i] >= 0 && ARROW_OUTCOME[d.outcome[i]] === 1;

const cache = new WeakMap<TimelineTables, InstantIndex>();

export function instantIndex(tables: TimelineTables): InstantIndex {
  const hit = cache.get(tables);
  if (hit) return hit;
  const d = tables.decisions;
  const sizes = laneSizes(d.spinnerLane, d.count, tables.vcpuLanes.length);
  const laneTs = [...sizes].map((n) => new Float64Array(n));
  const boostPrefix = new Uint32Array(d.count + 1);
  fillIndex(d, laneTs, boostPrefix);
  const index = { laneTs, boostPrefix };
  cache.set(tables, index);
  return index;
}

// The two loops are functions of their own: a loop compiled while it runs (on-stack) and
// followed by more code meets that code first in compiled form and deoptimizes there.

function laneSizes(spinnerLane: Uint32Array, count: number, lanes: number): Uint32Array {
  const sizes = new Uint32Array(lanes);
  for (let i = 0; i < count; i++) sizes[spinnerLane[i]]++;
  return sizes;
}

function fillIndex(d: TimelineTables['decisions'], laneTs: Float64Array[], boostPrefix: Uint32Array): void {
  const { ts, spinnerLane, targetLane, outcome } = d;
  const filled = new Uint32Array(laneTs.length);
  let boosts = 0;
  for (let i = 0; i < d.count; i++) {
    const lane = spinnerLane[i];
    laneTs[lane][filled[lane]++] = ts[i];
    // isBoostArrow, inline (1.4 M rows on the benchmark trace).
    if (targetLane[i] >= 0 && ARROW_OUTCOME[outcome[i]] === 1) boosts++;
    boostPrefix[i + 1] = boosts;
  }
}
