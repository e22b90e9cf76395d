// Hostile trace.dat files (issue 14): decompression bombs in a CPU chunk and in a metadata
// section, zlib and zstd, refused after at most the declared size plus the margin — with the
// message, in bounded time and memory; a zstd frame a little longer than declared read with a
// warning; damaged event formats skipped when unused, refused when the analysis needs them.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { importTraceDat } from '../../src/core/trace/dat/datImporter';
import { openTraceDat, TraceDatError } from '../../src/core/trace/dat/datFile';
import { decompressBounded, DECLARED_SIZE_MARGIN, zstdDecoder, zstdFrames } from '../../src/core/trace/dat/decompress';
import { analyzeTraceFile } from '../../src/core/pipeline';
import { cliInProcess } from '../support/cli';
import { fixture } from '../support/paths';
import { scratchDir } from '../support/scratch';
import { recompressV7 } from '../support/datRecompress';
import { cpuChunk, u32, withCpuData, withSection, zlibZeros, zstdRaw, zstdRle } from '../support/datBombs';

const tmp = scratchDir('kvm-spin-bounds-');
const ZSTD_FILE = fixture(join('dat', 'sched-v7-zstd.dat'));
const zstdFile = readFileSync(ZSTD_FILE);
const zlibFile = recompressV7(zstdFile, 'zlib');
const zlibPath = join(tmp, 'sched-v7-zlib.dat');
writeFileSync(zlibPath, zlibFile);
const BOMB_MIB = 200;
const EVENT_FORMATS = 18;
const write = (name: string, bytes: Buffer) => {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
};

/** A validator for assert.rejects / throws: a TraceDatError whose message (one line) matches. */
const datError = (message: RegExp) => (err: unknown) => {
  assert.ok(err instanceof TraceDatError, String(err));
  assert.match(err.message, message);
  assert.ok(!err.message.includes('\n'));
  return true;
};

/** Runs `run`, which must refuse with one TraceDatError line matching `message`, in bounded time and peak memory. */
async function refusedWithin(run: () => Promise<unknown>, message: RegExp): Promise<void> {
  const peakBefore = process.resourceUsage().maxRSS / 1024;
  const start = performance.now();
  await assert.rejects(run(), datError(message));
  const ms = performance.now() - start;
  const peakGrowthMb = process.resourceUsage().maxRSS / 1024 - peakBefore;
  // A 200 MiB bomb inflated whole takes ~0.6 s and ≥ 200 MB; refused at the bound, neither.
  assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
  assert.ok(peakGrowthMb < 64, `peak RSS grew by ${peakGrowthMb.toFixed(0)} MB`);
}

test('a zlib CPU chunk declaring 40,960 bytes that inflates to 200 MiB is refused at the bound', async () => {
  const bomb = write('zlib-chunk-bomb.dat', withCpuData(zlibFile, zlibPath, 0, cpuChunk(zlibZeros(BOMB_MIB), 40960)));
  await refusedWithin(() => importTraceDat(bomb), /^trace\.dat: CPU 0 of buffer "kvmspin_31572": zlib chunk at offset \d+ inflates beyond its declared 40960 bytes$/);
  // Through the CLI, analyze and annotate --run alike: exit 2, that one line.
  for (const args of [['analyze', bomb], ['annotate', fixture(join('kernel', 'kvm_main-5.15.c')), '--run', bomb]]) {
    const r = await cliInProcess(args);
    assert.equal(r.status, 2, args[0]);
    assert.match(r.stderr, /^kvm-spin: trace\.dat: CPU 0 of buffer "kvmspin_31572": zlib chunk at offset \d+ inflates beyond its declared 40960 bytes\n$/);
    assert.equal(r.stdout, '');
  }
});

test('a zlib event-formats section declaring its real size that inflates to 200 MiB is refused at the bound', async () => {
  const bomb = write('zlib-section-bomb.dat', withSection(zlibFile, EVENT_FORMATS, zlibZeros(BOMB_MIB), 30000));
  await refusedWithin(() => importTraceDat(bomb), /^trace\.dat: event formats: zlib section at offset \d+ inflates beyond its declared 30000 bytes$/);
});

test('a zstd CPU chunk of RLE blocks declaring 28,672 bytes that decodes to 200 MiB is refused at the bound', async () => {
  const bomb = write('zstd-chunk-bomb.dat', withCpuData(zstdFile, ZSTD_FILE, 0, cpuChunk(zstdRle(BOMB_MIB << 20), 28672)));
  await refusedWithin(() => importTraceDat(bomb), /^trace\.dat: CPU 0 of buffer "kvmspin_31572": zstd chunk at offset \d+ decompresses beyond its declared 28672 bytes$/);
});

