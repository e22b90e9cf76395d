// The importer's WebAssembly fast path against the JavaScript line reader alone: on every text
// fixture, a generated report, and random lines near the fast shape (each cut into random
// chunks, two importers taking turns on the thread's one instance), the store, its strings and
// threads, the stats, the format evidence and any refusal must be exactly the same.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { TextTraceImporter, type ImportOptions } from '../../src/core/trace/textImporter';
import { fastLines } from '../../src/core/trace/fastLines';
import { generateReport } from '../../bench/reportGenerator';
import { fixture } from '../support/paths';

type Outcome = { ok: true; snapshot: unknown } | { ok: false; error: string };

function snapshot(importer: TextTraceImporter): unknown {
  const part = importer.finishPart();
  const s = part.store;
  const column = (c: ArrayLike<number>) => Array.from({ length: s.length }, (_, i) => c[i]);
  return {
    columns: { ts: column(s.ts), cpu: column(s.cpu), tid: column(s.tid), kind: column(s.kind), a: column(s.a), b: column(s.b), c: column(s.c), x: column(s.x), y: column(s.y), line: column(s.line) },
    strings: s.strings.strings,
    threads: [...s.threads.values()].map((t) => ({ ...t })),
    otherEvents: [...s.otherEvents],
    lost: s.lost,
    order: [s.outOfOrder, s.firstOutOfOrderLine],
    stats: part.stats,
    evidence: part.evidence,
    rawTimestamps: part.rawTimestamps,
  };
}

/** Feeds each input's chunks to its importer, taking turns chunk by chunk (the fast path is one instance per thread). */
function importInTurns(inputs: { chunks: Buffer[]; options: ImportOptions }[]): Outcome[] {
  const importers = inputs.map(({ chunks, options }) => ({ chunks, importer: new TextTraceImporter(options), error: null as string | null }));
  for (let k = 0; importers.some((e) => k < e.chunks.length); k++) {
    for (const entry of importers) {
      if (entry.error !== null || k >= entry.chunks.length) continue;
      try {
        entry.importer.push(entry.chunks[k]);
      } catch (err) {
        entry.error = (err as Error).message;
      }
    }
  }
  return importers.map(({ importer, error }) => (error !== null ? { ok: false, error } : { ok: true, snapshot: snapshot(importer) }));
}

function cut(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((p, q) => p - q);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const to of [...at, bytes.length]) {
    if (to > from) chunks.push(bytes.subarray(from, to));
    from = Math.max(from, to);
  }
  return chunks;
}

/** The lines of a text in reverse order: another trace with the same names in other places. */
const reversed = (bytes: Buffer) => Buffer.from(bytes.toString('latin1').split('\n').reverse().join('\n'), 'latin1');

/**
 * The fast path on and off: the same outcome. A second fast importer of the same lines in
 * reverse takes turns with the first, so each finds the shared instance holding the other's
 * names and string ids.
 */
function assertSame(bytes: Buffer, cuts: number[] = [], options: ImportOptions = {}): void {
  const other = reversed(bytes);
  const [fast, fastOther, plain, plainOther] = importInTurns([
    { chunks: cut(bytes, cuts), options },
    { chunks: cut(other, cuts), options },
    { chunks: cut(bytes, cuts), options: { ...options, fastPath: false } },
    { chunks: cut(other, cuts), options: { ...options, fastPath: false } },
  ]);
  assert.deepEqual(fast, plain);
  assert.deepEqual(fastOther, plainOther);
}

const TEXT_FIXTURES = readdirSync(fixture('.')).filter((f) => /\.(txt|report|ftrace|trace)$/.test(f));

test('every text fixture and the bundled sample: the same store, stats and evidence with the fast path', () => {
  assert.ok(TEXT_FIXTURES.length >= 5);
  for (const name of TEXT_FIXTURES) assertSame(readFileSync(fixture(name)));
  assertSame(readFileSync(join(__dirname, '..', '..', '..', 'samples', 'oversubscribed-4vm.report')), [0.3, 0.31, 0.7]);
});

test('a generated 3 MB report, cut into uneven chunks: the same, and nearly every line read by the fast path', () => {
  let text = '';
  generateReport({ targetBytes: 3 << 20, seed: 4 }, (t) => (text += t));
  const bytes = Buffer.from(text, 'latin1');
  assertSame(bytes, [0.1, 0.1000001, 0.5, 0.77]);
  const before = fastLines().rowsRead;
  const importer = new TextTraceImporter();
  importer.push(bytes);
  const stored = importer.finishPart().stats.storedEvents;
  const share = (fastLines().rowsRead - before) / stored;
  assert.ok(share > 0.9 && share < 1, `the fast path read ${(100 * share).toFixed(1)} % of the stored rows`);
});

