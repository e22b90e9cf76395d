// Trace clocks: trace.dat's TSC2NSEC applied as trace-cmd applies it (checked against
// `trace-cmd report` of files written here in trace-cmd's layout), the clock's name and unit,
// raw counter timestamps in report text, and the host + guest options (GUEST, TRACEID,
// TIME_SHIFT) with trace-cmd's guest-to-host time arithmetic.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { importTraceDat } from '../../src/core/trace/dat/datImporter';
import { emptyOrigin, guestToHostNs, readOriginOption, tscToNs, tscToNsBig, type TimeShift } from '../../src/core/trace/dat/datOptions';
import { importTraceFile, importTraceText } from '../../src/core/trace/textImporter';
import { importTraceFileParallel } from '../../src/core/trace/parallelImport';
import { analyzeTraceFile, analyzeTraceText } from '../../src/core/pipeline';
import { EventKind } from '../../src/core/trace/model';
import { ClockHzError } from '../../src/core/trace/clock';
import { cliInProcess } from '../support/cli';
import { ROOT } from '../support/paths';
import { diffStores } from '../support/storeDiff';
import { hasTraceCmd } from '../support/tracefs';
import { guestOption, timeShiftOption, traceIdOption, tsc2nsecOption } from '../support/datWithOptions';
import { kvmTscFile } from '../support/kvmTscDat';
import { openTraceSession } from '../../src/extension/workerBridge';
import { scratchDir } from '../support/scratch';

const tmp = scratchDir('kvm-spin-clocks-');
const reportOf = (file: string) => execFileSync('trace-cmd', ['report', '-t', '-N', file], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] }).toString('utf8');

// A 2.918 GHz TSC as perf reports it: ns = (cycles · mult) >> shift.
const TSC_HZ = 2_918_000_000;
const SHIFT = 31;
const MULT = Math.floor((2 ** SHIFT * 1e9) / TSC_HZ);

test('mul_u64_u32_shr: hand-computed values, and the split arithmetic equals the BigInt one', () => {
  // 2^32 cycles at mult 3, shift 1: (0·3 >> 1) + ((1·3) << 31) = 6442450944.
  assert.equal(tscToNs(1, 0, 3, 1), 6442450944);
  // lo only: (1000 · 7) >> 2 = 1750.
  assert.equal(tscToNs(0, 1000, 7, 2), 1750);
  // The clock: 11163479569636 cycles at 2.918 GHz ≈ 3825729804 ns (3.826 s).
  const cycles = 11163479569636n;
  assert.equal(tscToNs(Number(cycles >> 32n), Number(cycles & 0xffffffffn), MULT, SHIFT), Number((cycles * BigInt(MULT)) >> BigInt(SHIFT)));
  // u64 wrap-around: the high product shifted past 2^64 loses its top bits, as in C.
  assert.equal(tscToNsBig(0xffffffff_00000000n, 0x7fffffff, 0), (0xffffffffn * 0x7fffffffn * 2n ** 32n) % 2n ** 64n);
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 32 }), (ts, mult, shift) => {
      const got = tscToNs(Number(ts >> 32n), Number(ts & 0xffffffffn), mult, shift);
      assert.equal(got, Number(tscToNsBig(ts, mult, shift)));
    }),
    { numRuns: 2000 },
  );
});

