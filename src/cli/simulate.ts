// `kvm-spin simulate`: run policies on a scenario (in parallel worker threads) and compare.

import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { builtinScenario, isBuiltinScenario, LIMITS, parseScenario, ScenarioError, BUILTIN_SCENARIOS, type Scenario } from '../core/sim/scenario';
import { parsePolicies } from '../core/sim/policies';
import { MIN_DURATION_S } from '../core/sim/sweepSpec';
import { GROUP_LAYOUTS, type GroupLayout } from '../core/sim/host/groups';
import { BALANCE_MODES, type BalanceMode } from '../core/sim/host/balance';
import { runJobsInWorkers } from '../core/sim/parallel';
import { formatComparison, toSimulateJson } from '../core/sim/report';
import { prepareOutputFolder } from '../core/outputFile';
import { GUEST_TRACE_FORMATS, type GuestTraceFormat } from '../core/sim/guestViewFile';
import { stringValue, UsageError, ValueChecker, type CommandSpec, type ParsedArgs } from './args';
import type { Command } from './command';
import { InputError } from './errors';

const MAX_SEED = 2 ** 32 - 1;
const MAX_JOBS = 64;
const MAX_SEEDS = 1000;

const spec: CommandSpec = {
  name: 'simulate',
  usage: `usage: kvm-spin simulate [--scenario NAME|FILE] [--policy P[,P...]|all] [--seed N]
                         [--seeds N] [--duration SECONDS] [--groups flat|vm|libvirt]
                         [--balance pinned|balanced] [--out DIR [--guest-trace [--guest-format F]]]
                         [--json] [--jobs N]

  --scenario S     a JSON file or one of ${Object.keys(BUILTIN_SCENARIOS).join(', ')}
                   (default paper)
  --policy P       a comma-separated list of policies, or all (the default)
  --seed N         random seed, 0 to ${MAX_SEED} (default 1)
  --seeds N        run each policy with N seeds (seed, seed+1, …; 1 to ${MAX_SEEDS}, default 1):
                   means with 95 % intervals, and changes inside the noise bracketed
  --duration S     simulated seconds, 1 µs to ${LIMITS.durationSeconds} (default 1)
  --groups G       the host's cpu cgroup layout, overriding the scenario's host.groups:
                   flat (no groups), vm (one group per VM), libvirt (a vcpuN group per
                   vCPU thread under the VM's)
  --balance B      overrides host.balance: pinned (tasks stay on their CPU) or balanced
                   (wake placement and idle / periodic load balancing migrate them)
  --out DIR        write one run file per policy into DIR
  --guest-trace    beside each run file, write each VM's own trace of the run (lock, ipi, csd
                   and sched_switch events on the guest clock, with the trace ids and
                   TIME_SHIFT that pair it with the run file): RUN.guest-VM.report
  --guest-format F the guest files' format: report (trace-cmd report text, the default) or
                   dat (a trace.dat v6 with TRACEID and TIME_SHIFT options): RUN.guest-VM.dat
  --json           print JSON instead of a comparison table
  --jobs N         worker threads, 1 to ${MAX_JOBS} (default: one per core)`,
  options: {
    scenario: { type: 'string' },
    policy: { type: 'string' },
    seed: { type: 'string' },
    seeds: { type: 'string' },
    duration: { type: 'string' },
    groups: { type: 'string' },
    balance: { type: 'string' },
    out: { type: 'string' },
    'guest-trace': { type: 'boolean' },
    'guest-format': { type: 'string' },
    json: { type: 'boolean' },
    jobs: { type: 'string' },
  },
  positionals: { min: 0, max: 0, what: 'arguments besides options' },
};

export interface SimulateArgs {
  scenario: Scenario;
  policies: string[];
  seed: number;
  seeds: number;
  durationSeconds: number;
  outDir?: string;
  /** The format of each VM's own trace beside the run file; undefined: none written. */
  guestTrace?: GuestTraceFormat;
  json: boolean;
  jobs: number;
}