// Lines near the fast shape: each field is usually in the fast shape (the first choices), and
// sometimes one of the ways a line leaves it.
const usually = <T>(common: T[], rare: T[]) => fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...common) }, { weight: 1, arbitrary: fc.constantFrom(...rare) });
const COMMS = ['CPU 0/KVM', 'CPU 1/KVM', 'qemu-system-x86', 'kworker/u8:2-events', 'x'];
const ODD_COMMS = ['a:b', 'fc_vcpu 0', '<...>', 'vcpu-\u00e9', 'CPU\t2/KVM', ' ', 'n [1] m', 'kworker/0:1', 'inst:  CPU 0/KVM       '];
const EVENTS = [
  'kvm_exit: reason PAUSE_INSTRUCTION rip 0xffffffff81000000 info 0 0',
  'kvm_exit: vcpu 3 reason HLT rip 0x0 info1 0x0 info2 0x0',
  'kvm_exit: vcpu 1 reason EXTERNAL_INTERRUPT rip 0xffffffff81000000 info 0 0',
  'kvm_entry: vcpu 2, rip 0xffffffff81000000',
  'kvm_entry: vcpu 2',
  'kvm_ple_window_update: vcpu 1 old 4096 new 8192 (growed)',
  'kvm_ple_window_update: vcpu 1 old 8192 new 4096 (shrinked)',
  'kvm_ple_window_update: vcpu 1 old 4096 new 4096',
  'kvm_ple_window_update: vcpu 0 old 4096 new 8192',
  'kvm_apic_ipi: dst 7 vec 251 (Fixed|physical|assert|edge|dst)',
  'kvm_apic_ipi: dst 0x1f vec 252 (Fixed|physical|assert|edge|all-but-self)',
  'kvm_apic_ipi: dst 3 vec 251 (Fixed|all)',
  'kvm_apic_ipi: dst 3 vec 251 (Fixed|self)',
  'kvm_apic_ipi: dst 3 vec 251',
  'kvm_apic_accept_irq: apicid 7 vec 251 (Fixed|edge)',
  'kvm_apic_accept_irq: apicid 0x1A vec 251 (Fixed|edge)',
  'sched_switch: CPU 0/KVM:3004 [120] R ==> CPU 1/KVM:3005 [120]',
  'sched_switch: CPU 0/KVM:3004 [120] R+ ==> x:1 [120]',
  'sched_switch: x:1 [120] S ==> CPU 0/KVM:3004 [120]',
  'sched_switch: prev_comm=CPU 0/KVM prev_pid=3004 prev_prio=120 prev_state=R+ ==> next_comm=CPU 1/KVM next_pid=3005 next_prio=120',
  'sched_switch: prev_comm=x prev_pid=1 prev_prio=120 prev_state=D ==> next_comm=CPU 0/KVM next_pid=3004 next_prio=120',
  'sched_wakeup: CPU 1/KVM:3005 [120] CPU:002',
  'sched_wakeup: CPU 1/KVM:3005 [120] success=1 CPU:002',
  'sched_waking: comm=CPU 0/KVM pid=3004 prio=120 target_cpu=003',
  'sched_wakeup: comm=x pid=1 prio=120 success=1 target_cpu=000',
  'sched_wakeup_new: CPU 0/KVM:3004 [120] CPU:001',
  'sched_waking: comm=CPU 1/KVM pid=3005 prio=120',
  'sched_switch: CPU 0/KVM:3004 [120] I ==> CPU 1/KVM:3005 [120]',
  'sched_switch: prev_comm=CPU 0/KVM prev_pid=3004 prev_prio=120 prev_state=T ==> next_comm=x next_pid=1 next_prio=120',
];
const ODD_EVENTS = [
  'kvm_exit: vcpu 0x3 reason HLT rip 0x0',
  'kvm_exit: vcpu -1 reason HLT',
  'kvm_exit: vcpu 99999999999 reason EPT_VIOLATION',
  'kvm_exit: reason ',
  'kvm_exit: reason\tMSR_WRITE rip 0',
  'kvm_exit: vcpu 1 reason EXTERNAL_INTERRUPT\trip 0',
  'kvm_exit: reason A_REASON_NAME_LONGER_THAN_FORTY_EIGHT_BYTES_OF_THE_TABLE rip 0',
  'kvm_entry: vcpu',
  'kvm_entry: vcpu 12345678901234567',
  'kvm_ple_window_update: vcpu 1 old -5 new 4096',
  'kvm_ple_window_update: vcpu 1 new 4096',
  'kvm_ple_window_update: vcpu 1 (grow) old 8192 new 4096 (shrinked)',
  'kvm_apic_ipi: dst ffffffff vec 251 (Fixed|self)',
  'kvm_apic_ipi: dst 3 vec 4294967295 (Fixed|all)',
  'kvm_apic_accept_irq: apicid -1 vec 251',
  'kvm:kvm_entry: vcpu 1',
  'kvm_ple_window: vcpu 1: ple_window 8192 (grow 4096)',
  'sched_switch: CPU 3/KVM:3004 [120] R ==> CPU 3/KVM:3104 [120]',
  'sched_switch: prev_comm=CPU 0/KVM prev_pid=3004 prev_prio=120 prev_state=R ==> next_comm=x next_pid=3104 next_prio=120',
  'sched_switch: renamed:3004 [120] R ==> CPU 1/KVM:3005 [120]',
  'sched_switch: CPU 0/KVM:3004 [120] R ==> <...>:3005 [120]',
  'sched_switch: CPU 0/KVM:3004 [120] R ==> CPU 1/KVM:-3 [120]',
  'sched_switch: CPU 0/KVM:3004 [120] R ==> CPU 1/KVM:4194304 [120]',
  'sched_switch: CPU 0/KVM:3004 [120] ==> CPU 1/KVM:3005 [120]',
  'sched_switch: CPU 0/KVM:3004 [120] R ==> CPU 1/KVM:3005 [120]  ',
  'sched_switch: CPU 0/KVM:3004 [120] R ==> CPU 1/KVM:0x3005 [120]',
  'sched_switch: prev_comm=CPU 0/KVM prev_pid=3004 prev_prio=120 prev_state= ==> next_comm=CPU 1/KVM next_pid=3005 next_prio=120',
  'sched_switch: prev_comm=CPU 0/KVM prev_pid=3004 prev_prio=120 ==> next_comm=CPU 1/KVM next_pid=3005',
  'sched_switch: prev_comm=a prev_pid=5 prev_pid=3004 prev_prio=120 prev_state=S ==> next_comm=CPU 1/KVM next_pid=3005 next_prio=120',
  'sched_switch: CPU 0/KVM:3004 [120] R',
  'sched_switch: prev_comm=CPU 0/KVM prev_pid=3004 prev_prio=120 prev_state=S ==> next_comm=CPU 1/KVM',
  'sched_switch: CPU 0/KVM:3004 [120] R ==> CPU 1/KVM:3005 [120]\t',
  'sched_switch: CPU 0/KVM:3004x [120] R ==> CPU 1/KVM:3005 [120]',
  'sched_wakeup: CPU 2/KVM:3003 [120] CPU:002',
  'sched_wakeup: CPU 1/KVM:3005 [120] CPU:-1',
  'sched_wakeup: CPU 1/KVM:3005 [120] CPU:002x',
  'sched_wakeup: CPU 1/KVM:3005 [120] success=x CPU:002',
  'sched_wakeup: CPU 1/KVM:3005 [120] success=-1',
  'sched_wakeup: CPU 1/KVM:3005 [120]',
  'sched_wakeup: CPU 1/KVM:3005 [120] CPU:99999999999',
  'sched_waking: comm=CPU 0/KVM pid=3004 prio=120 target_cpu=-1',
  'sched_waking: comm=CPU 0/KVM pid=3004 prio=120 target_cpu=0x3',
  'sched_waking: comm=renamed pid=3004 prio=120 target_cpu=003',
  'sched_waking: comm=CPU 0/KVM pid= prio=120 target_cpu=003',
  'sched_wakeup_new: comm=CPU 1/KVM pid=3005 prio=120 target_cpu=001',
  'sched_migrate_task: comm=x pid=1 prio=120 orig_cpu=0 dest_cpu=1',
  'irq_handler_entry: irq=11 name=eth0',
  'kvm_exit:',
];

