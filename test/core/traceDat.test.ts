// trace.dat: the binary reader against trace-cmd itself. Real files recorded on a real
// kernel (scripts/record-tracedat.sh) are kept as fixtures with what `trace-cmd report -t -N`
// printed for them; where trace-cmd and a writable tracefs exist, a new trace is recorded and
// checked live. Damaged files get one clear line.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { importTraceDat } from '../../src/core/trace/dat/datImporter';
import { openTraceDat, TraceDatError, type DatFile } from '../../src/core/trace/dat/datFile';
import { EventFormats, parseEventFormat, symbolicTables } from '../../src/core/trace/dat/eventFormat';
import { CpuCursor } from '../../src/core/trace/dat/ringBuffer';
import { importTraceText } from '../../src/core/trace/textImporter';
import { analyzeTraceFile } from '../../src/core/pipeline';
import { EventKind, PREEMPT_FLAG, PrevState } from '../../src/core/trace/model';
import { cliInProcess } from '../support/cli';
import { fixture, ROOT } from '../support/paths';
import { diffStores } from '../support/storeDiff';
import { canMakeTracefsInstance, hasTraceCmd } from '../support/tracefs';
import { recompressV7 } from '../support/datRecompress';
import { emptyOrigin } from '../../src/core/trace/dat/datOptions';
import { encodeEvent, ringPages, type RawEvent } from '../../src/core/trace/dat/recordWriter';
import { scratchDir } from '../support/scratch';

const DAT = (name: string) => fixture(join('dat', name));
const tmp = scratchDir('kvm-spin-dat-');
const v6 = join(tmp, 'sched-v6.dat');
writeFileSync(v6, gunzipSync(readFileSync(DAT('sched-v6.dat.gz'))));

