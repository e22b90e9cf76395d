// The event descriptors hold the layering: every kind has exactly one, the parallel merge
// remaps exactly the columns they declare as string ids, and each descriptor's writer and
// decoders agree — any row written in either text rendering (kernel TP_printk, trace-cmd
// plugin) reads back to the same row, and a trace.dat record of the recorded fixture's own
// formats (Linux 6.18) decodes to the row it was encoded from.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { EventKind, EventStore } from '../../src/core/trace/model';
import { importTraceText } from '../../src/core/trace/textImporter';
import { mergeParts, serializePart } from '../../src/core/trace/mergeParts';
import { emptyImportStats } from '../../src/core/trace/textImporter';
import { openTraceDat } from '../../src/core/trace/dat/datFile';
import type { EventFormat } from '../../src/core/trace/dat/eventFormat';
import { EVENT_DESCRIPTORS, STRING_COLUMN_MASK, descriptorOf } from '../../src/core/events/registry';
import type { Column, EventDescriptor } from '../../src/core/events/descriptor';
import { fieldReaders } from '../../src/core/events/binaryFields';
import { resetIdCheck } from '../../src/core/events/ids';
import { encodeEvent } from '../../src/core/trace/dat/recordWriter';
import { fixture } from '../support/paths';
import { join } from 'node:path';

const COLUMNS: Column[] = ['a', 'b', 'c', 'x', 'y'];

test('every EventKind has exactly one descriptor, and every descriptor a kind', () => {
  const kinds = Object.values(EventKind).sort((p, q) => p - q);
  const described = EVENT_DESCRIPTORS.map((d) => d.kind).sort((p, q) => p - q);
  assert.deepEqual(described, kinds);
  for (const k of kinds) assert.equal(descriptorOf(k)?.kind, k);
  const names = EVENT_DESCRIPTORS.filter((d) => !d.dynamic).flatMap((d) => [d.name, ...(d.variants ?? []).map((v) => v.name)]);
  assert.equal(new Set(names).size, names.length, 'one descriptor per tracepoint name');
});

test('the merge of parallel parts remaps exactly the string-id columns the descriptors declare', () => {
  // Two parts whose string tables disagree: in the second, every id points at a text the first
  // part does not have at that index. Declared columns must come back as the same texts.
  const part = (texts: string[]) => {
    const store = new EventStore(16);
    for (const t of texts) store.strings.intern(t);
    for (const d of EVENT_DESCRIPTORS) {
      const row = store.push(1000 + d.kind, 0, 1, d.kind, d.kind);
      store.a[row] = 1;
      store.b[row] = 2;
      store.c[row] = 3;
    }
    return serializePart({ store, stats: { ...emptyImportStats(), lines: EVENT_DESCRIPTORS.length }, evidence: { ftraceHeader: 0, traceCmdHeader: 0, dashPidLines: 0, perfLines: 0, rawSched: 0, compactSched: 0 }, rawTimestamps: false }).data;
  };
  const first = ['s0', 's1', 's2', 's3'];
  const second = ['t0', 't1', 't2', 't3'];
  const merged = mergeParts([part(first), part(second)]).store;
  const n = EVENT_DESCRIPTORS.length;
  const remapped = new Set<string>();
  for (let i = n; i < 2 * n; i++) {
    const d = descriptorOf(merged.kind[i])!;
    for (const [bit, col] of (['a', 'b', 'c'] as const).entries()) {
      const id = merged[col][i];
      const raw = col === 'a' ? 1 : col === 'b' ? 2 : 3;
      if (d.columns[col]?.stringId) {
        assert.equal(merged.strings.get(id), second[raw], `${d.name || 'probe'}.${col} holds a string id`);
        remapped.add(`${d.kind}.${col}`);
      } else assert.equal(id, raw, `${d.name || 'probe'}.${col} is a plain number`);
      assert.equal((STRING_COLUMN_MASK[d.kind] >> bit) & 1, d.columns[col]?.stringId ? 1 : 0);
    }
  }
  // The declared string columns today: kvm_exit's reason, the probe's name, and the guest
  // events' pointers, symbols and CPU lists.
  const K = EventKind;
  const guest = [
    [K.LockContentionBegin, 'a'], [K.LockContentionEnd, 'a'],
    [K.IpiSendCpu, 'b'], [K.IpiSendCpu, 'c'],
    [K.IpiSendCpumask, 'a'], [K.IpiSendCpumask, 'b'], [K.IpiSendCpumask, 'c'],
    [K.CsdQueueCpu, 'b'], [K.CsdQueueCpu, 'c'],
    [K.CsdFunctionEntry, 'a'], [K.CsdFunctionEntry, 'b'], [K.CsdFunctionExit, 'a'], [K.CsdFunctionExit, 'b'],
  ].map(([kind, col]) => `${kind}.${col}`);
  assert.deepEqual([...remapped].sort(), [`${K.KvmExit}.b`, `${K.Probe}.a`, ...guest].sort());
});

