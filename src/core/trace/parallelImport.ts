// Large text traces are read by several threads (this one and workers), each a byte range cut
// at a line start, and merged in order: the same result as one importer, on every core.

import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { busyCores } from './cpuLoad';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { appendParts, prefaultWhileWaiting, sameTimestamps, type SerializedPart } from './mergeParts';
import { NotATraceError, type NotATraceReason } from './sniff';
import { CancelledError, fileChunks, importTraceFile, TextTraceImporter, validateImport, type ImportedTrace, type ImportOptions } from './textImporter';
import { importTraceDat, isTraceDat } from './dat/datImporter';
import { addCensus, takeCensus, type TraceCensus } from '../analysis/census';

/** trace.dat is recognised by its magic bytes, never by its name. */
function startsLikeTraceDat(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(16);
    return isTraceDat(head.subarray(0, readSync(fd, head, 0, 16, 0)));
  } finally {
    closeSync(fd);
  }
}
import type { ImportRange } from './importWorker';

/** Below this size one thread is faster than starting workers. */
export const PARALLEL_MIN_BYTES = 32 << 20;

/** More threads read no faster: the merge and the analysis after it are on one thread. */
export const MAX_IMPORT_THREADS = 8;

/**
 * Below this many cores a file is read on one thread. On 2 cores, since the commonest lines are
 * read in WebAssembly (fastLines.ts), a worker no longer pays: import + analysis of the 200 MB
 * bench trace 864–937 ms on one thread against 872–976 ms on two (five interleaved runs each,
 * README "Worker import"), and two threads take 0.21 s more CPU and up to 50 MB more memory. The
 * worker's fixed costs — its start, a second isolate's compiling, counting and appending its
 * part — now weigh as much as the half of the parse it takes over.
 */
export const MIN_CORES_FOR_WORKERS = 3;

/**
 * Threads to read on with `cores` cores of which `load` are busy (cpuLoad.ts's busyCores):
 * this one, which runs in any case (busyCores leaves it out), and a worker for each whole
 * core the load leaves idle; at most `cores` and MAX_IMPORT_THREADS, and one below
 * MIN_CORES_FOR_WORKERS. A worker pays only on a core of its own: the kernel shares CPU between
 * sessions (autogroup), so on a busy machine a second thread brings the process no more CPU,
 * only its cost.
 */
export function importThreadsFor(cores: number, load: number): number {
  if (cores < MIN_CORES_FOR_WORKERS) return 1;
  return Math.min(cores, MAX_IMPORT_THREADS, 1 + Math.floor(Math.max(0, cores - load)));
}

/** The thread count for this machine now. */
export function defaultImportThreads(): number {
  return importThreadsFor(availableParallelism(), busyCores());
}

export interface ParallelImportOptions extends ImportOptions {
  /** Threads to read on, this one and `threads` − 1 workers (default: defaultImportThreads(), at most MAX_IMPORT_THREADS); 1 reads on this thread alone. */
  threads?: number;
  /** Files smaller than this are read on one thread (default PARALLEL_MIN_BYTES). */
  minBytes?: number;
  /** The bundled worker script (default: importWorker.js beside this module). */
  workerScript?: string;
}

/** Byte offsets that split the file into `n` ranges, each starting at a line start. */
export function splitAtLines(path: string, size: number, n: number): number[] {
  const cuts = [0];
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(1 << 16);
  try {
    for (let i = 1; i < n; i++) {
      let pos = Math.max(Math.floor((size * i) / n), cuts[cuts.length - 1]);
      let found = -1;
      while (found < 0 && pos < size) {
        const got = readSync(fd, buf, 0, buf.length, pos);
        if (got <= 0) break;
        const nl = buf.subarray(0, got).indexOf(10);
        if (nl >= 0) found = pos + nl + 1;
        else pos += got;
      }
      if (found < 0 || found >= size) break;
      if (found > cuts[cuts.length - 1]) cuts.push(found);
    }
  } finally {
    closeSync(fd);
  }
  cuts.push(size);
  return cuts;
}

/** An imported trace; read in parts, with the census of its rows each reading thread took of its part. */
export type CountedImport = ImportedTrace & { census?: TraceCensus };