test('TSC2NSEC: every timestamp converted exactly as trace-cmd report converts it; the clock is named', { skip: hasTraceCmd ? false : 'trace-cmd is not installed' }, async () => {
  // A TSC past 2^53 (six weeks of uptime): a double could not even hold the count.
  const base = 2n ** 53n + 12345n;
  const file = join(tmp, 'tsc2nsec.dat');
  writeFileSync(file, kvmTscFile(base, [tsc2nsecOption(MULT, SHIFT, 987654321n)]));
  const report = reportOf(file);
  // trace-cmd's own conversion of the first PAUSE exit: (base + 29180) · mult >> shift.
  const firstExitNs = ((base + 29_180n) * BigInt(MULT)) >> BigInt(SHIFT);
  const secs = `${firstExitNs / 1_000_000_000n}.${String(firstExitNs % 1_000_000_000n).padStart(9, '0')}`;
  assert.match(report, new RegExp(`\\[000\\]\\s+${secs.replace('.', '\\.')}: kvm_exit: +vcpu 0 reason PAUSE_INSTRUCTION`));
  const expected = importTraceText(report).store;
  const { store } = await importTraceDat(file);
  assert.deepEqual(diffStores(expected, store), []);
  assert.deepEqual(store.clock, { name: 'x86-tsc', unit: 'ns' });
  assert.deepEqual(store.origin.tsc2nsec, { mult: MULT, shift: SHIFT, offset: 987654321n });
  const exits = [...Array(store.length).keys()].filter((i) => store.kind[i] === EventKind.KvmExit && store.tid[i] === 17241);
  assert.equal(store.ts[exits[0]], Number(firstExitNs));
  // The same file as v6 (trace-cmd convert keeps TSC2NSEC; the clock follows the CPU table).
  const v6 = join(tmp, 'tsc2nsec-v6.dat');
  execFileSync('trace-cmd', ['convert', '-i', file, '-o', v6, '--file-version', '6', '--compression', 'none'], { stdio: 'ignore' });
  const old = await importTraceDat(v6);
  assert.deepEqual(diffStores(expected, old.store), []);
  assert.deepEqual(old.store.clock, { name: 'x86-tsc', unit: 'ns' });
  assert.deepEqual(old.store.origin.tsc2nsec, { mult: MULT, shift: SHIFT, offset: 987654321n });
});

test('TSC2NSEC: the span of the analysis is in ns (the raw counts are ×2.918 longer)', async () => {
  const base = 11163479569636n;
  const raw = join(tmp, 'tsc-raw.dat');
  const converted = join(tmp, 'tsc-converted.dat');
  writeFileSync(raw, kvmTscFile(base, []));
  writeFileSync(converted, kvmTscFile(base, [tsc2nsecOption(MULT, SHIFT, 0n)]));
  const before = await analyzeTraceFile(raw);
  const after = await analyzeTraceFile(converted);
  assert.deepEqual(before.clock, { name: 'x86-tsc', unit: 'cycles' });
  assert.deepEqual(after.clock, { name: 'x86-tsc', unit: 'ns' });
  const { store: rawStore } = await importTraceDat(raw);
  const { store: nsStore } = await importTraceDat(converted);
  const toNs = (cycles: number) => Number((BigInt(cycles) * BigInt(MULT)) >> BigInt(SHIFT));
  for (let i = 0; i < rawStore.length; i++) assert.equal(nsStore.ts[i], toNs(rawStore.ts[i]));
  // The kvm records' own span: 58,360,001 cycles, 20.0 ms at 2.918 GHz.
  const kvmSpan = (s: typeof rawStore) => {
    const kvm = [...Array(s.length).keys()].filter((i) => s.tid[i] === 17241 || s.tid[i] === 17242).map((i) => s.ts[i]);
    return Math.max(...kvm) - Math.min(...kvm);
  };
  assert.equal(kvmSpan(rawStore), 58_360_001);
  assert.equal(kvmSpan(nsStore), toNs(Number(base) + 58_360_001) - toNs(Number(base)));
  // A counter frequency converts a raw file the way --ts2secs does; a converted file ignores it.
  const byHz = await analyzeTraceFile(raw, { clockHz: TSC_HZ });
  assert.deepEqual(byHz.clock, { name: 'x86-tsc', unit: 'ns' });
  const ignored = await analyzeTraceFile(converted, { clockHz: TSC_HZ });
  assert.ok(ignored.analysis.warnings.some((w) => /counter frequency 2918000000 Hz was not used.*TSC2NSEC/.test(w)));
});

test('every clock trace-cmd writes is read and named, with its unit', async () => {
  for (const [clock, unit] of [['local', 'ns'], ['global', 'ns'], ['mono', 'ns'], ['mono_raw', 'ns'], ['boot', 'ns'], ['perf', 'ns'], ['tai', 'ns'], ['counter', 'cycles'], ['uptime', 'cycles'], ['x86-tsc', 'cycles']] as const) {
    const file = join(tmp, `clock-${clock}.dat`);
    writeFileSync(file, kvmTscFile(1_000_000n, [], clock));
    const { store } = await importTraceDat(file);
    assert.deepEqual(store.clock, { name: clock, unit }, clock);
  }
});