test('a zstd metadata section that decodes to 200 MiB is refused at the bound', async () => {
  const bomb = write('zstd-section-bomb.dat', withSection(zstdFile, EVENT_FORMATS, zstdRle(BOMB_MIB << 20), 30000));
  await refusedWithin(() => importTraceDat(bomb), /^trace\.dat: event formats: zstd section at offset \d+ decompresses beyond its declared 30000 bytes$/);
});

test('a zstd frame whose header says 3 GB is too large for its declared size, before any decoding', async () => {
  const frame = zstdRle(1 << 20, 0, { contentSize: 3 * 2 ** 30 });
  assert.deepEqual(zstdFrames(frame), [{ contentSize: 3 * 2 ** 30, windowSize: 3 * 2 ** 30 }]);
  const big = write('zstd-3gb.dat', withCpuData(zstdFile, ZSTD_FILE, 0, cpuChunk(frame, 28672)));
  await refusedWithin(
    () => importTraceDat(big),
    /^trace\.dat: CPU 0 of buffer "kvmspin_31572": zstd chunk at offset \d+ is too large for its declared size: its frame holds 3221225472 bytes, the file declares 28672$/,
  );
  // A window the decoder would have to allocate (2 GiB) is refused the same way.
  const window = zstdRle(1 << 20);
  window[5] = 21 << 3; // 2^(10+21)
  const wide = write('zstd-window.dat', withCpuData(zstdFile, ZSTD_FILE, 0, cpuChunk(window, 28672)));
  await refusedWithin(() => importTraceDat(wide), /^trace\.dat: CPU 0 of buffer "kvmspin_31572": zstd chunk at offset \d+ asks for a 2147483648-byte window/);
  // Also behind a skippable frame and a small first frame.
  const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18]), u32(3), Buffer.from('pad'), zstdRle(100), window]);
  assert.deepEqual(zstdFrames(skippable), [{ windowSize: 128 << 10 }, { windowSize: 2 ** 31 }]);
  const hidden = write('zstd-window-2.dat', withCpuData(zstdFile, ZSTD_FILE, 0, cpuChunk(skippable, 28672)));
  await refusedWithin(() => importTraceDat(hidden), /asks for a 2147483648-byte window/);
});

test('a zstd frame a little longer than its declared size is read up to that size, with a warning', async () => {
  // CPU 0's real pages plus 100 bytes, in raw blocks, declared at the pages' size.
  const dat = openTraceDat(ZSTD_FILE);
  const cpu0 = dat.buffers.flatMap((b) => b.cpus).find((c) => c.cpu === 0)!;
  const header = dat.read(cpu0.offset + 4, 8, 'chunk header');
  const pages = dat.decompress(dat.read(cpu0.offset + 12, header.readUInt32LE(0), 'chunk'), header.readUInt32LE(4), { what: 'test', unit: 'chunk', offset: 0 });
  dat.close();
  const longer = write('zstd-longer.dat', withCpuData(zstdFile, ZSTD_FILE, 0, cpuChunk(zstdRaw(Buffer.concat([pages, Buffer.alloc(100, 0xee)])), pages.length)));
  const r = await analyzeTraceFile(longer);
  assert.equal(r.analysis.totals.events, 908);
  assert.ok(
    r.analysis.warnings.some((w) => new RegExp(`^CPU 0 of buffer "kvmspin_31572": zstd chunk at offset \\d+ holds ${pages.length + 100} bytes, 100 more than its declared ${pages.length}; the extra bytes were not read$`).test(w)),
    r.analysis.warnings.join('\n'),
  );
  // Shorter than declared is damage.
  const shorter = write('zstd-shorter.dat', withCpuData(zstdFile, ZSTD_FILE, 0, cpuChunk(zstdRaw(pages.subarray(0, 4096)), pages.length)));
  await assert.rejects(importTraceDat(shorter), datError(new RegExp(`^trace\\.dat: CPU 0 of buffer "kvmspin_31572": zstd chunk at offset \\d+ decompressed to 4096 bytes, its declared size is ${pages.length}$`)));
});