/** Each field of a line: its values in the fast shape, then the ways out of it. */
const FIELDS = {
  indent: [['', ' ', '    '], ['\t']],
  comm: [COMMS, ODD_COMMS],
  pid: [['3004', '3005', '1', '0'], ['4194303', '4194304', '12345678', '']],
  tgid: [[''], [' (   99)', ' (-----)']],
  gap: [[' ', '  '], ['', '\t', ' \t']],
  cpu: [['003', '0', '4095'], ['4096', '123456', 'x', '']],
  flags: [['d..2.', 'dNh1.', '', '....'], ['d..2.1116', 'a:b', 'd..2.\t', '12345678']],
  ts: [['2400.000023', '2400.000024', '5012.000110', '1.5', '2399.999999999'], ['7', '123456789012', '2400.', '99999999999999999.1', '2400.0000239999']],
  event: [EVENTS, ODD_EVENTS],
  end: [[''], ['\r', ' ', '\t']],
} as const;
type Line = { [K in keyof typeof FIELDS]: string };
const render = (l: Line) => `${l.indent}${l.comm}-${l.pid}${l.tgid}${l.gap}[${l.cpu}] ${l.flags}${l.flags ? ' ' : ''}${l.ts}: ${l.event}${l.end}`;
const CANONICAL: Line = Object.fromEntries(Object.entries(FIELDS).map(([k, [common]]) => [k, common[0]])) as Line;

