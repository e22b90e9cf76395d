// Reading a file in parts on worker threads gives exactly what one importer gives.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importThreadsFor, importTraceFileParallel, MAX_IMPORT_THREADS, splitAtLines } from '../../src/core/trace/parallelImport';
import { CancelledError, importTraceFile, TextTraceImporter } from '../../src/core/trace/textImporter';
import { appendParts, serializePart } from '../../src/core/trace/mergeParts';
import { takeCensus } from '../../src/core/analysis/census';
import { fixture, ROOT } from '../support/paths';
import { scratchDir } from '../support/scratch';

test('split points fall on line starts', () => {
  const dir = scratchDir('kvm-spin-split-');
  const file = join(dir, 't.txt');
  writeFileSync(file, 'aaaa\nbb\ncccccc\nd\n');
  assert.deepEqual(splitAtLines(file, 17, 3), [0, 8, 15, 17]);
  assert.deepEqual(splitAtLines(file, 17, 1), [0, 17]);
});

test('three workers give the same store, stats and warnings as one thread', async () => {
  const dir = scratchDir('kvm-spin-par-');
  const file = join(dir, 'mixed.report');
  // Several fixtures in a row: lost events, malformed lines, other events, probes, a reason
  // string first seen in a later part, and timestamps that go back at the joins.
  const text = ['trace-cmd-plugin.report', 'handchecked-ftrace-tgid.txt', 'ftrace-kprobes.txt', 'perf-script.txt']
    .map((f) => readFileSync(fixture(f), 'utf8'))
    .join('garbage between files\n')
    .repeat(40);
  writeFileSync(file, text);
  const serial = await importTraceFile(file);
  const parallel = await importTraceFileParallel(file, { threads: 3, minBytes: 0 });
  const cols = ['ts', 'cpu', 'tid', 'kind', 'a', 'b', 'c', 'x', 'y', 'line'] as const;
  assert.equal(parallel.store.length, serial.store.length);
  for (const k of cols) assert.deepEqual(Array.from(parallel.store[k].subarray(0, serial.store.length)), Array.from(serial.store[k].subarray(0, serial.store.length)), k);
  for (let i = 0; i < serial.store.length; i++) {
    if (serial.store.kind[i] === 1) assert.equal(parallel.store.strings.get(parallel.store.b[i]), serial.store.strings.get(serial.store.b[i]));
  }
  assert.deepEqual(parallel.stats, serial.stats);
  assert.equal(parallel.format, serial.format);
  assert.deepEqual(parallel.store.lost, serial.store.lost);
  assert.deepEqual([...parallel.store.otherEvents], [...serial.store.otherEvents]);
  assert.deepEqual([...parallel.store.threads.values()].sort((p, q) => p.tid - q.tid), [...serial.store.threads.values()].sort((p, q) => p.tid - q.tid));
  assert.deepEqual([parallel.store.outOfOrder, parallel.store.firstOutOfOrderLine], [serial.store.outOfOrder, serial.store.firstOutOfOrderLine]);
});

/** Eight copies of the sample end to end (about 4 MB: four 1 MiB chunks per half). */
function eightSamples(): string {
  const file = join(scratchDir('kvm-spin-par-'), 'eight.report');
  writeFileSync(file, readFileSync(join(ROOT, 'samples', 'oversubscribed-4vm.report'), 'utf8').repeat(8));
  return file;
}

test('read in parts, the census the threads took of their parts is the census of the whole store', async () => {
  const file = eightSamples();
  const parallel = await importTraceFileParallel(file, { threads: 3, minBytes: 0 });
  assert.ok(parallel.census, 'a parallel import brings its census');
  assert.deepEqual(parallel.census, takeCensus(parallel.store));
  assert.equal((await importTraceFileParallel(file, { threads: 1 })).census, undefined, 'one thread: the analysis takes it');
});

test('read in parts: progress reaches the whole file, and the progressive view sees the first part as it is read', async () => {
  const file = eightSamples();
  const size = statSync(file).size;
  const progress: number[] = [];
  const views: [number, number][] = [];
  await importTraceFileParallel(file, { threads: 2, minBytes: 0, onProgress: (read, total) => progress.push(read / total), onStore: (store, read) => views.push([store.length, read]) });
  assert.equal(progress[progress.length - 1], 1);
  assert.ok(progress.every((p, i) => i === 0 || p >= progress[i - 1]), 'progress never goes back');
  const firstPart = splitAtLines(file, size, 2)[1];
  assert.ok(views.length >= 2, `${views.length} progressive views`);
  assert.equal(views[views.length - 1][1], firstPart, 'the last view holds the whole first part, no more');
  assert.ok(views.every(([rows, read], i) => i === 0 || (rows >= views[i - 1][0] && read > views[i - 1][1])));
});

test('read in parts: cancelling stops the read, this thread and the workers', async () => {
  const file = eightSamples();
  const abort = new AbortController();
  await assert.rejects(
    importTraceFileParallel(file, { threads: 3, minBytes: 0, signal: abort.signal, onProgress: () => abort.abort() }),
    (err: Error) => err instanceof CancelledError,
  );
  const already = new AbortController();
  already.abort();
  await assert.rejects(importTraceFileParallel(file, { threads: 2, minBytes: 0, signal: already.signal }), (err: Error) => err instanceof CancelledError);
});

test('this thread and a worker per idle core from 3 cores on; 2 cores read on one thread', () => {
  assert.deepEqual([0, 0.4, 1, 1.2, 2, 7.5].map((load) => importThreadsFor(2, load)), [1, 1, 1, 1, 1, 1]);
  assert.deepEqual([0, 0.4, 1, 1.2, 2, 7.5].map((load) => importThreadsFor(3, load)), [3, 3, 3, 2, 2, 1]);
  assert.deepEqual([0, 2.2, 5.6, 9].map((load) => importThreadsFor(8, load)), [8, 6, 3, 1]);
  assert.equal(importThreadsFor(64, 0), MAX_IMPORT_THREADS);
  assert.equal(importThreadsFor(1, 0), 1);
});

test('a part appended to the store lets its columns go (the state model is built beside the store, not beside the parts too)', () => {
  const text = readFileSync(join(ROOT, 'samples', 'oversubscribed-4vm.report'), 'latin1').split('\n');
  const half = Math.floor(text.length / 2);
  const read = (lines: string[], continuation: boolean) => {
    const importer = new TextTraceImporter({ continuation, fastPath: false });
    importer.push(Buffer.from(lines.join('\n') + '\n', 'latin1'));
    return importer.finishPart();
  };
  const first = read(text.slice(0, half), false);
  const { data: second } = serializePart(read(text.slice(half), true));
  const rows = first.store.length + second.length;
  const merged = appendParts(first, [second]);
  assert.equal(merged.store.length, rows);
  for (const column of ['ts', 'cpu', 'tid', 'kind', 'a', 'b', 'c', 'x', 'y', 'line'] as const) assert.equal(second[column].length, 0, column);
});
