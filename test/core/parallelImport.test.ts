// Reading a file in parts on worker threads gives exactly what one importer gives.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importTraceFileParallel, splitAtLines } from '../../src/core/trace/parallelImport';
import { importTraceFile } from '../../src/core/trace/textImporter';
import { fixture } from '../support/paths';
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