test('GUEST and TRACEID in a host file, TRACEID and TIME_SHIFT in a guest file: read exactly', async () => {
  const host = join(tmp, 'host.dat');
  writeFileSync(
    host,
    kvmTscFile(1_000_000n, [traceIdOption(0x1122334455667788n), guestOption('', 0xabcdef0123456789n, [{ vcpu: 1, hostTid: 17242 }, { vcpu: 0, hostTid: 17241 }]), guestOption('vm2', 0x42n, [{ vcpu: 0, hostTid: 999 }])]),
  );
  const { store } = await importTraceDat(host);
  assert.equal(store.origin.traceId, '0x1122334455667788');
  assert.deepEqual(store.origin.guests, [
    { traceId: '0xABCDEF0123456789', name: '', vcpus: [{ vcpu: 0, hostTid: 17241 }, { vcpu: 1, hostTid: 17242 }] },
    { traceId: '0x42', name: 'vm2', vcpus: [{ vcpu: 0, hostTid: 999 }] },
  ]);
  const guest = join(tmp, 'guest.dat');
  const samples = [
    [{ time: 100n, offset: -50n, scaling: 1n, fraction: 0n }, { time: 200n, offset: -40n, scaling: 1n, fraction: 0n }],
    [{ time: 10n, offset: 5n, scaling: 3n, fraction: 1n }],
  ];
  writeFileSync(guest, kvmTscFile(1_000_000n, [traceIdOption(0xabcdef0123456789n), timeShiftOption(0x1122334455667788n, 1, samples)]));
  const g = await importTraceDat(guest);
  assert.equal(g.store.origin.traceId, '0xABCDEF0123456789');
  assert.deepEqual(g.store.origin.timeShift, { peerTraceId: '0x1122334455667788', flags: 1, cpus: samples });
  assert.deepEqual(g.store.origin.guests, []);
});

test('guestToHostNs: trace-cmd timestamp_host_sync on hand-computed values', () => {
  const shift: TimeShift = {
    peerTraceId: '0x1',
    flags: 1, // interpolate
    cpus: [
      [
        { time: 100n, offset: -50n, scaling: 1n, fraction: 0n },
        { time: 200n, offset: -40n, scaling: 1n, fraction: 0n },
        { time: 300n, offset: 0n, scaling: 1n, fraction: 0n },
      ],
      [{ time: 10n, offset: 5n, scaling: 3n, fraction: 1n }],
      [
        { time: 0n, offset: 1000n, scaling: 3n, fraction: 1n },
        { time: 1000n, offset: 2000n, scaling: 3n, fraction: 1n },
      ],
    ],
  };
  // CPU 0, between the first two samples: offset −50 + ((150−100)·10 + 50) / 100 = −50 + 5 = −45.
  assert.equal(guestToHostNs(shift, 0, 150n), 105n);
  // Exactly on a sample: that sample and the next; 200 → −40 + (0 + 50) / 100 = −40 → 160.
  assert.equal(guestToHostNs(shift, 0, 200n), 160n);
  // Past the last sample: the last two extrapolated; 400 → −40 + ((400−200)·40 + 50) / 100 = −40 + 80 = 40 → 440.
  assert.equal(guestToHostNs(shift, 0, 400n), 440n);
  // Before the first: 50 → −50 + ((50−100)·10 + 50) / 100 = −50 + (−450 / 100 → −4) = −54 → −4 wraps as u64.
  assert.equal(guestToHostNs(shift, 0, 50n), 2n ** 64n - 4n);
  // One sample: ts + offset, no scaling (as trace-cmd).
  assert.equal(guestToHostNs(shift, 1, 1000n), 1005n);
  // Two samples with scaling 3 and 1 fraction bit: (500·3) >> 1 = 750, offset 1000 + (500·1000 + 500) / 1000 = 1500 → 2250.
  assert.equal(guestToHostNs(shift, 2, 500n), 2250n);
  // A CPU the option does not cover keeps its time; TSC2NSEC then converts.
  assert.equal(guestToHostNs(shift, 7, 1234n), 1234n);
  assert.equal(guestToHostNs(shift, 1, 1000n, { mult: 3, shift: 1, offset: 0n }), (1005n * 3n) >> 1n);
  // Without the interpolate flag the first sample's offset applies as it is.
  assert.equal(guestToHostNs({ ...shift, flags: 0 }, 0, 150n), 100n);
});