const reportOf = (file: string) => execFileSync('trace-cmd', ['report', '-t', '-N', file], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');

test('real v7 (zstd) and v6 files read exactly as trace-cmd report printed them', async () => {
  const expected = importTraceText(readFileSync(DAT('sched.report-t-N.txt'), 'utf8')).store;
  for (const file of [DAT('sched-v7-zstd.dat'), v6]) {
    const { store, format, stats } = await importTraceDat(file);
    assert.equal(format, 'trace-cmd');
    assert.deepEqual(diffStores(expected, store), [], file);
    assert.equal(store.length, 908);
    assert.equal(stats.storedEvents, 908);
  }
  // Hand-checked against the first event line of the report:
  //   kvmspin_31572: <idle>-0 [000] 13110.473425583: sched_waking: comm=rcu_preempt pid=15 prio=120 target_cpu=001
  const { store } = await importTraceDat(DAT('sched-v7-zstd.dat'));
  assert.deepEqual([store.ts[0], store.cpu[0], store.tid[0], store.kind[0], store.a[0], store.b[0]], [13110473425583, 0, 0, EventKind.SchedWaking, 15, 1]);
  assert.equal(store.threads.get(15)?.comm, 'rcu_preempt');
  assert.equal(store.threads.get(0)?.comm, 'swapper/0'); // the sched_switch name wins over the report's <idle>, in both readers
  const switches = [...Array(store.length).keys()].filter((i) => store.kind[i] === EventKind.SchedSwitch);
  assert.ok(switches.some((i) => store.b[i] === (PrevState.Runnable | PREEMPT_FLAG)), 'a preempted switch (R+)');
  assert.ok(switches.some((i) => store.b[i] === PrevState.Sleeping), 'a sleeping switch (S)');
});

test('trace-cmd on this machine still prints what the fixtures recorded', { skip: hasTraceCmd ? false : 'trace-cmd is not installed' }, () => {
  const recorded = readFileSync(DAT('sched.report-t-N.txt'), 'utf8');
  assert.equal(reportOf(DAT('sched-v7-zstd.dat')), recorded);
  assert.equal(reportOf(v6), recorded);
});

test('v7 with zlib (and uncompressed): the recorded file rewritten reads exactly as trace-cmd printed it', async () => {
  const expected = importTraceText(readFileSync(DAT('sched.report-t-N.txt'), 'utf8')).store;
  const original = readFileSync(DAT('sched-v7-zstd.dat'));
  for (const compression of ['zlib', 'none'] as const) {
    const file = join(tmp, `sched-v7-${compression}.dat`);
    writeFileSync(file, recompressV7(original, compression));
    const dat = openTraceDat(file);
    assert.equal(dat.compression, compression);
    dat.close();
    const { store } = await importTraceDat(file);
    assert.equal(store.length, 908);
    assert.deepEqual(diffStores(expected, store), [], compression);
  }
  // A damaged zlib chunk is named, not a crash.
  const damaged = recompressV7(original, 'zlib');
  const chunkAt = damaged.lastIndexOf(Buffer.from([0x78, 0x9c])); // zlib stream header of the last CPU chunk
  damaged.fill(0xff, chunkAt + 2, chunkAt + 40);
  const broken = join(tmp, 'sched-v7-zlib-damaged.dat');
  writeFileSync(broken, damaged);
  await assert.rejects(importTraceDat(broken), (err: Error) => err instanceof TraceDatError && /zlib chunk at offset \d+ is damaged/.test(err.message));
});

test('the rewriter writes what trace-cmd reads: its uncompressed v7 prints the recorded report', { skip: hasTraceCmd ? false : 'trace-cmd is not installed' }, () => {
  const file = join(tmp, 'sched-v7-none-for-trace-cmd.dat');
  writeFileSync(file, recompressV7(readFileSync(DAT('sched-v7-zstd.dat')), 'none'));
  assert.equal(reportOf(file), readFileSync(DAT('sched.report-t-N.txt'), 'utf8'));
});

/**
 * KVM records in the recorded file's own kvm formats (Linux 6.18 as recorded here: kvm_exit
 * with isa and requests), put in its empty top buffer: no VM runs on this machine, so
 * trace-cmd has to be the judge of records we write.
 */
function withKvmRecords(to: 'none' | 'zlib'): Buffer {
  const original = readFileSync(DAT('sched-v7-zstd.dat'));
  const dat = openTraceDat(DAT('sched-v7-zstd.dat'));
  const formats = new Map([...dat.formats.values()].map((f) => [f.name, f]));
  const pageSize = dat.pageSize;
  dat.close();
  const ev = (name: string, pid: number, values: Record<string, number | bigint>) => encodeEvent(formats.get(name)!, pid, values);
  const t0 = 13110_400_000_000;
  const exit = (vcpu: number, isa: number, reason: number) => ({ vcpu_id: vcpu, isa, exit_reason: reason, guest_rip: 0xffffffff81b860c7n, info1: 0, info2: 0, intr_info: 0, error_code: 0, requests: 0 });
  const cpu0: RawEvent[] = [
    { ts: t0, data: ev('kvm_entry', 5001, { vcpu_id: 0, rip: 0xffffffff81b860c7n, immediate_exit: 0, intr_info: 0, error_code: 0 }) },
    { ts: t0 + 10_000, data: ev('kvm_exit', 5001, exit(0, 1, 40)) }, // VMX PAUSE_INSTRUCTION
    { ts: t0 + 10_500, data: ev('kvm_ple_window_update', 5001, { vcpu_id: 0, old: 4096, new: 8192 }) },
    { ts: t0 + 11_000, data: ev('kvm_apic_ipi', 5001, { icr_low: 0x0fb, dest_id: 1 }) },
    { ts: t0 + 12_000, data: ev('kvm_entry', 5001, { vcpu_id: 0, rip: 0xffffffff81b860c7n, immediate_exit: 1, intr_info: 0x800000fb, error_code: 0 }) },
    { ts: t0 + 30_000, data: ev('kvm_exit', 5001, exit(0, 1, 12)) }, // HLT
    { ts: t0 + 90_000, data: ev('kvm_vcpu_wakeup', 5001, { ns: 57_000, waited: 1, valid: 1 }) },
  ];
  const cpu1: RawEvent[] = [
    { ts: t0 + 5_000, data: ev('kvm_entry', 5002, { vcpu_id: 1, rip: 0xffffffff8174c902n, immediate_exit: 0, intr_info: 0, error_code: 0 }) },
    { ts: t0 + 20_000, data: ev('kvm_apic_accept_irq', 5002, { apicid: 1, dm: 0, tm: 0, vec: 0xfb }) },
    { ts: t0 + 40_000, data: ev('kvm_exit', 5002, exit(1, 2, 0x77)) }, // SVM pause
    { ts: t0 + 41_000, data: ev('kvm_ple_window_update', 5002, { vcpu_id: 1, old: 8192, new: 4096 }) },
  ];
  return recompressV7(original, to, { buffer: '', cpus: new Map([[0, ringPages(pageSize, cpu0)], [1, ringPages(pageSize, cpu1)]]) });
}

test('kvm records in the kernel formats of the file read exactly as trace-cmd prints them', { skip: hasTraceCmd ? false : 'trace-cmd is not installed' }, async () => {
  const none = join(tmp, 'kvm-v7-none.dat');
  writeFileSync(none, withKvmRecords('none'));
  const report = reportOf(none);
  // trace-cmd's own rendering (kernel formats, -N) of two of the records we wrote:
  assert.match(report, /^\s*<\.\.\.>-5001\s+\[000\]\s+13110\.400010000: kvm_exit:\s+vcpu 0 reason PAUSE_INSTRUCTION rip 0xffffffff81b860c7 info1 0x0+ info2 0x0+ intr_info 0x00000000 error_code 0x00000000 requests 0x0+$/m);
  assert.match(report, /^\s*<\.\.\.>-5002\s+\[001\]\s+13110\.400040000: kvm_exit:\s+vcpu 1 reason pause rip/m);
  const expected = importTraceText(report).store;
  assert.equal(expected.length, 908 + 11);
  for (const [file, compression] of [[none, 'none'], [join(tmp, 'kvm-v7-zlib.dat'), 'zlib']] as const) {
    if (compression === 'zlib') writeFileSync(file, withKvmRecords('zlib'));
    const { store } = await importTraceDat(file);
    assert.deepEqual(diffStores(expected, store), [], compression);
  }
  const { analysis } = await analyzeTraceFile(none);
  assert.equal(analysis.totals.kvmExits, 3);
  assert.equal(analysis.totals.pleExits, 2); // VMX PAUSE_INSTRUCTION and SVM pause
});

const tracefsWritable = canMakeTracefsInstance();

test(
  'live oracle: a trace recorded now in a private tracefs instance equals trace-cmd report, event for event',
  { skip: !hasTraceCmd ? 'trace-cmd is not installed' : !tracefsWritable ? 'tracefs instances are not writable here (needs root)' : false },
  async () => {
    const out = join(tmp, 'live.dat');
    const r = spawnSync('bash', [join(ROOT, 'scripts', 'record-tracedat.sh'), out, '0.2'], { encoding: 'utf8' });
    if (r.status === 77) return; // tracefs turned out not writable: the script said why
    assert.equal(r.status, 0, r.stderr);
    const expected = importTraceText(reportOf(out)).store;
    const { store } = await importTraceDat(out);
    assert.ok(store.length > 50, `only ${store.length} events recorded`);
    assert.deepEqual(diffStores(expected, store), []);
    // The same file as v6 (trace-cmd convert) reads the same.
    const old = join(tmp, 'live-v6.dat');
    execFileSync('trace-cmd', ['convert', '-i', out, '-o', old, '--file-version', '6', '--compression', 'none'], { stdio: 'ignore' });
    assert.deepEqual(diffStores(expected, (await importTraceDat(old)).store), []);
  },
);

test('analyze opens a trace.dat by its content, whatever its name', async () => {
  const renamed = join(tmp, 'host.report');
  writeFileSync(renamed, readFileSync(DAT('sched-v7-zstd.dat')));
  const r = await analyzeTraceFile(renamed);
  assert.equal(r.format, 'trace-cmd');
  assert.equal(r.analysis.totals.events, 908);
  assert.ok(r.analysis.warnings.some((w) => /no vCPU threads/.test(w)));
});

test('damaged or unsupported files: one line naming what is wrong', async () => {
  const good = readFileSync(DAT('sched-v7-zstd.dat'));
  const write = (name: string, bytes: Uint8Array) => {
    const p = join(tmp, name);
    writeFileSync(p, bytes);
    return p;
  };
  const version9 = Buffer.from(good);
  version9[10] = '9'.charCodeAt(0);
  const badZstd = Buffer.from(good);
  const dat = openTraceDat(DAT('sched-v7-zstd.dat'));
  const cpu0 = dat.buffers.flatMap((b) => b.cpus)[0];
  dat.close();
  badZstd.fill(0x55, cpu0.offset + 20, cpu0.offset + 60); // inside the first compressed chunk
  const cases: [string, RegExp][] = [
    [write('elf.dat', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3, 4, 5, 6, 7, 8])), /^not a trace\.dat: bad magic/],
    [write('v9.dat', version9), /^trace\.dat: unsupported file version "9" \(expected 6 or 7\)$/],
    [write('half.dat', good.subarray(0, good.length >> 1)), /^trace\.dat: truncated /],
    [write('head.dat', good.subarray(0, 14)), /^trace\.dat: truncated initial format/],
    [write('badzstd.dat', badZstd), /^trace\.dat: CPU \d+ of buffer "[^"]+": zstd chunk at offset \d+ (is damaged|decompressed to)/],
    [write('v6cut.dat', readFileSync(v6).subarray(0, readFileSync(v6).length - 5000)), /^trace\.dat: truncated CPU \d+ data of buffer/],
  ];
  for (const [file, message] of cases) {
    await assert.rejects(importTraceDat(file), (err: unknown) => {
      assert.ok(err instanceof TraceDatError, `${file}: ${err}`);
      assert.match((err as Error).message, message, file);
      assert.ok(!(err as Error).message.includes('\n'));
      return true;
    });
  }
  // Through the CLI: exit 2, the same single line.
  const r = await cliInProcess(['analyze', cases[1][0]]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'kvm-spin: trace.dat: unsupported file version "9" (expected 6 or 7)\n');
});

