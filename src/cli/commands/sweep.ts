// `kvm-spin sweep SPEC.json`: every run of a grid of scenario parameters × policies × seeds on
// worker threads, one NDJSON row per run as it finishes; `--shard K/N` runs one slice so that a
// batch engine spreads the sweep over machines. `kvm-spin sweep merge` joins the slices and
// summarises each grid point × policy.

import { closeSync, createReadStream, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isBuiltinScenario, type Scenario } from '../../core/sim/scenario';
import { parseSweepSpec, SweepSpecError, type SweepSpec } from '../../core/sim/sweepSpec';
import { parseShard, runAt, runCount, runScenario, shardRunIndices, sweepFingerprint, WHOLE, type Shard } from '../../core/sim/sweepGrid';
import { parseSweepRow, sweepRow, SweepRowError } from '../../core/sim/sweepRow';
import { formatSweepSummary, SweepMergeError, SweepMerger, sweepSummaryJson } from '../../core/sim/sweepMerge';
import { runJobsInWorkers } from '../../core/sim/parallel';
import type { SimJob } from '../../core/sim/run';
import { asOutputError, checkOutputFile, writeFileWhole } from '../../core/outputFile';
import { stringValue, UsageError, ValueChecker, type CommandSpec, type ParsedArgs } from '../args';
import type { Command } from '../command';
import { InputError } from '../errors';
import type { CliIo } from '../io';
import { loadScenario } from '../simulate';

const MAX_JOBS = 64;
/** A row is a few kB; a line longer than this is not one (and is not held in memory whole). */
const MAX_ROW_CHARS = 1 << 20;
const MAX_MERGE_FILES = 10_000;

const spec: CommandSpec = {
  name: 'sweep',
  usage: `usage: kvm-spin sweep SPEC.json [--shard K/N] [--out FILE] [--jobs N]
       kvm-spin sweep merge ROWS.ndjson... [--out FILE] [--json]

  SPEC.json        { "scenario": NAME|FILE|{…}, "grid": { "host.pcpus": [8, 16], … },
                     "policies": [P, …]|"all", "seeds": N|[S, …], "duration": SECONDS }
                   grid paths name fields of the scenario (vms[0].vcpus; vms[*].… sets every
                   VM that has the field)
  --shard K/N      run only the K-th of N slices (1 ≤ K ≤ N): runs K-1, K-1+N, K-1+2N, …
                   of the sweep's fixed order (grid points, then policies, then seeds)
  --out FILE       write the rows (or the merged summary) to FILE instead of standard output
  --jobs N         worker threads, 1 to ${MAX_JOBS} (default: one per core)
  merge            join the rows of every shard; refuses duplicates, rows of another sweep
                   and missing runs; prints each grid point × policy as mean ± 95 % interval
  --json           merge: print JSON (metrics.X the mean, ci95.X = [low, high])`,
  options: {
    shard: { type: 'string' },
    out: { type: 'string' },
    jobs: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 0, max: MAX_MERGE_FILES + 1, what: 'SPEC.json (or merge and row files)' },
};

/** A SPEC's scenario: a built-in name, or a file relative to the SPEC. */
function loadSpec(file: string): SweepSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code) throw err;
    throw new InputError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const scenarioOf = (name: string): Scenario => loadScenario(isBuiltinScenario(name) ? name : resolve(dirname(file), name));
  try {
    return parseSweepSpec(raw, scenarioOf);
  } catch (err) {
    if (err instanceof SweepSpecError) throw new InputError(`${file}: ${err.message}`);
    throw err;
  }
}

/** Whole lines only: to a file through write(2), truncated back to the last whole row if a write fails. */
function rowWriter(io: CliIo, out: string | undefined): { write(line: string): void; close(): void } {
  if (out === undefined) return { write: (line) => void io.stdout.write(line), close: () => undefined };
  checkOutputFile(out);
  let fd: number;
  try {
    fd = openSync(out, 'w', 0o644);
  } catch (err) {
    throw asOutputError(err, out);
  }
  let whole = 0;
  return {
    write(line) {
      const bytes = Buffer.from(line, 'utf8');
      try {
        for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      } catch (err) {
        ftruncateSync(fd, whole);
        throw asOutputError(err, out);
      }
      whole += bytes.length;
    },
    close: () => closeSync(fd),
  };
}

