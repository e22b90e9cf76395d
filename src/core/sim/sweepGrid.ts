// The runs of a sweep in one fixed order, and the K-th of N shards of them.
//
// Order: grid points (the SPEC's paths in its order, the last path varying fastest), then
// policies in the SPEC's order, then seeds. Run i belongs to shard (i mod N) + 1: adjacent runs
// (same point, other seeds and policies) cost about the same, so round-robin keeps shards even.

import { applyGridPoint, type GridValue, type SweepSpec } from './sweepSpec';
import type { Scenario } from './scenario';

export interface SweepRun {
  /** Position in the whole sweep, 0-based. */
  index: number;
  /** Each grid path's value at this run's grid point (empty for a sweep without a grid). */
  point: Record<string, GridValue>;
  policy: string;
  seed: number;
}

export interface Shard {
  /** 1-based: the K of K/N. */
  k: number;
  n: number;
}

export const WHOLE: Shard = { k: 1, n: 1 };

export function gridPointCount(spec: SweepSpec): number {
  return spec.grid.reduce((n, axis) => n * axis.values.length, 1);
}

export function runCount(spec: SweepSpec): number {
  return gridPointCount(spec) * spec.policies.length * spec.seeds.length;
}

/** The grid point of the given number, decoded as a mixed-radix number (last axis fastest). */
export function gridPoint(spec: SweepSpec, pointIndex: number): Array<[string, GridValue]> {
  const out: Array<[string, GridValue]> = [];
  let rest = pointIndex;
  for (let a = spec.grid.length - 1; a >= 0; a--) {
    const { path, values } = spec.grid[a];
    out.unshift([path, values[rest % values.length]]);
    rest = Math.floor(rest / values.length);
  }
  return out;
}

/** Run number `index` of the sweep, without expanding the others. */
export function runAt(spec: SweepSpec, index: number): SweepRun {
  const seeds = spec.seeds.length;
  const perPoint = spec.policies.length * seeds;
  const pointIndex = Math.floor(index / perPoint);
  const within = index % perPoint;
  return { index, point: Object.fromEntries(gridPoint(spec, pointIndex)), policy: spec.policies[Math.floor(within / seeds)], seed: spec.seeds[within % seeds] };
}

/** The run numbers of one shard, in order. */
export function shardRunIndices(total: number, shard: Shard): number[] {
  const out: number[] = [];
  for (let i = shard.k - 1; i < total; i += shard.n) out.push(i);
  return out;
}

/** The scenario of a run: the base scenario with the run's grid point applied. */
export function runScenario(spec: SweepSpec, run: SweepRun): Scenario {
  return applyGridPoint(spec.scenario, Object.entries(run.point));
}

/** `K/N` with 1 ≤ K ≤ N; null for anything else. */
export function parseShard(text: string): Shard | null {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(text);
  if (!m) return null;
  const k = Number(m[1]);
  const n = Number(m[2]);
  return k >= 1 && k <= n ? { k, n } : null;
}

/**
 * Names the sweep a row belongs to, so that merge refuses rows of another SPEC: FNV-1a (64-bit)
 * of the SPEC as parsed (scenario with its defaults, grid, policies, seeds, duration).
 */
export function sweepFingerprint(spec: SweepSpec): string {
  const text = JSON.stringify(['kvm-spin-sweep/1', spec.scenario, spec.grid, spec.policies, spec.seeds, spec.durationSeconds]);
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) h = BigInt.asUintN(64, (h ^ BigInt(byte)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}
