// A text trace from a stream: the same events as from a file, whatever the chunking; a trace.dat
// refused with the reason; a stream that never ends read for its duration; cancellation.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { importTraceStream, TRACE_DAT_NEEDS_FILE } from '../../src/core/trace/streamImport';
import { importTraceText, CancelledError } from '../../src/core/trace/textImporter';
import { NotATraceError } from '../../src/core/trace/sniff';
import { fixture } from '../support/paths';

const TEXT = readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'latin1');

/** `bytes` as a stream of chunks of `size` bytes. */
const chunked = (bytes: Buffer, size: number) => Readable.from(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)));

test('chunks of any size give the events and stats a whole text gives', async () => {
  const whole = importTraceText(TEXT);
  for (const size of [1, 7, 15, 16, 17, 4096, 1 << 20]) {
    const progress: [number, number][] = [];
    const t = await importTraceStream(chunked(Buffer.from(TEXT, 'latin1'), size), { onProgress: (read, total) => progress.push([read, total]) });
    assert.deepEqual(t.stats, whole.stats, `chunks of ${size}`);
    assert.equal(t.format, whole.format);
    assert.deepEqual(Array.from(t.store.ts.subarray(0, t.store.length)), Array.from(whole.store.ts.subarray(0, whole.store.length)));
    assert.deepEqual(progress.at(-1), [Buffer.byteLength(TEXT, 'latin1'), 0], 'bytes read, total unknown');
  }
});

test('a trace.dat on a stream is refused with the reason, even when its magic arrives a byte at a time', async () => {
  const dat = Buffer.from([0x17, 0x08, 0x44, ...Buffer.from('tracing6'), 0, 0, 0, 0, 0, 0, 0, 0]);
  await assert.rejects(importTraceStream(chunked(dat, 1)), (err: unknown) => err instanceof NotATraceError && err.message === TRACE_DAT_NEEDS_FILE);
});

test('input shorter than the trace.dat magic check is still read', async () => {
  await assert.rejects(importTraceStream(Readable.from([Buffer.from('x\n')])), /no trace event lines found/);
  await assert.rejects(importTraceStream(Readable.from([])), (err: unknown) => err instanceof NotATraceError && err.message.startsWith('empty file: expected'));
});

test('a stream that never ends is read for durationMs, then analysed', async () => {
  const pipe = new PassThrough();
  pipe.write(TEXT);
  const started = Date.now();
  const t = await importTraceStream(pipe, { durationMs: 150 });
  assert.ok(Date.now() - started >= 140);
  assert.equal(t.stats.eventLines, importTraceText(TEXT).stats.eventLines);
  await assert.rejects(importTraceStream(new PassThrough(), { durationMs: 50 }), (err: unknown) => err instanceof NotATraceError && err.message.startsWith('nothing was read in 0.05 s: expected'));
});

test('an abort rejects with CancelledError, before or during the read', async () => {
  const controller = new AbortController();
  const reading = importTraceStream(new PassThrough(), { signal: controller.signal });
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(reading, CancelledError);
  await assert.rejects(importTraceStream(new PassThrough(), { signal: AbortSignal.abort() }), CancelledError);
});