async function runSweep(args: ParsedArgs, io: CliIo, signal: AbortSignal): Promise<number> {
  const check = new ValueChecker(spec);
  if (args.positionals.length !== 1) throw new UsageError(`sweep: takes exactly one SPEC.json (or merge and row files), got ${args.positionals.map((p) => `'${p}'`).join(' ') || 'none'}`, spec.usage);
  if (args.values.json) check.refuse('json', 'true', 'is an option of sweep merge (rows are always NDJSON)');
  const shardText = stringValue(args, 'shard');
  const shard: Shard = shardText === undefined ? WHOLE : parseShard(shardText) ?? check.refuse('shard', shardText, 'must be K/N with 1 ≤ K ≤ N (whole numbers)');
  const jobsWanted = check.wholeNumber('jobs', stringValue(args, 'jobs') ?? String(availableParallelism()), 1, MAX_JOBS);
  const out = stringValue(args, 'out');
  if (out === '') check.refuse('out', out, 'needs a file name');
  const sweep = loadSpec(args.positionals[0]);
  const total = runCount(sweep);
  const fingerprint = sweepFingerprint(sweep);
  const runs = shardRunIndices(total, shard).map((i) => runAt(sweep, i));
  const scenarios = new Map<string, Scenario>();
  const jobs: SimJob[] = runs.map((run) => {
    const key = JSON.stringify(run.point);
    let scenario = scenarios.get(key);
    if (!scenario) scenarios.set(key, (scenario = runScenario(sweep, run)));
    return { scenario, policy: run.policy, seed: run.seed, durationNs: Math.round(sweep.durationSeconds * 1e9) };
  });
  const writer = rowWriter(io, out);
  let lastShown = '';
  const progress = (done: number) => {
    const text = `\rsweep ${sweep.scenario.name}${shard.n > 1 ? ` shard ${shard.k}/${shard.n}` : ''}: ${done} of ${jobs.length} runs`;
    if (!io.progress || text === lastShown) return;
    lastShown = text;
    io.stderr.write(text);
  };
  let finished = 0;
  try {
    await runJobsInWorkers(jobs, {
      workerScript: join(io.workerDir, 'simWorker.js'),
      concurrency: Math.min(jobsWanted, Math.max(1, jobs.length)),
      signal,
      onResult: (index, summary) => {
        writer.write(JSON.stringify(sweepRow(fingerprint, total, shard, sweep.scenario.name, runs[index], summary)) + '\n');
        progress(++finished);
      },
    });
  } finally {
    writer.close();
    // The progress line ends before any message after it, cancelled or not.
    if (lastShown) io.stderr.write('\n');
  }
  return 0;
}

async function mergeSweep(args: ParsedArgs, io: CliIo): Promise<number> {
  const check = new ValueChecker(spec);
  const files = args.positionals.slice(1);
  if (files.length === 0) throw new UsageError('sweep: merge takes one or more row files (the NDJSON of kvm-spin sweep), got none', spec.usage);
  for (const option of ['shard', 'jobs']) if (args.values[option] !== undefined) check.refuse(option, String(args.values[option]), 'is an option of a sweep run, not of merge');
  const out = stringValue(args, 'out');
  if (out === '') check.refuse('out', out, 'needs a file name');
  if (out !== undefined) checkOutputFile(out);
  const merger = new SweepMerger();
  for (const file of files) await readRows(file, merger);
  let summary;
  try {
    summary = merger.finish();
  } catch (err) {
    if (err instanceof SweepMergeError) throw new InputError(`sweep merge: ${err.message}`);
    throw err;
  }
  const text = args.values.json ? JSON.stringify(sweepSummaryJson(summary), null, 2) + '\n' : formatSweepSummary(summary);
  if (out === undefined) io.stdout.write(text);
  else writeFileWhole(out, (write) => write(text));
  return 0;
}

/** Every row of one file into the merger, line by line; a bad row names its file and line. */
async function readRows(file: string, merger: SweepMerger): Promise<void> {
  let n = 0;
  const take = (line: string) => {
    n++;
    if (line.trim() === '') return;
    try {
      merger.add(parseSweepRow(line), `${file}:${n}`);
    } catch (err) {
      if (err instanceof SweepRowError) throw new InputError(`sweep merge: ${file}:${n}: ${err.message}`);
      if (err instanceof SweepMergeError) throw new InputError(`sweep merge: ${err.message}`);
      throw err;
    }
  };
  // Split by hand rather than with readline, so that a line without an end is refused once it
  // passes MAX_ROW_CHARS instead of being held in memory whole.
  let pending = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 16 })) {
    const lines = (pending + (chunk as string)).split('\n');
    pending = lines.pop()!;
    for (const line of lines) take(line.replace(/\r$/, ''));
    if (pending.length > MAX_ROW_CHARS) throw new InputError(`sweep merge: ${file}:${n + 1}: a line of more than ${MAX_ROW_CHARS} characters is not a sweep row`);
  }
  take(pending);
}

export const sweepCommand: Command = {
  spec,
  summary: `  sweep            run a grid of scenario parameters × policies × seeds (SPEC.json), one
                   NDJSON row per run; --shard K/N for a slice; sweep merge joins and
                   summarises the slices (mean ± 95 % interval per grid point × policy)`,
  run(args, { io, signal }) {
    return args.positionals[0] === 'merge' ? mergeSweep(args, io) : runSweep(args, io, signal);
  },
};