test('text: trace-cmd report of an x86-tsc file without TSC2NSEC (raw counts run into the CPU column) reads exactly', { skip: hasTraceCmd ? false : 'trace-cmd is not installed' }, async () => {
  const file = join(tmp, 'tsc-raw-for-report.dat');
  writeFileSync(file, kvmTscFile(11163479569636n, []));
  const report = reportOf(file);
  assert.match(report, /^\s+<\.\.\.>-17241 \[000\]11163479598816: kvm_exit: +vcpu 0 reason PAUSE_INSTRUCTION/m);
  const text = importTraceText(report);
  const { store } = await importTraceDat(file);
  assert.deepEqual(diffStores(text.store, store), []);
  assert.deepEqual(text.store.clock, { name: null, unit: 'cycles' });
  assert.equal(text.stats.malformedLines, 0);
});

test("text: the issue's raw-counter lines are read, counts exact; a counter frequency gives ns", () => {
  const lines = [
    'cpus=32',
    ' qemu-system-x86-17241 [019]11163479569636: kvm_exit: reason PAUSE_INSTRUCTION rip 0xffffffff81b860c7 info 0 0',
    ' qemu-system-x86-17241 [019]11163479598816: kvm_entry: vcpu 0 rip 0xffffffff81b860c7',
    ' qemu-system-x86-17241 [019]11163482487636: kvm_exit: reason PAUSE_INSTRUCTION rip 0xffffffff81b860c7 info 0 0',
    '          <idle>-0     [003]   987654321: sched_switch: swapper/3:0 [120] R ==> CPU 1/KVM:17242 [120]',
  ].join('\n');
  const cycles = analyzeTraceText(lines);
  assert.equal(cycles.format, 'trace-cmd');
  assert.equal(cycles.analysis.totals.pleExits, 2);
  assert.deepEqual(cycles.clock, { name: null, unit: 'cycles' });
  const { store } = importTraceText(lines);
  assert.deepEqual([...store.ts.subarray(0, store.length)], [11163479569636, 11163479598816, 11163482487636, 987654321]);
  const ns = importTraceText(lines, { clockHz: 2_918_000_000 }).store;
  assert.deepEqual(ns.clock, { name: null, unit: 'ns' });
  assert.deepEqual([...ns.ts.subarray(0, ns.length)], [11163479569636, 11163479598816, 11163482487636, 987654321].map((c) => Math.floor(c * (1e9 / 2_918_000_000))));
  // A frequency for a trace already in seconds is not used, and said so.
  const decimal = importTraceText(' CPU 0/KVM-5001 [000] 100.000001: kvm_exit: vcpu 0 reason HLT rip 0x0 info 0 0', { clockHz: 1e9 });
  assert.deepEqual(decimal.store.clock, { name: null, unit: 'ns' });
  assert.match(decimal.stats.warnings[0], /counter frequency 1000000000 Hz was not used/);
  for (const bad of [0, -1, NaN, Infinity]) assert.throws(() => importTraceText(lines, { clockHz: bad }), (err: unknown) => err instanceof ClockHzError && new RegExp(`^the counter frequency \\(clockHz\\) must be a number of Hz above 0, got ${bad}$`).test(err.message));
});