// ---- round trips -----------------------------------------------------------------------------

/** One random row of an event: its columns (only those the descriptor declares) and names. */
interface Row {
  kind: EventKind;
  cols: Partial<Record<Column, number>>;
  reason?: string;
  probeName?: string;
  /** Text of string-id columns (the guest events' pointers, symbols and CPU lists). */
  strs?: Partial<Record<'a' | 'b' | 'c', string>>;
}

const pid = fc.integer({ min: 1, max: 4 * 1024 * 1024 - 1 });
const vcpu = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const cpu = fc.integer({ min: 0, max: 255 });
const u32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const bit = fc.integer({ min: 0, max: 1 });
/** The exit reasons of arch/x86/include/uapi/asm/vmx.h, by number, and SVM's lower-case names. */
const VMX_REASONS: [number, string][] = [
  [1, 'EXTERNAL_INTERRUPT'],
  [12, 'HLT'],
  [30, 'IO_INSTRUCTION'],
  [40, 'PAUSE_INSTRUCTION'],
  [48, 'EPT_VIOLATION'],
];
const REASONS = [...VMX_REASONS.map(([, name]) => name), 'pause', 'hlt', 'npf'];
const PREV_STATES = [0, 1, 2, 3, 4, 5, 6, 7]; // R, S, D, other, each with and without "+"

/** A kernel pointer as the store keeps it: "0x" + lower-case hex, no leading zeros. */
const pointer = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => '0x' + v.toString(16));
/** A %pS / %ps symbol as printed, or its address (a trace.dat holds only the address). */
const symbol = fc.oneof(pointer, fc.constantFrom('flush_tlb_func+0x0/0x1b0', 'do_sync_core', 'nohz_csd_func+0x0/0x80', 'smp_call_function_many_cond+0x1a2/0x4f0'));
const cpuList = fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }).map((cpus) => cpus.sort((p, q) => p - q).join(','));
const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