const line = fc.record(Object.fromEntries(Object.entries(FIELDS).map(([k, [common, rare]]) => [k, usually([...common], [...rare])])) as { [K in keyof Line]: fc.Arbitrary<string> }).map(render);
/** One of EVENTS per event name and rendering (kernel key=value or trace-cmd plugin). */
const ONE_OF_EACH_EVENT = [...new Map(EVENTS.map((e) => [`${e.slice(0, e.indexOf(':'))} ${e.includes('comm=')}`, e])).values()];

/** Lines that name the threads the sched payloads above name, as those payloads name them. */
const PRELUDE = [
  '   CPU 0/KVM-3004  [000] d..2.  2399.000001: kvm_entry: vcpu 0',
  '   CPU 1/KVM-3005  [001] d..2.  2399.000002: kvm_entry: vcpu 1',
  '           x-1     [002] d..2.  2399.000003: kvm_entry: vcpu 0',
].join('\n');

const otherLine = fc.constantFrom('', '# tracer: nop', 'cpus=8', 'CPU:2 [LOST 12 EVENTS]', 'version = 6', 'not a trace line at all', '  CPU 0/KVM-3001 [000]');

test('random lines near the fast shape, in random chunks: the same outcome as the line reader alone', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof({ weight: 8, arbitrary: line }, { weight: 1, arbitrary: otherLine }), { minLength: 1, maxLength: 60 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
      usually([1 << 20], [40, 90]),
      fc.boolean(),
      (lines, cuts, maxLineLength, trailingNewline) => {
        const text = `${PRELUDE}\n${lines.join('\n')}${trailingNewline ? '\n' : ''}`;
        assertSame(Buffer.from(text, 'utf8'), cuts, { maxLineLength, sniffLimit: 1 << 20 });
      },
    ),
    { numRuns: 400 },
  );
});

test('each way out of the fast shape, one field at a time, after a line that names the thread: the same outcome', () => {
  let cases = 0;
  for (const [field, [common, rare]] of Object.entries(FIELDS)) {
    for (const value of [...common, ...rare]) {
      for (const event of field === 'event' ? [CANONICAL.event] : ONE_OF_EACH_EVENT) {
        const odd = render({ ...CANONICAL, event, [field]: value });
        const text = `${PRELUDE}\n${render(CANONICAL)}\n${odd}\n${render({ ...CANONICAL, ts: '2400.000025' })}\n`;
        const bytes = Buffer.from(text, 'utf8');
        const oddBytes = Buffer.byteLength(odd.replace(/\r$/, ''));
        for (const maxLineLength of [1 << 20, oddBytes, oddBytes - 1]) assertSame(bytes, [], { maxLineLength });
        cases++;
      }
    }
  }
  assert.ok(cases > 300, `${cases} cases`);
});