test('the CLI summary names the clock and its unit; --json has clock, trace ids and guests', async () => {
  const cli = (...args: string[]) => cliInProcess(args);
  const converted = join(tmp, 'cli-tsc2nsec.dat');
  writeFileSync(converted, kvmTscFile(11163479569636n, [tsc2nsecOption(MULT, SHIFT, 0n), traceIdOption(0x77n), guestOption('', 0x99n, [{ vcpu: 0, hostTid: 17241 }])]));
  const summary = await cli('analyze', converted);
  assert.equal(summary.status, 0, summary.stderr);
  assert.match(summary.stdout.split('\n')[0], /, clock x86-tsc \(ns via TSC2NSEC\)$/);
  assert.match(summary.stdout, /^ {2}guest 0x99: 1 vCPU\(s\), host threads 17241$/m);
  const json = JSON.parse((await cli('analyze', converted, '--json')).stdout);
  assert.deepEqual(json.clock, { name: 'x86-tsc', unit: 'ns' });
  assert.equal(json.traceId, '0x77');
  assert.equal(json.hostTraceId, null);
  assert.deepEqual(json.guests, [{ traceId: '0x99', name: '', vcpus: [{ vcpu: 0, hostTid: 17241 }], events: null, firstNs: null, lastNs: null }]);
  const text = join(tmp, 'raw-counts.txt');
  writeFileSync(text, ' qemu-system-x86-17241 [019]11163479569636: kvm_exit: reason PAUSE_INSTRUCTION rip 0xffffffff81b860c7 info 0 0\n qemu-system-x86-17241 [019]11163479669636: kvm_exit: reason PAUSE_INSTRUCTION rip 0xffffffff81b860c7 info 0 0\n');
  const raw = await cli('analyze', text);
  assert.equal(raw.status, 0, raw.stderr);
  assert.match(raw.stdout.split('\n')[0], /, 100000 cycles, clock not in the trace \(raw counter values, cycles: give the counter frequency with --clock-hz for ns\)$/);
  assert.deepEqual(JSON.parse((await cli('analyze', text, '--json')).stdout).clock, { name: null, unit: 'cycles' });
  const guest = join(tmp, 'cli-guest.dat');
  writeFileSync(guest, kvmTscFile(11163479569636n, [traceIdOption(0x99n), timeShiftOption(0x77n, 1, [[{ time: 1n, offset: 2n, scaling: 1n, fraction: 0n }]])]));
  const g = await cli('analyze', guest);
  assert.match(g.stdout, /^ {2}guest trace 0x99 of host trace 0x77 \(TIME_SHIFT for 1 guest CPU\(s\)\)$/m);
  assert.equal(JSON.parse((await cli('analyze', guest, '--json')).stdout).hostTraceId, '0x77');
});

test('GUEST: VMs and vCPU numbers come from the file, keyed by trace id, and the heuristic warning goes away', async () => {
  const plain = join(tmp, 'host-no-guest.dat');
  writeFileSync(plain, kvmTscFile(1_000_000n, []));
  const before = await analyzeTraceFile(plain);
  assert.ok(before.analysis.warnings.some((w) => /VMs were told apart by vCPU numbers/.test(w)));
  const host = join(tmp, 'host-guests.dat');
  // The file's numbering wins over the events' (17241 runs vcpu_id 0 in its events).
  writeFileSync(host, kvmTscFile(1_000_000n, [guestOption('', 0xabcn, [{ vcpu: 0, hostTid: 17242 }, { vcpu: 1, hostTid: 17241 }]), guestOption('vm2', 0x42n, [{ vcpu: 0, hostTid: 999 }])]));
  const after = await analyzeTraceFile(host);
  assert.deepEqual(
    after.analysis.vms.map((vm) => ({ id: vm.id, name: vm.name, vcpus: vm.vcpus.map((v) => [v.vcpu, v.tid]) })),
    [
      { id: 'guest-0xABC', name: 'guest 0xABC', vcpus: [[0, 17242], [1, 17241]] },
      { id: 'guest-0x42', name: 'vm2', vcpus: [[0, 999]] },
    ],
  );
  assert.ok(!after.analysis.warnings.some((w) => /told apart|numbered in thread-id order/.test(w)), after.analysis.warnings.join('\n'));
  assert.equal(after.analysis.totals.pleExits, 2);
});

test('the extension setting kvmSpin.clockHz reaches the session worker; the dashboard model carries the clock', async () => {
  const setting = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).contributes.configuration.properties['kvmSpin.clockHz'];
  assert.deepEqual([setting.type, setting.default, setting.exclusiveMinimum], [['number', 'null'], null, 0]);
  const file = join(tmp, 'session-raw.txt');
  writeFileSync(file, ' qemu-system-x86-17241 [019]11163479569636: kvm_exit: reason PAUSE_INSTRUCTION rip 0x0 info 0 0\n qemu-system-x86-17241 [019]11163479669636: kvm_exit: reason PAUSE_INSTRUCTION rip 0x0 info 0 0\n');
  const worker = join(ROOT, 'dist', 'sessionWorker.js');
  for (const [clockHz, unit, startNs] of [[undefined, 'cycles', 11163479569636], [2e9, 'ns', Math.floor(11163479569636 * 0.5)]] as const) {
    const session = openTraceSession(worker, file, () => {}, { clockHz });
    try {
      const { model } = await session.opened;
      assert.deepEqual(model.clock, { name: null, unit });
      assert.equal(model.traceStartNs, startNs);
    } finally {
      session.dispose();
    }
  }
});