/** A guest event's row: its number columns and its string columns. */
function guestRow(kind: EventKind, cols: Record<string, fc.Arbitrary<number>>, strs: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<Row> {
  return fc.record({ cols: fc.record(cols), strs: fc.record(strs) }).map((r) => ({ kind, cols: r.cols, strs: r.strs }));
}

/** Random rows per kind: the domain of each column as the tracepoint defines it. */
function rowOf(kind: EventKind): fc.Arbitrary<Row> {
  const row = (cols: Record<string, fc.Arbitrary<number>>, extra: Partial<Record<'reason' | 'probeName', fc.Arbitrary<string>>> = {}) =>
    fc.record({ ...cols, ...extra }).map((r) => {
      const { reason, probeName, ...cols } = r as Record<string, number | string>;
      return { kind, cols: cols as Row['cols'], reason: reason as string | undefined, probeName: probeName as string | undefined };
    });
  switch (kind) {
    case EventKind.KvmExit:
      // -1: read from a rendering without a vcpu (trace-cmd's plugin, kernels before ~5.4).
      return row({ a: fc.oneof(vcpu, fc.constant(-1)) }, { reason: fc.constantFrom(...REASONS) });
    case EventKind.KvmEntry:
      return row({ a: vcpu });
    case EventKind.PleWindow:
      return fc.record({ a: vcpu, x: u32, y: u32 }).filter((r) => r.x !== r.y).map((r) => ({ kind, cols: { ...r, b: r.y > r.x ? 1 : 0 } }));
    case EventKind.ApicIpi:
      return row({ a: fc.integer({ min: 0, max: 2 ** 31 - 1 }), b: fc.integer({ min: 0, max: 255 }), c: fc.integer({ min: 0, max: 3 }) });
    case EventKind.ApicAcceptIrq:
      return row({ a: fc.integer({ min: 0, max: 2 ** 31 - 1 }), b: fc.integer({ min: 0, max: 255 }) });
    case EventKind.VcpuWakeup:
      return row({ a: bit, b: bit, x: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }) });
    case EventKind.SchedSwitch:
      return row({ a: pid, b: fc.constantFrom(...PREV_STATES), c: pid });
    case EventKind.SchedWakeup:
    case EventKind.SchedWaking:
    case EventKind.SchedWakeupNew:
      return row({ a: pid, b: fc.oneof(cpu, fc.constant(-1)) });
    case EventKind.SchedMigrate:
      return row({ a: pid, b: cpu, c: cpu });
    case EventKind.Probe:
      return fc
        .record({ name: fc.constantFrom('kvm_vcpu_on_spin_L17', 'yield_to', 'yield_to__return'), x: fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), { nil: NaN }) })
        .map((r) => ({ kind, cols: { b: r.name.endsWith('__return') ? 1 : 0, x: r.x }, probeName: r.name }));
    case EventKind.KvmEoi:
      return row({ a: fc.integer({ min: 0, max: 2 ** 31 - 1 }), b: fc.integer({ min: 0, max: 255 }) });
    case EventKind.LockContentionBegin:
      return guestRow(kind, { b: fc.integer({ min: 0, max: 63 }) }, { a: pointer });
    case EventKind.LockContentionEnd:
      return guestRow(kind, { b: i32 }, { a: pointer });
    case EventKind.IpiSendCpu:
      return guestRow(kind, { a: cpu }, { b: symbol, c: symbol });
    case EventKind.IpiSendCpumask:
      return guestRow(kind, {}, { a: cpuList, b: symbol, c: symbol });
    case EventKind.CsdQueueCpu:
      return guestRow(kind, { a: cpu }, { b: symbol, c: pointer });
    case EventKind.CsdFunctionEntry:
    case EventKind.CsdFunctionExit:
      return guestRow(kind, {}, { a: symbol, b: pointer });
  }
}

/** Thread names with the spaces, slashes and brackets real vCPU threads have. */
const COMMS = ['CPU 0/KVM', 'fc_vcpu 1', 'qemu-system-x86', 'kworker/u8:2', 'a [b] c'];

/** The columns that hold pids of named tasks (the sched events name them). */
function pidColumns(kind: EventKind): ('a' | 'c')[] {
  if (kind === EventKind.SchedSwitch) return ['a', 'c'];
  return kind > EventKind.SchedSwitch && kind <= EventKind.SchedMigrate ? ['a'] : [];
}

/** A one-row store holding `r`, the threads its pids name. */
function storeOf(r: Row, tid: number): EventStore {
  const s = new EventStore(16);
  const i = s.push(1_000_000_000, 0, tid, r.kind, 1);
  for (const col of COLUMNS) if (r.cols[col] !== undefined) s[col][i] = r.cols[col]!;
  if (r.reason !== undefined) s.b[i] = s.strings.intern(r.reason);
  if (r.probeName !== undefined) s.a[i] = s.strings.intern(r.probeName);
  for (const [col, text] of Object.entries(r.strs ?? {}) as ['a' | 'b' | 'c', string][]) s[col][i] = s.strings.intern(text);
  s.noteThread(tid, COMMS[tid % COMMS.length]);
  for (const col of pidColumns(r.kind)) s.noteThread(r.cols[col]!, COMMS[r.cols[col]! % COMMS.length]);
  return s;
}

