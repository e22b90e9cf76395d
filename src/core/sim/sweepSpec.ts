// The SPEC of `kvm-spin sweep`: a base scenario, a grid of scenario parameters (dotted paths
// into the scenario, checked against its schema), policies, seeds and a simulated length.
//
//   { "scenario": "paper",                      // a built-in name, a JSON file (relative to
//                                               // the SPEC) or the scenario object itself
//     "grid": { "host.pcpus": [8, 16],          // each path: a field the scenario has
//               "vms[*].workload.criticalUs": [3, 6, 12] },   // [*]: every VM that has it
//     "policies": ["vanilla-5.6", "strict-boost"],             // or "all"
//     "seeds": 5,                               // seeds 1..5, or a list [3, 7, 11]
//     "duration": 0.5 }                         // simulated seconds per run

import { LIMITS, parseScenario, ScenarioError, type Scenario } from './scenario';
import { parsePolicies } from './policies';

export class SweepSpecError extends Error {}

/** A value a grid path takes: the scenario's fields are numbers and names. */
export type GridValue = number | string | boolean;

export interface GridAxis {
  path: string;
  values: GridValue[];
}

export interface SweepSpec {
  scenario: Scenario;
  grid: GridAxis[];
  policies: string[];
  seeds: number[];
  durationSeconds: number;
}

/** Sizes beyond these are refused with the reason, never attempted. */
export const SWEEP_LIMITS = { axes: 16, valuesPerAxis: 1000, points: 10_000, runs: 100_000, seeds: 1000, maxSeed: 2 ** 32 - 1 };
/** A duration shorter than this rounds to nothing in the simulator's nanoseconds. */
export const MIN_DURATION_S = 1e-6;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Json, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);

/**
 * Validates a parsed SPEC. `loadScenario` turns the `scenario` field (a name or file, resolved
 * by the caller, who knows where files are) into a Scenario; an object is parsed here.
 */
export function parseSweepSpec(raw: unknown, loadScenario: (name: string) => Scenario): SweepSpec {
  if (!isObject(raw)) throw new SweepSpecError('expected a JSON object with scenario, grid, policies, seeds and duration');
  const known = new Set(['scenario', 'grid', 'policies', 'seeds', 'duration']);
  const unknown = Object.keys(raw).find((k) => !known.has(k));
  if (unknown !== undefined) throw new SweepSpecError(`unknown field '${unknown}': expected scenario, grid, policies, seeds or duration`);
  const scenario = specScenario(own(raw, 'scenario'), loadScenario);
  const grid = specGrid(own(raw, 'grid'), scenario);
  const policies = specPolicies(own(raw, 'policies'));
  const seeds = specSeeds(own(raw, 'seeds'));
  const durationSeconds = specDuration(own(raw, 'duration'));
  const points = grid.reduce((n, a) => n * a.values.length, 1);
  if (points > SWEEP_LIMITS.points) throw new SweepSpecError(`grid: ${points} grid points is more than the ${SWEEP_LIMITS.points} a sweep accepts`);
  const runs = points * policies.length * seeds.length;
  if (runs > SWEEP_LIMITS.runs) throw new SweepSpecError(`${runs} runs (grid points × policies × seeds) is more than the ${SWEEP_LIMITS.runs} a sweep accepts`);
  return { scenario, grid, policies, seeds, durationSeconds };
}

function specScenario(value: unknown, loadScenario: (name: string) => Scenario): Scenario {
  if (value === undefined) return loadScenario('paper');
  if (typeof value === 'string') return loadScenario(value);
  if (!isObject(value)) throw new SweepSpecError('scenario: expected a scenario name, a JSON file or a scenario object');
  try {
    return parseScenario(value, 'sweep');
  } catch (err) {
    if (err instanceof ScenarioError) throw new SweepSpecError(`scenario: ${err.message}`);
    throw err;
  }
}

function specGrid(value: unknown, scenario: Scenario): GridAxis[] {
  if (value === undefined) return [];
  if (!isObject(value)) throw new SweepSpecError('grid: expected an object of "path.in.scenario": [values…]');
  const axes = Object.entries(value);
  if (axes.length > SWEEP_LIMITS.axes) throw new SweepSpecError(`grid: ${axes.length} paths is more than the ${SWEEP_LIMITS.axes} a sweep accepts`);
  return axes.map(([path, values]) => {
    if (!Array.isArray(values) || values.length === 0) throw new SweepSpecError(`grid.${path}: expected a non-empty array of values`);
    if (values.length > SWEEP_LIMITS.valuesPerAxis) throw new SweepSpecError(`grid.${path}: ${values.length} values is more than the ${SWEEP_LIMITS.valuesPerAxis} a path accepts`);
    const seen = new Set<string>();
    for (const v of values) {
      if (typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') throw new SweepSpecError(`grid.${path}: expected numbers or strings, got ${JSON.stringify(v)}`);
      if (seen.has(JSON.stringify(v))) throw new SweepSpecError(`grid.${path}: the value ${JSON.stringify(v)} is listed twice`);
      seen.add(JSON.stringify(v));
      // Every value is tried once here, so a bad one is refused before any run starts.
      applyGridPoint(scenario, [[path, v]]);
    }
    return { path, values: values as GridValue[] };
  });
}

function specPolicies(value: unknown): string[] {
  if (value === undefined || value === 'all') return parsePolicies('all').map((p) => p.name);
  const list = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((p) => typeof p === 'string')) throw new SweepSpecError('policies: expected "all" or a non-empty list of policy names');
  let names: string[];
  try {
    names = parsePolicies(list.join(',')).map((p) => p.name);
  } catch (err) {
    throw new SweepSpecError(`policies: ${(err as Error).message}`);
  }
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new SweepSpecError(`policies: '${twice}' is listed twice`);
  return names;
}