// ---- the pieces, on hand-made bytes ----------------------------------------------------------

const KVM_EXIT_FORMAT = `name: kvm_exit
ID: 7
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:unsigned int exit_reason;\toffset:8;\tsize:4;\tsigned:0;
\tfield:unsigned long guest_rip;\toffset:16;\tsize:8;\tsigned:0;
\tfield:u32 isa;\toffset:24;\tsize:4;\tsigned:0;
\tfield:unsigned int vcpu_id;\toffset:28;\tsize:4;\tsigned:0;
\tfield:__data_loc char[] note;\toffset:32;\tsize:4;\tsigned:0;
\tfield:char comm[16];\toffset:36;\tsize:16;\tsigned:0;

print fmt: "vcpu %u reason %s", REC->vcpu_id, (REC->isa == 1) ? __print_symbolic(REC->exit_reason & 0xffff, { 12, "HLT" }, { 40, "PAUSE_INSTRUCTION" }) : __print_symbolic(REC->exit_reason, { 0x078, "hlt" }, { 0x077, "pause" })
`;

test('event formats: fields, arrays, dynamic strings and symbol tables come from the text', () => {
  const f = parseEventFormat(KVM_EXIT_FORMAT, 'kvm');
  assert.equal(f.id, 7);
  assert.equal(f.name, 'kvm_exit');
  assert.deepEqual(
    f.fields.map((x) => [x.name, x.offset, x.size, x.signed, x.dynamic, x.arrayLength]),
    [
      ['common_type', 0, 2, false, null, 0],
      ['common_flags', 2, 1, false, null, 0],
      ['common_preempt_count', 3, 1, false, null, 0],
      ['common_pid', 4, 4, true, null, 0],
      ['exit_reason', 8, 4, false, null, 0],
      ['guest_rip', 16, 8, false, null, 0],
      ['isa', 24, 4, false, null, 0],
      ['vcpu_id', 28, 4, false, null, 0],
      ['note', 32, 4, false, 'data_loc', 0],
      ['comm', 36, 16, false, null, 16],
    ],
  );
  const tables = symbolicTables(f.printFmt);
  assert.deepEqual(tables.map((t) => [...t]), [
    [[12, 'HLT'], [40, 'PAUSE_INSTRUCTION']],
    [[0x78, 'hlt'], [0x77, 'pause']],
  ]);
  assert.throws(() => parseEventFormat('not a format', 'x'), /has no name or ID line/);
});

