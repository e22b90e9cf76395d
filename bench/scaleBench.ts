// `npm run bench -- --only scale`: text import + full analysis of the generated trace at
// 50, 200 and 800 MB, each in its own process. Linear growth is cost = fixed + k · MB: the
// cost per MB between consecutive sizes (k) must stay flat. Per MB of the whole figure would
// charge the fixed cost (start-up, code, the JIT's warm-up over the first megabytes) to small
// traces. CPU time beside wall time: on a shared machine the wall time measures neighbours.
// `--only workers`: the same import on 1, 2, 4 … worker threads, how it scales with cores.

import { statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { importThreadsFor, MAX_IMPORT_THREADS } from '../src/core/trace/parallelImport';
import { busyCores } from '../src/core/trace/cpuLoad';

export const SCALE_SIZES_MB = [50, 200, 800];
/** Time and memory per MB may differ from the smallest size's by this share. */
export const FLAT_BAND = 0.2;
/** The largest trace's peak RSS must stay under this. */
export const LARGEST_PEAK_LIMIT_MB = 1536;

export interface ScaleMeasurement {
  ms: number;
  /** CPU time (user + system) of the whole process, every thread. */
  cpuMs: number;
  maxRssMb: number;
}

export interface ScaleRow extends ScaleMeasurement {
  mb: number;
}

/**
 * Over `runs` runs, the least time and CPU (the machine's noise only ever adds time) and the
 * highest peak RSS: memory is judged by its worst run, so that a run that happened to collect
 * early (or read on fewer threads) never makes one size look lighter than the next.
 */
export function bestOf(runs: number, measure: () => ScaleMeasurement): ScaleMeasurement {
  let best: ScaleMeasurement | null = null;
  for (let i = 0; i < runs; i++) {
    const m = measure();
    best = best === null ? { ...m } : { ms: Math.min(best.ms, m.ms), cpuMs: Math.min(best.cpuMs, m.cpuMs), maxRssMb: Math.max(best.maxRssMb, m.maxRssMb) };
  }
  return best!;
}

export interface ScaleBenchInputs {
  /** One import + analysis of `file` on `threads` threads, in a child process of its own. */
  measureImport: (file: string, threads: number) => ScaleMeasurement;
  /** The generated trace of `mb` MB (made once). */
  traceOfMb: (mb: number) => string;
  /** A small trace (the bundled sample), for the process's fixed cost. */
  smallTrace: string;
}

export function scaleBench(inputs: ScaleBenchInputs, runs = 3): void {
  // Every size on the threads this machine reads on when idle: a thread count chosen by the load of the moment would differ between sizes.
  const threads = importThreadsFor(availableParallelism(), 0);
  const small = { mb: statSync(inputs.smallTrace).size / 1048576, ...bestOf(runs, () => inputs.measureImport(inputs.smallTrace, threads)) };
  const rows = SCALE_SIZES_MB.map((mb) => {
    const file = inputs.traceOfMb(mb);
    return { mb: statSync(file).size / 1048576, ...bestOf(runs, () => inputs.measureImport(file, threads)) };
  });
  for (const line of scaleReport(rows, small, runs, threads)) console.log(line);
}

const within = (value: number, reference: number) => Math.abs(value - reference) <= FLAT_BAND * reference;
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
type PerMb = { ms: number; cpuMs: number; maxRssMb: number };

/** Cost per MB from the previous row (the first row from the small trace) to each row. */
function stepsPerMb(rows: ScaleRow[], small: ScaleRow): PerMb[] {
  return rows.map((r, i) => {
    const prev = i === 0 ? small : rows[i - 1];
    const mb = r.mb - prev.mb;
    return { ms: (r.ms - prev.ms) / mb, cpuMs: (r.cpuMs - prev.cpuMs) / mb, maxRssMb: (r.maxRssMb - prev.maxRssMb) / mb };
  });
}

/** The table and its verdicts: the steps between the bench sizes, the second against the first. */
export function scaleReport(rows: ScaleRow[], small: ScaleRow, runs: number, threads = 1): string[] {
  const steps = stepsPerMb(rows, small);
  const judged = steps.slice(1);
  const flat = (key: keyof PerMb) => judged.every((s) => within(s[key], judged[0][key]));
  const largest = rows[rows.length - 1];
  const band = `flat within ${FLAT_BAND * 100} %`;
  const from = (i: number) => (i === 0 ? `sample → ${rows[0].mb.toFixed(0)} MB` : `${rows[i - 1].mb.toFixed(0)} → ${rows[i].mb.toFixed(0)} MB`);
  return [
    '',
    `scaling: kvm-spin import + full analysis of the generated trace-cmd report on ${threads} thread${threads === 1 ? '' : 's'}, each size in its own process, ${runs} runs: the least wall and CPU time, the highest peak RSS; ` +
      `the bundled sample (${small.mb.toFixed(1)} MB): ${small.ms.toFixed(0)} ms wall, ${small.cpuMs.toFixed(0)} ms CPU, ${small.maxRssMb.toFixed(0)} MB peak RSS`,
    '| trace | wall | CPU | peak RSS | step | wall ms / MB | CPU ms / MB | peak MB / MB |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r, i) =>
        `| ${r.mb.toFixed(0)} MB | ${(r.ms / 1000).toFixed(2)} s | ${(r.cpuMs / 1000).toFixed(2)} s | ${r.maxRssMb.toFixed(0)} MB | ${from(i)} | ${steps[i].ms.toFixed(1)} | ${steps[i].cpuMs.toFixed(1)} | ${steps[i].maxRssMb.toFixed(2)} |`,
    ),
    `targets (the steps between bench sizes; the first step carries the JIT's warm-up): time per MB ${band}: ${verdict(flat('ms'))} (CPU time per MB: ${verdict(flat('cpuMs'))}); ` +
      `peak memory per MB ${band}: ${verdict(flat('maxRssMb'))}; ${largest.mb.toFixed(0)} MB under ${(LARGEST_PEAK_LIMIT_MB / 1024).toFixed(1)} GB peak: ${verdict(largest.maxRssMb < LARGEST_PEAK_LIMIT_MB)} (${largest.maxRssMb.toFixed(0)} MB)`,
  ];
}