function specSeeds(value: unknown): number[] {
  const isSeed = (s: unknown): s is number => typeof s === 'number' && Number.isInteger(s) && s >= 0 && s <= SWEEP_LIMITS.maxSeed;
  if (value === undefined) return [1];
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 1 || value > SWEEP_LIMITS.seeds) throw new SweepSpecError(`seeds: expected a count from 1 to ${SWEEP_LIMITS.seeds} or a list of seeds, got ${JSON.stringify(value)}`);
    return Array.from({ length: value }, (_, i) => i + 1);
  }
  if (!Array.isArray(value) || value.length === 0 || value.length > SWEEP_LIMITS.seeds || !value.every(isSeed)) {
    throw new SweepSpecError(`seeds: expected a count from 1 to ${SWEEP_LIMITS.seeds} or a list of up to ${SWEEP_LIMITS.seeds} whole numbers from 0 to ${SWEEP_LIMITS.maxSeed}`);
  }
  const twice = value.find((s, i) => value.indexOf(s) !== i);
  if (twice !== undefined) throw new SweepSpecError(`seeds: ${twice} is listed twice`);
  return value;
}

function specDuration(value: unknown): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < MIN_DURATION_S || value > LIMITS.durationSeconds) {
    throw new SweepSpecError(`duration: expected simulated seconds from ${MIN_DURATION_S} to ${LIMITS.durationSeconds}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `vms[*].workload.criticalUs` → ['vms', '*', 'workload', 'criticalUs']. */
function pathSteps(path: string): string[] {
  if (!/^[A-Za-z_]\w*(\[(\d+|\*)\]|\.[A-Za-z_]\w*)*$/.test(path)) {
    throw new SweepSpecError(`grid.${path}: expected a dotted path into the scenario such as host.pcpus or vms[0].workload.criticalUs`);
  }
  return path.split(/\.|\[|\]\.?/).filter((s) => s !== '');
}

/**
 * The scenario with each path set to its value, validated again by the scenario's own parser
 * (so ranges and types are the schema's). A path must name a field the scenario has (its
 * defaults included): a typo is refused, never silently ignored.
 */
export function applyGridPoint(scenario: Scenario, point: ReadonlyArray<readonly [string, GridValue]>): Scenario {
  const copy = structuredClone(scenario) as unknown as Json;
  for (const [path, value] of point) {
    const set = setAtPath(copy, pathSteps(path), value);
    if (set === 0) throw new SweepSpecError(`grid.${path}: the scenario has no such field (${describeFields(copy, pathSteps(path))})`);
  }
  try {
    return parseScenario(copy, scenario.name);
  } catch (err) {
    if (err instanceof ScenarioError) throw new SweepSpecError(`grid: ${point.map(([p, v]) => `${p}=${JSON.stringify(v)}`).join(' ')}: ${err.message}`);
    throw err;
  }
}

/** Sets the leaf at steps in every element a `*` reaches; returns how many leaves it set. */
function setAtPath(node: unknown, steps: string[], value: GridValue): number {
  const [step, ...rest] = steps;
  if (step === '*') {
    if (!Array.isArray(node)) return 0;
    return node.reduce((n: number, child) => n + setAtPath(child, rest, value), 0);
  }
  if (Array.isArray(node)) {
    if (!/^\d+$/.test(step) || Number(step) >= node.length) return 0;
    return rest.length ? setAtPath(node[Number(step)], rest, value) : 0;
  }
  if (!isObject(node) || !Object.hasOwn(node, step)) return 0;
  if (rest.length) return setAtPath(node[step], rest, value);
  const old = node[step];
  // Only leaves: replacing a whole object (host, a workload) is not a grid parameter.
  if (isObject(old) || Array.isArray(old)) return 0;
  node[step] = value;
  return 1;
}

/** What the path could have named, for the error: the fields at the deepest step that exists. */
function describeFields(root: Json, steps: string[]): string {
  let node: unknown = root;
  const walked: string[] = [];
  for (const step of steps) {
    const next = step === '*' && Array.isArray(node) ? node[0] : Array.isArray(node) ? node[Number(step)] : isObject(node) ? own(node, step) : undefined;
    if (next === undefined || (!isObject(next) && !Array.isArray(next))) break;
    node = next;
    walked.push(step);
  }
  const where = walked.length ? walked.join('.') : 'the scenario';
  if (Array.isArray(node)) return `${where} is a list of ${node.length}: use [0] to [${node.length - 1}] or [*]`;
  const fields = isObject(node) ? Object.entries(node) : [];
  const branch = (v: unknown) => isObject(v) || Array.isArray(v);
  const names = [...fields.filter(([, v]) => !branch(v)).map(([k]) => k), ...fields.filter(([, v]) => branch(v)).map(([k]) => `${k}…`)];
  return `${where} has ${names.join(', ')}`;
}
