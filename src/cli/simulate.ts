// `kvm-spin simulate`: run policies on a scenario (in parallel worker threads) and compare.

import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { builtinScenario, LIMITS, parseScenario, ScenarioError, BUILTIN_SCENARIOS, type Scenario } from '../core/sim/scenario';
import { parsePolicies } from '../core/sim/policies';
import { runJobsInWorkers } from '../core/sim/parallel';
import { formatComparison, toSimulateJson } from '../core/sim/report';
import { prepareOutputFolder } from '../core/outputFile';

export class InputError extends Error {}

export interface SimulateArgs {
  scenario: Scenario;
  policies: string[];
  seed: number;
  durationSeconds: number;
  outDir?: string;
  json: boolean;
  jobs: number;
}

const value = (args: string[], name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new InputError(`${name} needs a value`);
  return v;
};

export function loadScenario(spec: string): Scenario {
  if (BUILTIN_SCENARIOS[spec]) return builtinScenario(spec);
  if (!existsSync(spec)) throw new InputError(`unknown scenario '${spec}': expected one of ${Object.keys(BUILTIN_SCENARIOS).join(', ')} or a JSON file`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(spec, 'utf8'));
  } catch (err) {
    throw new InputError(`${spec}: not valid JSON (${(err as Error).message})`);
  }
  try {
    return parseScenario(raw, spec.replace(/^.*[\\/]/, '').replace(/\.json$/, ''));
  } catch (err) {
    if (err instanceof ScenarioError) throw new InputError(`${spec}: ${err.message}`);
    throw err;
  }
}

export function parseSimulateArgs(args: string[]): SimulateArgs {
  const known = new Set(['--scenario', '--policy', '--seed', '--duration', '--out', '--json', '--jobs']);
  for (const a of args) if (a.startsWith('--') && !known.has(a)) throw new InputError(`unknown option ${a}: expected ${[...known].join(', ')}`);
  const scenarioSpec = value(args, '--scenario') ?? 'paper';
  let policies: string[];
  try {
    policies = parsePolicies(value(args, '--policy') ?? 'all').map((p) => p.name);
  } catch (err) {
    throw new InputError((err as Error).message);
  }
  const seed = Number(value(args, '--seed') ?? '1');
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1) throw new InputError(`--seed must be a whole number from 0 to ${2 ** 32 - 1}`);
  const durationSeconds = Number(value(args, '--duration') ?? '1');
  if (!(durationSeconds > 0) || durationSeconds > LIMITS.durationSeconds) {
    throw new InputError(`--duration must be more than 0 and at most ${LIMITS.durationSeconds} simulated seconds, got ${value(args, '--duration')}`);
  }
  const jobs = Number(value(args, '--jobs') ?? String(availableParallelism()));
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new InputError('--jobs must be a whole number from 1 to 64');
  return { scenario: loadScenario(scenarioSpec), policies, seed, durationSeconds, outDir: value(args, '--out'), json: args.includes('--json'), jobs };
}

export async function simulateCommand(args: string[], signal: AbortSignal): Promise<number> {
  const a = parseSimulateArgs(args);
  if (a.outDir) prepareOutputFolder(a.outDir);
  const jobs = a.policies.map((policy) => ({ scenario: a.scenario, policy, seed: a.seed, durationNs: Math.round(a.durationSeconds * 1e9), outDir: a.outDir }));
  const showProgress = Boolean(process.stderr.isTTY) || process.env.KVM_SPIN_PROGRESS === '1';
  let lastPercent = -1;
  const runs = await runJobsInWorkers(jobs, {
    workerScript: join(__dirname, 'simWorker.js'),
    concurrency: Math.min(a.jobs, jobs.length),
    signal,
    onProgress: (done, total) => {
      const percent = Math.floor((100 * done) / total);
      if (!showProgress || percent === lastPercent) return;
      lastPercent = percent;
      process.stderr.write(`\rsimulating ${a.scenario.name}: ${percent}%`);
    },
  });
  if (lastPercent >= 0) process.stderr.write('\n');
  const header = { scenario: a.scenario, seed: a.seed, durationSeconds: a.durationSeconds };
  process.stdout.write(a.json ? JSON.stringify(toSimulateJson(header, runs), null, 2) + '\n' : formatComparison(header, runs));
  return 0;
}