/** A DatFile over in-memory pages (little endian, 8-byte commit word, data at 16). */
function memoryDat(pages: Buffer[], pageSize: number): DatFile {
  const bytes = Buffer.concat(pages);
  return {
    path: '<memory>',
    size: bytes.length,
    version: 7,
    littleEndian: true,
    longSize: 8,
    pageSize,
    compression: 'none',
    headerPage: { commitOffset: 8, commitSize: 8, dataOffset: 16 },
    formats: new EventFormats(),
    cmdlines: new Map(),
    buffers: [],
    origin: emptyOrigin(),
    optionWarnings: [],
    fd: -1,
    close() {},
    read: (offset, length) => bytes.subarray(offset, offset + length),
    decompress: () => {
      throw new Error('not compressed');
    },
    warnings: [],
  };
}

/** One ring-buffer page: timestamp, commit (size | flags), entries, optional lost count. */
function page(pageSize: number, ts: number, entries: number[][], flags = 0, lost?: number): Buffer {
  const p = Buffer.alloc(pageSize);
  p.writeBigUInt64LE(BigInt(ts), 0);
  const words = entries.flat();
  words.forEach((w, i) => p.writeUInt32LE(w >>> 0, 16 + 4 * i));
  const size = words.length * 4;
  p.writeUInt32LE((size | flags) >>> 0, 8);
  if (lost !== undefined) p.writeBigUInt64LE(BigInt(lost), 16 + size);
  return p;
}
const header = (typeLen: number, delta: number) => ((delta << 5) | typeLen) >>> 0;