export interface WorkerMeasurement extends ScaleMeasurement {
  /** CPU time of the calling thread: it reads the first part, then merges and analyses (the critical path). */
  threadCpuMs: number;
}

export interface WorkerBenchInputs {
  /** One import + analysis of `file` on `threads` threads, in a child process of its own. */
  measureImport: (file: string, threads: number) => WorkerMeasurement;
  /** The plain byte scan of `file` (the floor), in a child process of its own. */
  measureFloor: (file: string) => WorkerMeasurement;
  trace: string;
}

/** Thread counts worth measuring here: 1, 2, then doubling up to the cores (at most 8, as the importer). */
export function workerCounts(cores: number): number[] {
  const counts = [1, 2];
  for (let n = 4; n <= Math.min(cores, MAX_IMPORT_THREADS); n *= 2) counts.push(n);
  return counts;
}

/** Each figure's best (least) over the runs, and the 1-minute load average at the run of the best wall time. */
export interface WorkerRow {
  label: string;
  threads: number;
  ms: number;
  threadCpuMs: number;
  cpuMs: number;
  maxRssMb: number;
  loadAtBest: number;
}

function keepBest(row: WorkerRow, m: WorkerMeasurement, load: number): void {
  if (m.ms < row.ms) {
    row.ms = m.ms;
    row.loadAtBest = load;
    row.maxRssMb = m.maxRssMb;
  }
  row.threadCpuMs = Math.min(row.threadCpuMs, m.threadCpuMs);
  row.cpuMs = Math.min(row.cpuMs, m.cpuMs);
}

/**
 * `npm run bench -- --only workers`: the text import + analysis on 1, 2, 4 … threads beside
 * the byte-scan floor, runs interleaved (floor, 1, 2, …, floor, 1, 2, …) so that a change of
 * load falls on every row alike. Wall time is what users wait for; on a loaded machine it
 * measures neighbours, so the calling thread's CPU time (the critical path: it reads the first
 * part, then merges and analyses) stands beside it.
 */