test('the bound is the declared size plus the margin, for zlib and for this process’s zstd decoder', () => {
  const at = { what: 'test', unit: 'chunk', offset: 7 } as const;
  const warnings: string[] = [];
  const warn = (w: string) => warnings.push(w);
  const data = Buffer.alloc(50000, 3);
  assert.deepEqual(decompressBounded('zstd', zstdRaw(data), 50000, at, warn), data);
  // Exactly the margin over: cut and warned; one byte more: refused.
  assert.equal(decompressBounded('zstd', zstdRle(50000 + DECLARED_SIZE_MARGIN, 3), 50000, at, warn).length, 50000);
  assert.equal(warnings.length, 1);
  assert.throws(() => decompressBounded('zstd', zstdRle(50001 + DECLARED_SIZE_MARGIN, 3), 50000, at, warn), datError(/^trace\.dat: test: zstd chunk at offset 7 decompresses beyond its declared 50000 bytes$/));
  assert.throws(() => decompressBounded('zlib', zlibZeros(1), 1000, at, warn), datError(/^trace\.dat: test: zlib chunk at offset 7 inflates beyond its declared 1000 bytes$/));
  assert.throws(() => decompressBounded('lz4', data, 1, at, warn), datError(/unsupported "lz4"/));
  assert.throws(() => decompressBounded('zstd', data, 1, at, warn), datError(/^trace\.dat: test: zstd chunk at offset 7 is damaged \(/));
  assert.ok(zstdDecoder === 'fzstd' || zstdDecoder === 'node:zlib');
});

test('file text quoted in a message cannot break its line', async () => {
  const b = Buffer.from(zstdFile);
  b.write('7\x1b\x00', 10, 'latin1'); // the version string, with an escape character
  await assert.rejects(importTraceDat(write('version-newline.dat', b)), datError(/^trace\.dat: unsupported file version "7\\x1b" \(expected 6 or 7\)$/));
});

// ---- damaged event formats (the recorded v6 file: its formats are stored uncompressed) ----

const v6 = gunzipSync(readFileSync(fixture(join('dat', 'sched-v6.dat.gz'))));
/** v6 with one byte of `needle`'s first occurrence changed. */
const flipped = (name: string, needle: string, at: number, xor = 1) => {
  const b = Buffer.from(v6);
  const where = b.indexOf(needle);
  assert.ok(where >= 0, needle);
  b[where + at] ^= xor;
  return write(name, b);
};

test('the recorded files, undamaged: no format set aside, no import warning', async () => {
  for (const file of [write('v6.dat', v6), ZSTD_FILE, zlibPath]) {
    const dat = openTraceDat(file);
    assert.equal(dat.formats.size, 2323);
    assert.deepEqual(dat.formats.damaged, []);
    dat.close();
    assert.deepEqual((await importTraceDat(file)).stats.warnings, [], file);
  }
});

test('one flipped byte in the format of an event nobody uses: all 908 events, a warning naming it', async () => {
  const r = await analyzeTraceFile(flipped('unused.dat', 'name: kvm_hypercall\n', 1));
  assert.equal(r.analysis.totals.events, 908);
  assert.ok(r.analysis.warnings.includes('the event format of kvm:kvm_hypercall (ID 114) is damaged (no name line) and was skipped: the trace has no records of it'), r.analysis.warnings.join('\n'));
  // A damaged ID line: the name still tells which event it was.
  const noId = await analyzeTraceFile(flipped('unused-id.dat', 'name: kvm_hypercall\nID: 114', 'name: kvm_hypercall\n'.length));
  assert.equal(noId.analysis.totals.events, 908);
  assert.ok(noId.analysis.warnings.some((w) => /^the event format of kvm:kvm_hypercall \(ID 114\) is damaged \(no ID line\) and was skipped/.test(w)), noId.analysis.warnings.join('\n'));
});

test('damage in a format the analysis needs: one line, exit 2', async () => {
  const file = flipped('needed.dat', 'name: sched_switch\n', 1);
  await assert.rejects(importTraceDat(file), datError(/^trace\.dat: the event format of sched:sched_switch \(ID 372\) is damaged \(no name line\), and the analysis needs its records: 464 in this trace$/));
  const r = await cliInProcess(['analyze', file]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'kvm-spin: trace.dat: the event format of sched:sched_switch (ID 372) is damaged (no name line), and the analysis needs its records: 464 in this trace\n');
  // A field it reads gone ("field:" → "fie d:"), or every record shorter than the format says.
  await assert.rejects(importTraceDat(flipped('field.dat', '\tfield:pid_t next_pid;', 4, 0x4c)), datError(/^trace\.dat: the event format of sched:sched_switch \(ID 372\) is damaged \(field next_pid missing or unreadable\), and the analysis needs its records: 464 in this trace$/));
  await assert.rejects(importTraceDat(flipped('offset.dat', 'next_prio;\toffset:60;', 'next_prio;\toffset:'.length, 0x0f)), datError(/^trace\.dat: the event format of sched:sched_switch does not fit its records: it needs 94 bytes, none of its 464 records has that many/));
});

test('two formats claiming one ID: neither decodes the other’s records', async () => {
  // kvm_hypercall's ID 114 becomes 372, sched_switch's.
  const b = Buffer.from(v6);
  const at = b.indexOf('name: kvm_hypercall\nID: 114') + 'name: kvm_hypercall\nID: '.length;
  b.write('372', at, 'latin1');
  await assert.rejects(importTraceDat(write('dup.dat', b)), datError(/^trace\.dat: the event format of sched:sched_switch \(ID 372\) is damaged \(its ID 372 is claimed by more than one format\), and the analysis needs its records: 464 in this trace$/));
});