test('ring-buffer pages: deltas, time extends, absolute stamps, padding, long records, lost events', () => {
  const size = 128;
  const pages = [
    page(size, 1_000, [
      [header(2, 5), 0xaaaa, 0xbbbb], // 8-byte record at +5 ns
      [header(30, 3), 2], // time extend: 2 << 27 + 3
      [header(1, 0), 0xcccc], // 4-byte record at the extended time
      [header(29, 0), 8, 0, 0], // padding of 8 bytes after its length word... with delta 0 = rest of page
    ]),
    page(size, 9_000_000_000, [[header(31, 7), 1], [header(0, 10), 16, 0x1111, 0x2222, 0x3333]], 2 ** 31 + 2 ** 30, 42), // absolute stamp, then a long record; 42 lost before
  ];
  const cursor = new CpuCursor(memoryDat(pages, size), 3, { cpu: 3, offset: 0, size: size * 2 }, 'test CPU');
  const seen: [number, number, number, number][] = [];
  while (cursor.advance()) seen.push([cursor.ts, cursor.dataLength, cursor.page.readUInt32LE(cursor.dataStart), cursor.lostBefore]);
  assert.deepEqual(seen, [
    [1_005, 8, 0xaaaa, 0],
    [1_005 + 2 * 2 ** 27 + 3, 4, 0xcccc, 0],
    [1 * 2 ** 27 + 7 + 10, 12, 0x1111, 42],
  ]);
});