/** The columns of row 0 a descriptor declares, strings resolved. */
function declared(d: EventDescriptor, s: EventStore, i = 0): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const col of COLUMNS) {
    if (!d.columns[col]) continue;
    out[col] = d.columns[col]!.stringId ? s.strings.get(s[col][i]) : s[col][i];
  }
  return out;
}

const anyRow = fc.constantFrom(...EVENT_DESCRIPTORS.map((d) => d.kind)).chain(rowOf);

test('each descriptor: a row written in either rendering reads back to the same row', () => {
  fc.assert(
    fc.property(anyRow, fc.integer({ min: 1, max: 100_000 }), fc.boolean(), (r, tid, plugin) => {
      const d = descriptorOf(r.kind)!;
      const render = plugin && d.render.plugin ? d.render.plugin : d.render.kernel;
      const source = storeOf(r, tid);
      const name = d.dynamic ? d.dynamic.nameOf(source, 0) : d.name;
      const comm = source.threads.get(tid)!.comm;
      const text = `cpus=1\n${comm}-${tid} [000] 1.000000000: ${name}: ${render(source, 0)}\n`;
      const { store, stats } = importTraceText(text);
      assert.equal(store.length, 1, `${name} read back: ${text} (${JSON.stringify(stats.firstMalformedPayloadLines)})`);
      assert.equal(store.kind[0], r.kind);
      const expected = declared(d, source);
      // trace-cmd's kvm_exit plugin prints no vcpu on any kernel.
      if (r.kind === EventKind.KvmExit && render === d.render.plugin) expected.a = -1;
      assert.deepEqual(declared(d, store), expected, text);
      for (const col of pidColumns(r.kind)) {
        assert.equal(store.threads.get(store[col][0])?.comm, source.threads.get(source[col][0])?.comm, `${name} names its task`);
      }
    }),
    { numRuns: 600 },
  );
});

// Binary: the recorded fixture's formats, and per event the record fields that encode a row.
const DAT_FORMATS = (() => {
  const dat = openTraceDat(fixture(join('dat', 'sched-v7-zstd.dat')));
  const byName = new Map<string, EventFormat>([...dat.formats.values()].map((f) => [`${f.system}:${f.name}`, f]));
  dat.close();
  return byName;
})();

/** sched_switch's prev_state bits in 6.18 (TASK_REPORT_MAX 0x100 is the preempted bit). */
const PREV_STATE_BITS = [0, 1, 2, 4];