export function workerBench(inputs: WorkerBenchInputs, runs = 5): void {
  const cores = availableParallelism();
  const empty = (label: string, threads: number): WorkerRow => ({ label, threads, ms: Infinity, threadCpuMs: Infinity, cpuMs: Infinity, maxRssMb: 0, loadAtBest: 0 });
  const floor = empty('plain byte scan (floor)', 1);
  const rows = workerCounts(cores).map((threads) => empty(`${threads}${threads === 1 ? ' (no worker)' : ''}`, threads));
  const loads: number[] = [];
  const busyBefore = busyCores();
  for (let r = 0; r < runs; r++) {
    for (const row of [floor, ...rows]) {
      const load = loadavg()[0];
      loads.push(load);
      keepBest(row, row === floor ? inputs.measureFloor(inputs.trace) : inputs.measureImport(inputs.trace, row.threads), load);
    }
  }
  for (const line of workerReport(rows, floor, { mb: statSync(inputs.trace).size / 1048576, cores, runs, loads, defaultThreads: importThreadsFor(cores, busyBefore), busyBefore })) console.log(line);
}

/**
 * How much slower than the fastest thread count the default may read and still be the right
 * choice: the best of five runs of one count varies by about this much between batches here.
 */
export const DEFAULT_WITHIN = 0.05;

/** The table and its verdict. */
export function workerReport(rows: WorkerRow[], floor: WorkerRow, at: { mb: number; cores: number; runs: number; loads: number[]; defaultThreads: number; busyBefore: number }): string[] {
  const one = rows[0];
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const x = (v: number) => `${v.toFixed(2)}×`;
  const chosen = rows.find((r) => r.threads === at.defaultThreads) ?? one;
  const fastest = rows.reduce((p, q) => (q.ms < p.ms ? q : p));
  return [
    '',
    `worker import: import + full analysis of the ${at.mb.toFixed(0)} MB trace on N threads (this one reads the first part, N − 1 workers the rest), ${at.cores} cores, ` +
      `best of ${at.runs} for each figure, runs interleaved with the byte scan, each in its own process; load average (1 min) ${Math.min(...at.loads).toFixed(1)}–${Math.max(...at.loads).toFixed(1)}`,
    '| threads | wall | this thread CPU | all threads CPU | speed-up (wall) | speed-up (this thread CPU) | × byte scan (wall) | × byte scan (this thread CPU) | peak RSS | load at best wall |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...[floor, ...rows].map(
      (r) =>
        `| ${r.label} | ${s(r.ms)} | ${s(r.threadCpuMs)} | ${s(r.cpuMs)} | ${r === floor ? '' : x(one.ms / r.ms)} | ${r === floor ? '' : x(one.threadCpuMs / r.threadCpuMs)} | ${x(r.ms / floor.ms)} | ${x(r.threadCpuMs / floor.threadCpuMs)} | ${r.maxRssMb.toFixed(0)} MB | ${r.loadAtBest.toFixed(1)} |`,
    ),
    `default for the cores busy before these runs, ${at.busyBefore.toFixed(1)} (this thread and a worker per idle core): ${chosen.threads} thread${chosen.threads === 1 ? '' : 's'}; fastest measured: ${fastest.threads}${fastest === chosen ? ' (the default)' : ' (not the default)'}; ` +
      `the default within ${100 * DEFAULT_WITHIN} % of the fastest: ${chosen.ms <= fastest.ms * (1 + DEFAULT_WITHIN) ? 'met' : 'MISSED'} (${(100 * (chosen.ms / fastest.ms - 1)).toFixed(0)} % slower); ` +
      `target import + analysis ≤ 3× the plain byte scan with the default: ${chosen.ms <= 3 * floor.ms ? 'met' : 'MISSED'} (${x(chosen.ms / floor.ms)} by wall, ${x(chosen.threadCpuMs / floor.threadCpuMs)} by this thread's CPU)`,
  ];
}