export async function importTraceFileParallel(path: string, options: ParallelImportOptions = {}): Promise<CountedImport> {
  const size = statSync(path).size;
  if (startsLikeTraceDat(path)) return importTraceDat(path, options);
  if (size < (options.minBytes ?? PARALLEL_MIN_BYTES)) return importTraceFile(path, options);
  // Looked up only for a file large enough to split: busyCores() waits a few ms to look.
  const threads = Math.min(options.threads ?? defaultImportThreads(), MAX_IMPORT_THREADS);
  if (threads < 2) return importTraceFile(path, options);
  const cuts = splitAtLines(path, size, threads);
  if (cuts.length < 3) return importTraceFile(path, options);
  // This thread reads the first range while workers read the others: one isolate fewer to
  // start and warm up, and the rows read here are never copied (the store is sized for the
  // whole file; the workers' rows are appended to it).
  const read = new Array(cuts.length - 1).fill(0);
  const progress = () => options.onProgress?.(read.reduce((a, b) => a + b, 0), size);
  const ranges: ImportRange[] = [];
  for (let i = 1; i + 1 < cuts.length; i++) ranges.push({ path, start: cuts[i], end: cuts[i + 1] });
  const later = readInWorkers(ranges, options, (index, bytes) => {
    read[index + 1] = bytes;
    progress();
  });
  let failure: unknown = null;
  later.promise.catch((err) => (failure = err));
  const importer = new TextTraceImporter({ expectedBytes: size });
  try {
    for await (const chunk of fileChunks(path, 0, cuts[1])) {
      if (options.signal?.aborted) throw new CancelledError();
      if (failure !== null) break;
      importer.push(chunk);
      read[0] += chunk.length;
      progress();
      // A progressive view of the rows read so far: the file's first read[0] bytes.
      options.onStore?.(importer.store, read[0], size, importer.rawTimestamps === true);
    }
  } catch (err) {
    later.stop();
    throw err;
  }
  const first = importer.finishPart();
  // Counted while the workers still read (each counts its own part): the analysis needs the sum before its pass.
  const firstCensus = takeCensus(first.store);
  // The rows still to come, as many per byte as this part's: their pages are faulted in while the workers read.
  await prefaultWhileWaiting(first.store, Math.round((first.store.length * size) / cuts[1]), later.promise);
  const parts = await later.promise;
  // A file whose timestamps change kind at a cut: one importer decides by its first line.
  if (!sameTimestamps([first, ...parts])) return importTraceFile(path, options);
  const census = parts.reduce((sum, part) => addCensus(sum, part.census), firstCensus);
  return { ...validateImport(appendParts(first, parts), options.clockHz), census };
}

/** Reads each range on its own worker thread; `stop` ends them all. */
function readInWorkers(ranges: ImportRange[], options: ParallelImportOptions, onRead: (index: number, bytes: number) => void): { promise: Promise<SerializedPart[]>; stop: () => void } {
  const script = options.workerScript ?? join(__dirname, 'importWorker.js');
  const parts: SerializedPart[] = new Array(ranges.length);
  const workers: Worker[] = [];
  const stop = () => {
    for (const w of workers) void w.terminate();
  };
  const promise = new Promise<SerializedPart[]>((resolve, reject) => {
    let done = 0;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      stop();
      reject(err);
    };
    options.signal?.addEventListener('abort', () => fail(new CancelledError()), { once: true });
    if (options.signal?.aborted) return fail(new CancelledError());
    ranges.forEach((range, index) => {
      const worker = new Worker(script, { workerData: range });
      workers.push(worker);
      worker.on('message', (msg: { type: string; read?: number; part?: SerializedPart; notATrace?: NotATraceReason; message?: string }) => {
        if (msg.type === 'progress' || msg.type === 'done') onRead(index, msg.read ?? 0);
        if (msg.type === 'done') {
          parts[index] = msg.part!;
          void worker.terminate();
          if (++done === ranges.length) resolve(parts);
        } else if (msg.type === 'error') {
          fail(msg.notATrace ? new NotATraceError(msg.message!, msg.notATrace) : new Error(msg.message));
        }
      });
      worker.on('error', (err) => fail(err));
    });
  });
  return { promise, stop };
}