function recordFields(r: Row): Record<string, number | bigint | string> | null {
  const c = r.cols;
  const t = r.strs ?? {};
  const comm = (p: number) => COMMS[p % COMMS.length].slice(0, 15);
  switch (r.kind) {
    case EventKind.KvmExit: {
      const vmx = VMX_REASONS.find(([, name]) => name === r.reason);
      return vmx && c.a! >= 0 ? { vcpu_id: c.a!, isa: 1, exit_reason: vmx[0] } : null;
    }
    case EventKind.KvmEntry:
      return { vcpu_id: c.a! };
    case EventKind.PleWindow:
      return { vcpu_id: c.a!, old: c.x!, new: c.y! };
    case EventKind.ApicIpi:
      return { dest_id: c.a!, icr_low: c.b! | (c.c! << 18) | 0x4000 };
    case EventKind.ApicAcceptIrq:
      return { apicid: c.a!, vec: c.b! };
    case EventKind.VcpuWakeup:
      return { waited: c.a!, valid: c.b!, ns: c.x! };
    case EventKind.SchedSwitch:
      return { prev_pid: c.a!, prev_state: PREV_STATE_BITS[c.b! & 3] | (c.b! & 4 ? 0x100 : 0), next_pid: c.c!, prev_comm: comm(c.a!), next_comm: comm(c.c!) };
    case EventKind.SchedWakeup:
    case EventKind.SchedWaking:
    case EventKind.SchedWakeupNew:
      return c.b! < 0 ? null : { pid: c.a!, target_cpu: c.b!, comm: comm(c.a!) };
    case EventKind.SchedMigrate:
      return { pid: c.a!, orig_cpu: c.b!, dest_cpu: c.c!, comm: comm(c.a!) };
    case EventKind.KvmEoi:
      return { apicid: c.a!, vector: c.b! };
    case EventKind.LockContentionBegin:
      return { lock_addr: BigInt(t.a!), flags: c.b! };
    case EventKind.LockContentionEnd:
      return { lock_addr: BigInt(t.a!), ret: c.b! };
    case EventKind.IpiSendCpu:
      return addresses(t.b, t.c) ? { cpu: c.a!, callback: BigInt(t.b!), callsite: BigInt(t.c!) } : null;
    case EventKind.CsdQueueCpu:
      return addresses(t.b) ? { cpu: c.a!, func: BigInt(t.b!), csd: BigInt(t.c!) } : null;
    case EventKind.CsdFunctionEntry:
    case EventKind.CsdFunctionExit:
      return addresses(t.a) ? { func: BigInt(t.a!), csd: BigInt(t.b!) } : null;
    default:
      return null; // probes: the fixture has no probe formats; cpumask: a bitmap the encoder does not write
  }
}

/** Symbols a trace.dat can hold: addresses only. */
const addresses = (...texts: (string | undefined)[]) => texts.every((t) => t !== undefined && t.startsWith('0x'));

test('each descriptor with a binary decoder: a record in the fixture\'s format decodes to the row it encodes', () => {
  const read = fieldReaders(true);
  for (const d of EVENT_DESCRIPTORS) if (d.binary && !d.dynamic) assert.ok(DAT_FORMATS.has(`${d.system}:${d.name}`), `the fixture has ${d.name}'s format`);
  fc.assert(
    fc.property(anyRow, (r) => {
      const d = descriptorOf(r.kind)!;
      const fields = recordFields(r);
      if (!d.binary || d.dynamic || fields === null) return;
      const format = DAT_FORMATS.get(`${d.system}:${d.name}`)!;
      const record = encodeEvent(format, 1, fields);
      const store = new EventStore(16);
      const decode = d.binary.make(format, read, store);
      const row = store.push(0, 0, 1, d.kind, 1);
      resetIdCheck();
      assert.equal(decode(store, row, record, 0), true, `${d.name} decodes`);
      assert.deepEqual(declared(d, store), declared(d, storeOf(r, 1)), `${d.name} ${JSON.stringify(fields, (_k, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v))}`);
      if (fields.comm !== undefined) assert.equal(store.threads.get(r.cols.a!)?.comm, fields.comm);
      if (fields.next_comm !== undefined) assert.equal(store.threads.get(r.cols.c!)?.comm, fields.next_comm);
    }),
    { numRuns: 600 },
  );
});

test('plugin wakeups: a thread name holding "] ", and a format without target_cpu (both refused before)', () => {
  const read = (payload: string) => importTraceText(`cpus=1\nx-1 [000] 1.000000000: sched_wakeup: ${payload}\n`).store;
  const named = read('a [b] c:1 [120] success=1 CPU:003');
  assert.deepEqual([named.length, named.a[0], named.b[0], named.threads.get(1)?.comm], [1, 1, 3, 'a [b] c']);
  const noCpu = read('x:7 [120]');
  assert.deepEqual([noCpu.length, noCpu.a[0], noCpu.b[0]], [1, 7, -1]);
});