test('raw counter text read on worker threads equals one thread, also when the timestamp kind changes mid-file', async () => {
  const rawLine = (i: number) => ` qemu-system-x86-17241 [019]${11163479569636 + i * 2918}: kvm_exit: reason PAUSE_INSTRUCTION rip 0xffffffff81b860c7 info 0 0`;
  const decimalLine = (i: number) => ` CPU 0/KVM-5001 [001] ${(100 + i / 1e6).toFixed(6)}: kvm_exit: vcpu 0 reason HLT rip 0x0 info 0 0`;
  const lines = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
  for (const [name, text] of [
    ['raw', lines(3000, rawLine).join('\n')],
    ['mixed', [...lines(1500, rawLine), ...lines(1500, decimalLine)].join('\n')],
  ] as const) {
    const file = join(tmp, `${name}.txt`);
    writeFileSync(file, text + '\n');
    for (const clockHz of [undefined, 2_918_000_000]) {
      const serial = await importTraceFile(file, { clockHz });
      const parallel = await importTraceFileParallel(file, { threads: 3, minBytes: 0, clockHz });
      assert.deepEqual(parallel.store.clock, serial.store.clock, `${name} ${clockHz}`);
      assert.deepEqual([...parallel.store.ts.subarray(0, parallel.store.length)], [...serial.store.ts.subarray(0, serial.store.length)], `${name} ${clockHz}`);
      assert.deepEqual(parallel.stats, serial.stats, `${name} ${clockHz}`);
    }
  }
  // One thread: the first line decides; lines with the other kind of timestamp are not events.
  const mixed = await importTraceFile(join(tmp, 'mixed.txt'));
  assert.deepEqual([mixed.store.length, mixed.stats.malformedLines, mixed.stats.firstMalformedLines[0], mixed.store.clock.unit], [1500, 1500, 1501, 'cycles']);
});

test('property: a raw counter glued to or spaced from the CPU column reads as that count', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 999 }), fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }), fc.boolean(), (cpu, count, spaced) => {
      const column = `[${String(cpu).padStart(3, '0')}]`;
      const ts = spaced ? ` ${String(count).padStart(12)}` : String(count).padStart(12);
      const line = ` qemu-system-x86-17241 ${column}${ts}: kvm_exit: reason PAUSE_INSTRUCTION rip 0x0 info 0 0`;
      const { store } = importTraceText(line);
      assert.deepEqual([store.length, store.ts[0], store.cpu[0], store.tid[0], store.clock.unit], [1, Number(count), cpu, 17241, 'cycles']);
    }),
    { numRuns: 500 },
  );
});

test('text: trace-cmd 3.3+ prints the flags column, then the raw counter right after it', () => {
  const text = [
    '          CPU 0/KVM-17241 [019] d..2.11163479569636: kvm_exit: reason PAUSE_INSTRUCTION rip 0x0 info 0 0',
    '          CPU 0/KVM-17241 [019] dNh1.11163479598816: kvm_entry: vcpu 0 rip 0x0',
    '          CPU 0/KVM-17241 [019] d..2.  987654321098: kvm_exit: reason HLT rip 0x0 info 0 0',
  ].join('\n');
  const { store, stats } = importTraceText(text);
  assert.equal(stats.malformedLines, 0);
  assert.deepEqual([...store.ts.subarray(0, store.length)], [11163479569636, 11163479598816, 987654321098]);
  assert.deepEqual(store.clock, { name: null, unit: 'cycles' });
});

test('GUEST naming some vCPU threads: the others are found from their events, and the warning says which', async () => {
  const host = join(tmp, 'host-some-guests.dat');
  writeFileSync(host, kvmTscFile(1_000_000n, [guestOption('g', 0x99n, [{ vcpu: 0, hostTid: 17241 }])]));
  const { analysis } = await analyzeTraceFile(host);
  assert.deepEqual(analysis.vms.map((vm) => [vm.id, vm.vcpus.map((v) => [v.vcpu, v.tid])]), [['guest-0x99', [[0, 17241]]], ['vm1', [[1, 17242]]]]);
  assert.ok(analysis.warnings.some((w) => w.startsWith('1 vCPU thread(s) are in no GUEST option of the trace: the trace has no thread-group ids')), analysis.warnings.join('\n'));
});