/** A built-in scenario by name (an own name only: never `constructor` or `__proto__`), or a JSON file. */
export function loadScenario(spec: string): Scenario {
  if (isBuiltinScenario(spec)) return builtinScenario(spec);
  if (!existsSync(spec)) throw new InputError(`unknown scenario '${spec}': expected one of ${Object.keys(BUILTIN_SCENARIOS).join(', ')} or a JSON file`);
  let raw: unknown;
  try {
    // Editors on Windows save UTF-8 with a byte-order mark, which JSON.parse refuses.
    raw = JSON.parse(readFileSync(spec, 'utf8').replace(/^\uFEFF/, ''));
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

export function parseSimulateArgs(args: ParsedArgs): SimulateArgs {
  const check = new ValueChecker(spec);
  let policies: string[];
  try {
    policies = parsePolicies(stringValue(args, 'policy') ?? 'all').map((p) => p.name);
  } catch (err) {
    throw new UsageError(`simulate: ${(err as Error).message}`, spec.usage);
  }
  const seed = check.wholeNumber('seed', stringValue(args, 'seed') ?? '1', 0, MAX_SEED);
  const seeds = check.wholeNumber('seeds', stringValue(args, 'seeds') ?? '1', 1, MAX_SEEDS);
  if (seed + seeds - 1 > MAX_SEED) check.refuse('seeds', String(seeds), `runs past the last seed ${MAX_SEED} from --seed ${seed}`);
  const durationSeconds = check.seconds('duration', stringValue(args, 'duration') ?? '1', MIN_DURATION_S, LIMITS.durationSeconds, 'simulated seconds');
  const jobs = check.wholeNumber('jobs', stringValue(args, 'jobs') ?? String(availableParallelism()), 1, MAX_JOBS);
  const outDir = stringValue(args, 'out');
  if (outDir === '') check.refuse('out', outDir, 'needs a directory');
  const guestFormat = stringValue(args, 'guest-format');
  if (guestFormat !== undefined && !(GUEST_TRACE_FORMATS as readonly string[]).includes(guestFormat)) check.refuse('guest-format', guestFormat, `must be one of ${GUEST_TRACE_FORMATS.join(', ')}`);
  const wantsGuests = args.values['guest-trace'] === true;
  if (guestFormat !== undefined && !wantsGuests) throw new UsageError('simulate: --guest-format is the format of the --guest-trace files: it needs --guest-trace', spec.usage);
  if (wantsGuests && outDir === undefined) throw new UsageError('simulate: --guest-trace writes files beside the run files: it needs --out DIR', spec.usage);
  const guestTrace = wantsGuests ? ((guestFormat ?? 'report') as GuestTraceFormat) : undefined;
  let scenario = loadScenario(stringValue(args, 'scenario') ?? 'paper');
  const groups = stringValue(args, 'groups');
  if (groups !== undefined) {
    if (!(GROUP_LAYOUTS as readonly string[]).includes(groups)) check.refuse('groups', groups, `must be one of ${GROUP_LAYOUTS.join(', ')}`);
    scenario = { ...scenario, host: { ...scenario.host, groups: groups as GroupLayout } };
  }
  const balance = stringValue(args, 'balance');
  if (balance !== undefined) {
    if (!(BALANCE_MODES as readonly string[]).includes(balance)) check.refuse('balance', balance, `must be one of ${BALANCE_MODES.join(', ')}`);
    scenario = { ...scenario, host: { ...scenario.host, balance: balance as BalanceMode } };
  }
  return { scenario, policies, seed, seeds, durationSeconds, outDir, guestTrace, json: args.values.json === true, jobs };
}

export const simulateCommand: Command = {
  spec,
  summary: `  simulate         run directed-yield policies on a simulated oversubscribed host and compare
                   them (scenarios: ${Object.keys(BUILTIN_SCENARIOS).join(', ')},
                   or a JSON file; default paper, all policies, seed 1, 1 s);
                   --out writes one run file per policy`,
  async run(args, { io, signal }) {
    const a = parseSimulateArgs(args);
    if (a.outDir) prepareOutputFolder(a.outDir);
    const seeds = Array.from({ length: a.seeds }, (_, i) => a.seed + i);
    const jobs = a.policies.flatMap((policy) => seeds.map((seed) => ({ scenario: a.scenario, policy, seed, durationNs: Math.round(a.durationSeconds * 1e9), outDir: a.outDir, guestTrace: a.guestTrace })));
    let lastPercent = -1;
    let runs;
    try {
      runs = await runJobsInWorkers(jobs, {
        workerScript: join(io.workerDir, 'simWorker.js'),
        concurrency: Math.min(a.jobs, jobs.length),
        signal,
        onProgress: (done, total) => {
          const percent = Math.floor((100 * done) / total);
          if (!io.progress || percent === lastPercent) return;
          lastPercent = percent;
          io.stderr.write(`\rsimulating ${a.scenario.name}: ${percent}%`);
        },
      });
    } finally {
      // The progress line ends before any message after it, cancelled or not.
      if (lastPercent >= 0) io.stderr.write('\n');
    }
    const header = { scenario: a.scenario, seed: a.seed, durationSeconds: a.durationSeconds };
    io.stdout.write(a.json ? JSON.stringify(toSimulateJson(header, runs), null, 2) + '\n' : formatComparison(header, runs));
    return 0;
  },
};