test('a thread renamed by a line the fast path hands back: rows after it see the new name', () => {
  const text = [
    '   CPU 0/KVM-100   [000] d..2.   10.000001: kvm_entry: vcpu 0',
    '   CPU 0/KVM-100   [000] d..2.   10.000002: kvm_entry: vcpu 0',
    '   CPU 1/KVM-101   [001] d..2.   10.000003: sched_switch: renamed:100 [120] R ==> CPU 1/KVM:101 [120]',
    '   CPU 0/KVM-100   [000] d..2.   10.000004: kvm_entry: vcpu 0',
    '   CPU 0/KVM-100   [000] d..2.   10.000005: kvm_exit: reason HLT rip 0x0 info 0 0',
    '',
  ].join('\n');
  assertSame(Buffer.from(text));
  const importer = new TextTraceImporter();
  importer.push(Buffer.from(text));
  const { store } = importer.finish();
  assert.equal(store.threads.get(100)?.comm, 'CPU 0/KVM', 'the last line names it back');
  assert.equal(store.length, 5);
});

test('a payload that starts with a tab, a negative line limit, a push after finishPart: the same as the line reader (found in review)', () => {
  const named = '       CPU 0/KVM-3004  [000] d..2. 2400.000001: kvm_entry: vcpu 0\n';
  const at = (k: number, payload: string) => `       CPU 0/KVM-3004  [000] d..2. 2400.00000${k}: ${payload}\n`;
  // The line reader skips the tab to the payload; the fast path read from it (vcpu -1, an
  // out-of-range vcpu stored, a thread name with the tab kept).
  assertSame(Buffer.from(named + at(2, 'kvm_exit: vcpu 3 reason HLT rip 0') + at(3, 'kvm_exit: \tvcpu 3 reason HLT rip 0')));
  assertSame(Buffer.from(named + at(2, 'kvm_exit: reason HLT rip 0') + at(3, 'kvm_exit: \tvcpu 99999999999 reason HLT rip 0')));
  const tabName = named + at(2, 'sched_switch: prev_comm=CPU 0/KVM prev_pid=3004 prev_prio=120 prev_state=S ==> next_comm=\tx next_pid=1 next_prio=120');
  assertSame(Buffer.from(tabName + at(3, 'sched_switch: \tx:1 [120] S ==> CPU 0/KVM:3004 [120]')));
  assertSame(Buffer.from(tabName + at(3, 'sched_wakeup: \tx:1 [120] CPU:002')));
  // A negative limit: every line, empty ones included, is too long for the line reader.
  assertSame(Buffer.from(named + '\n\n' + at(2, 'kvm_entry: vcpu 0')), [], { maxLineLength: -1 });
  // Pushing to an importer after finishPart reads on as the line reader does.
  const later = (fastPath: boolean) => {
    const importer = new TextTraceImporter({ fastPath });
    importer.push(Buffer.from(named));
    importer.finishPart();
    importer.push(Buffer.from(at(2, 'kvm_entry: vcpu 0') + at(3, 'kvm_entry: vcpu 0')));
    return snapshot(importer);
  };
  assert.deepEqual(later(true), later(false));
});

test('a name from a payload that a line head would trim or cut: the head still renames the thread', () => {
  // sched_switch names threads from its payload as they are; a line head trims a leading tab
  // and drops an instance prefix, so the same bytes there mean another name.
  for (const [named, head] of [
    ['\tfoo', '\tfoo'],
    ['inst:        CPU 0/KVM', 'inst:        CPU 0/KVM'],
  ]) {
    const text = [
      '       other-101   [001] d..2.   10.000001: kvm_entry: vcpu 1',
      `       other-101   [001] d..2.   10.000002: sched_switch: prev_comm=other prev_pid=101 prev_prio=120 prev_state=S ==> next_comm=${named} next_pid=100 next_prio=120`,
      `${head}-100   [000] d..2.   10.000003: kvm_entry: vcpu 0`,
      `${head}-100   [000] d..2.   10.000004: kvm_entry: vcpu 0`,
      '',
    ].join('\n');
    const plain = new TextTraceImporter({ fastPath: false });
    plain.push(Buffer.from(text));
    assert.equal(plain.finishPart().store.threads.get(100)?.comm, head.trim().replace(/^inst: +/, ''), JSON.stringify(head));
    assertSame(Buffer.from(text));
  }
});

const hasClang = spawnSync('clang', ['--version']).status === 0 && spawnSync('wasm-ld', ['--version']).status === 0;

test('the WebAssembly module in the repo is what its C source builds to', { skip: !hasClang && 'needs Debian clang and lld (.ci/run installs them)' }, () => {
  const check = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd: join(__dirname, '..', '..', '..'), encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
});