test('DATE and OFFSET options are named in a warning: the times stay the trace clock\'s', async () => {
  const file = join(tmp, 'date.dat');
  writeFileSync(file, kvmTscFile(1_000_000n, [{ id: 1, data: Buffer.from('0x5f5e100\0', 'latin1') }, { id: 7, data: Buffer.from('-1000\0', 'latin1') }], 'local'));
  const { stats, store } = await importTraceDat(file);
  assert.deepEqual(stats.warnings, [
    "trace.dat: the DATE option (0x5f5e100) is not added to the times: they are the trace clock's, where trace-cmd report shows them shifted",
    "trace.dat: the OFFSET option (-1000) is not added to the times: they are the trace clock's, where trace-cmd report shows them shifted",
  ]);
  assert.deepEqual(store.clock, { name: 'local', unit: 'ns' });
});

test('damaged origin options: skipped with a warning naming them; an undefined TSC2NSEC is refused in one line', async () => {
  const read = (o: { id: number; data: Buffer }) => {
    const origin = emptyOrigin();
    return { warning: readOriginOption(o.id, o.data, true, origin), origin };
  };
  assert.equal(read({ id: 13, data: guestOption('vm', 0x5n, [{ vcpu: 0, hostTid: 10 }]).data.subarray(0, 10) }).warning, 'trace.dat: GUEST option "vm" is truncated (no trace id or vCPU count) and was skipped');
  assert.equal(read(guestOption('vm', 0x5n, [{ vcpu: 3, hostTid: 10 }])).warning, 'trace.dat: GUEST option "vm" (0x5) names vCPU 3 of 1; skipped');
  assert.equal(read(guestOption('vm', 0x5n, [{ vcpu: 0, hostTid: -1 }])).warning, 'trace.dat: GUEST option "vm" (0x5) gives vCPU 0 host thread -1; skipped');
  // A vCPU named twice keeps its last thread (trace-cmd's cpu_pid[cpu] = pid).
  assert.deepEqual(read(guestOption('', 0x5n, [{ vcpu: 1, hostTid: 10 }, { vcpu: 1, hostTid: 11 }])).origin.guests[0].vcpus, [{ vcpu: 1, hostTid: 11 }]);
  const shift = timeShiftOption(0x1n, 0, [[{ time: 1n, offset: 2n, scaling: 1n, fraction: 0n }]]);
  assert.equal(read({ id: 12, data: shift.data.subarray(0, shift.data.length - 12) }).warning, `trace.dat: TIME_SHIFT option is truncated (${shift.data.length - 12} bytes) and was skipped`);
  assert.equal(read(timeShiftOption(0x1n, 0, [[{ time: 1n, offset: 2n, scaling: 1n, fraction: 64n }]])).warning, 'trace.dat: TIME_SHIFT option has 64 fraction bits (expected 0 to 63) and was skipped');
  assert.equal(read({ id: 14, data: Buffer.alloc(8) }).warning, 'trace.dat: TSC2NSEC option of 8 bytes (expected 16) skipped: timestamps stay raw counter values');
  // Samples are sorted by time and equal times dropped, as trace-cmd loads them.
  const unsorted = read(timeShiftOption(0x1n, 0, [[{ time: 9n, offset: 1n, scaling: 1n, fraction: 0n }, { time: 3n, offset: 2n, scaling: 1n, fraction: 0n }, { time: 9n, offset: 3n, scaling: 1n, fraction: 0n }]]));
  assert.deepEqual(unsorted.origin.timeShift!.cpus[0].map((s) => [s.time, s.offset]), [[3n, 2n], [9n, 1n]]);
  const file = join(tmp, 'bad-shift.dat');
  writeFileSync(file, kvmTscFile(1_000_000n, [tsc2nsecOption(MULT, 40, 0n)]));
  const r = await cliInProcess(['analyze', file]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `kvm-spin: trace.dat: TSC2NSEC multiplier ${MULT} / shift 40 out of range (expected a positive multiplier and a shift of 0 to 32)\n`);
});
