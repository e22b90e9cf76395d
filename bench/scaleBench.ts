// `npm run bench -- --only scale`: text import + full analysis of the generated trace at
// 50, 200 and 800 MB, each in its own process. Linear growth is cost = fixed + k · MB: the
// cost per MB between consecutive sizes (k) must stay flat. Per MB of the whole figure would
// charge the fixed cost (start-up, code, the JIT's warm-up over the first megabytes) to small
// traces. CPU time beside wall time: on a shared machine the wall time measures neighbours.
// `--only workers`: the same import on 1, 2, 4 … worker threads, how it scales with cores.

import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defaultImportThreads } from '../src/core/trace/parallelImport';

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

/** Best of `runs` by time (the machine's noise only ever adds time); its peak RSS beside it. */
export function bestOf(runs: number, measure: () => ScaleMeasurement): ScaleMeasurement {
  let best: ScaleMeasurement | null = null;
  for (let i = 0; i < runs; i++) {
    const m = measure();
    if (best === null || m.ms < best.ms) best = m;
  }
  return best!;
}

export interface ScaleBenchInputs {
  /** One import + analysis of `file` in a child process of its own. */
  measureImport: (file: string) => ScaleMeasurement;
  /** The generated trace of `mb` MB (made once). */
  traceOfMb: (mb: number) => string;
  /** A small trace (the bundled sample), for the process's fixed cost. */
  smallTrace: string;
}

export function scaleBench(inputs: ScaleBenchInputs, runs = 3): void {
  const small = { mb: statSync(inputs.smallTrace).size / 1048576, ...bestOf(runs, () => inputs.measureImport(inputs.smallTrace)) };
  const rows = SCALE_SIZES_MB.map((mb) => {
    const file = inputs.traceOfMb(mb);
    return { mb: statSync(file).size / 1048576, ...bestOf(runs, () => inputs.measureImport(file)) };
  });
  for (const line of scaleReport(rows, small, runs)) console.log(line);
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
export function scaleReport(rows: ScaleRow[], small: ScaleRow, runs: number): string[] {
  const steps = stepsPerMb(rows, small);
  const judged = steps.slice(1);
  const flat = (key: keyof PerMb) => judged.every((s) => within(s[key], judged[0][key]));
  const largest = rows[rows.length - 1];
  const band = `flat within ${FLAT_BAND * 100} %`;
  const from = (i: number) => (i === 0 ? `sample → ${rows[0].mb.toFixed(0)} MB` : `${rows[i - 1].mb.toFixed(0)} → ${rows[i].mb.toFixed(0)} MB`);
  return [
    '',
    `scaling: kvm-spin import + full analysis of the generated trace-cmd report, each size in its own process, best of ${runs} by wall time; ` +
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

export interface WorkerBenchInputs {
  /** One import + analysis of `file` on `threads` threads, in a child process of its own. */
  measureImport: (file: string, threads: number) => ScaleMeasurement;
  trace: string;
}

/** Thread counts worth measuring here: 1, 2, then doubling up to the cores (at most 8, as the importer). */
export function workerCounts(cores: number): number[] {
  const counts = [1, 2];
  for (let n = 4; n <= Math.min(cores, 8); n *= 2) counts.push(n);
  return counts;
}

/** `npm run bench -- --only workers`: the text import on 1, 2, 4 … worker threads, speed-up against one. */
export function workerBench(inputs: WorkerBenchInputs, runs = 3): void {
  const cores = availableParallelism();
  const rows = workerCounts(cores).map((threads) => ({ threads, ...bestOf(runs, () => inputs.measureImport(inputs.trace, threads)) }));
  const one = rows[0];
  const mb = statSync(inputs.trace).size / 1048576;
  console.log('');
  console.log(`worker import: import + full analysis of the ${mb.toFixed(0)} MB trace on N threads (1: no worker), ${cores} cores, best of ${runs} by wall time, each in its own process`);
  console.log('| threads | wall | CPU | speed-up (wall) | CPU against one thread | peak RSS |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.threads} | ${(r.ms / 1000).toFixed(2)} s | ${(r.cpuMs / 1000).toFixed(2)} s | ${(one.ms / r.ms).toFixed(2)}× | ${(r.cpuMs / one.cpuMs).toFixed(2)}× | ${r.maxRssMb.toFixed(0)} MB |`);
  }
  const chosen = defaultImportThreads();
  const fastest = rows.reduce((p, q) => (q.ms < p.ms ? q : p));
  console.log(`default on this machine: ${chosen} thread${chosen === 1 ? '' : 's'}; fastest measured: ${fastest.threads}${fastest.threads === chosen ? ' (the default)' : ' (not the default)'}`);
}
