// The guest-side events that say what a spinning vCPU waits for, one descriptor each: their
// store columns, the text decoder (the kernel's TP_printk, as raw ftrace and trace-cmd report
// print it), the trace.dat decoder and the writer. Formats as in torvalds/linux:
//   include/trace/events/lock.h  contention_begin  "%p (flags=%s)"          lock_addr, flags
//                                contention_end    "%p (ret=%d)"            lock_addr, ret
//   include/trace/events/ipi.h   ipi_send_cpu      "cpu=%u callsite=%pS callback=%pS"
//                                ipi_send_cpumask  "cpumask=%s callsite=%pS callback=%pS" (__cpumask)
//   include/trace/events/csd.h   csd_queue_cpu     "cpu=%u callsite=%pS func=%ps csd=%p"
//                                csd_function_entry / _exit  "func=%ps, csd=%p"
// Pointers are 64-bit: they are kept as interned text ("0x" + lower-case hex, no leading
// zeros), the same from either rendering, so a csd or a lock is matched by its string id.
// Symbols (%pS, %ps) are kept as printed; a trace.dat holds only their address.

import type { EventStore } from '../trace/model';
import type { EventFormat, FieldFormat } from '../trace/dat/eventFormat';
import type { BinaryDecode, BinaryDecoder, ColumnSpec, DatWriter, EventDescriptor, IntColumn, TextDecoder } from './descriptor';
import type { FieldReaders } from './binaryFields';
import { latin1 } from './textScan';

/** Store kinds 14..20 (model.ts spreads them into EventKind). */
export const GUEST_EVENT_KINDS = {
  LockContentionBegin: 14,
  LockContentionEnd: 15,
  IpiSendCpu: 16,
  IpiSendCpumask: 17,
  CsdQueueCpu: 18,
  CsdFunctionEntry: 19,
  CsdFunctionExit: 20,
} as const;
type GuestKind = (typeof GUEST_EVENT_KINDS)[keyof typeof GUEST_EVENT_KINDS];
const K = GUEST_EVENT_KINDS;

// Column meaning per kind (string ids index store.strings):
// - LockContentionBegin: a = lock address id, b = LCB_F_* flags
// - LockContentionEnd:   a = lock address id, b = ret
// - IpiSendCpu:          a = target CPU, b = callback id, c = callsite id
// - IpiSendCpumask:      a = target CPU list id ("0,2,5"), b = callback id, c = callsite id
// - CsdQueueCpu:         a = target CPU, b = func id, c = csd address id
// - CsdFunctionEntry/Exit: a = func id, b = csd address id
/** include/trace/events/lock.h: LCB_F_SPIN, READ, WRITE, RT, PERCPU, MUTEX. */
const LOCK_FLAGS: [number, string][] = [
  [1, 'SPIN'],
  [2, 'READ'],
  [4, 'WRITE'],
  [8, 'RT'],
  [16, 'PERCPU'],
  [32, 'MUTEX'],
];

// ---- pointers and CPU masks -------------------------------------------------------------------

/** A pointer as kept: "0x" + lower-case hex without leading zeros; "(null)" is 0x0. */
export function pointerText(raw: string): string | null {
  if (raw === '(null)' || raw === '(nil)') return '0x0'; // the kernel's and libtraceevent's null
  const hex = raw.startsWith('0x') || raw.startsWith('0X') ? raw.slice(2) : raw;
  if (hex.length === 0 || hex.length > 16 || !/^[0-9a-fA-F]+$/.test(hex)) return null;
  return '0x' + (hex.toLowerCase().replace(/^0+(?=.)/, ''));
}

/**
 * A cpumask as the kernel prints __get_cpumask (trace_print_bitmask_seq: "%*pb", hex words of
 * 32 bits, most significant first, separated by commas) → the CPU numbers set, ascending.
 */
export function cpusOfMaskText(text: string): number[] | null {
  const words = text.split(',');
  if (words.some((w) => !/^[0-9a-fA-F]{1,8}$/.test(w))) return null;
  const cpus: number[] = [];
  for (let k = words.length - 1, base = 0; k >= 0; k--, base += 32) {
    const word = parseInt(words[k], 16);
    for (let bit = 0; bit < 32; bit++) if (word & (2 ** bit)) cpus.push(base + bit);
  }
  return cpus;
}

/** The same mask from its bytes (unsigned longs of the file's byte order, `longSize` bytes each). */
export function cpusOfMaskBytes(buf: Buffer, start: number, length: number, little: boolean, longSize = 8): number[] {
  const cpus: number[] = [];
  for (let w = 0; w + longSize <= length; w += longSize) {
    for (let byte = 0; byte < longSize; byte++) {
      const value = buf[start + w + (little ? byte : longSize - 1 - byte)];
      for (let bit = 0; bit < 8; bit++) if (value & (1 << bit)) cpus.push((w + byte) * 8 + bit);
    }
  }
  return cpus;
}

/** The kernel's cpumask text for a set of CPUs (the writer's inverse of cpusOfMaskText). */
export function maskTextOfCpus(cpus: readonly number[]): string {
  const top = cpus.length ? Math.max(...cpus) : 0;
  const words = new Array<number>(Math.floor(top / 32) + 1).fill(0);
  for (const c of cpus) words[c >> 5] += 2 ** (c & 31);
  return words
    .reverse()
    .map((w) => w.toString(16).padStart(8, '0'))
    .join(',');
}

export const cpuListText = (cpus: readonly number[]): string => cpus.join(',');
export const cpusOfListText = (text: string): number[] => (text === '' ? [] : text.split(',').map(Number));

// ---- text ---------------------------------------------------------------------------------------

/** `key` followed by a token up to the next space (or `stop`), from `from`; null when absent. */
function tokenAfter(line: string, key: string, from: number, end: number, stop = ' '): [string, number] | null {
  const k = line.indexOf(key, from);
  if (k < 0 || k >= end) return null;
  const start = k + key.length;
  let e = line.indexOf(stop, start);
  if (e < 0 || e > end) e = end;
  return [line.slice(start, e).replace(/\s+$/, ''), e];
}

function intOf(text: string): number {
  return /^-?\d+$/.test(text) ? Number(text) : NaN;
}

/** These rare events are decoded from a string of their payload alone, [0, end - at). */
type PayloadDecoder = (store: EventStore, row: number, line: string, at: number, end: number) => boolean;
const fromPayload = (decode: PayloadDecoder): TextDecoder => (store, row, line, at, end) => decode(store, row, latin1(line, at, end), 0, end - at);

function decodeContentionBegin(store: EventStore, row: number, line: string, at: number, end: number): boolean {
  const space = line.indexOf(' ', at);
  const lock = pointerText(line.slice(at, space < 0 || space > end ? end : space));
  const flags = tokenAfter(line, '(flags=', at, end, ')');
  if (lock === null || flags === null) return false;
  let bits = 0;
  for (const name of flags[0].split('|')) {
    const known = LOCK_FLAGS.find(([, n]) => n === name);
    if (known) bits |= known[0];
    else if (/^0x[0-9a-f]+$/i.test(name)) bits |= Number(name); // __print_flags prints unknown bits in hex
    else if (name !== '') return false;
  }
  store.a[row] = store.strings.intern(lock);
  store.b[row] = bits;
  return true;
}

function decodeContentionEnd(store: EventStore, row: number, line: string, at: number, end: number): boolean {
  const space = line.indexOf(' ', at);
  const lock = pointerText(line.slice(at, space < 0 || space > end ? end : space));
  const ret = tokenAfter(line, '(ret=', at, end, ')');
  if (lock === null || ret === null || Number.isNaN(intOf(ret[0]))) return false;
  store.a[row] = store.strings.intern(lock);
  store.b[row] = intOf(ret[0]);
  return true;
}

function decodeIpiSendCpu(store: EventStore, row: number, line: string, at: number, end: number): boolean {
  const cpu = tokenAfter(line, 'cpu=', at, end);
  const callsite = cpu && tokenAfter(line, ' callsite=', cpu[1], end);
  const callback = callsite && tokenAfter(line, ' callback=', callsite[1], end);
  if (!callback || !(intOf(cpu![0]) >= 0)) return false;
  store.a[row] = intOf(cpu![0]);
  store.b[row] = store.strings.intern(callback[0]);
  store.c[row] = store.strings.intern(callsite![0]);
  return true;
}

function decodeIpiSendCpumask(store: EventStore, row: number, line: string, at: number, end: number): boolean {
  const mask = tokenAfter(line, 'cpumask=', at, end);
  const callsite = mask && tokenAfter(line, ' callsite=', mask[1], end);
  const callback = callsite && tokenAfter(line, ' callback=', callsite[1], end);
  const cpus = mask && cpusOfMaskText(mask[0]);
  if (!callback || !cpus) return false;
  store.a[row] = store.strings.intern(cpuListText(cpus));
  store.b[row] = store.strings.intern(callback[0]);
  store.c[row] = store.strings.intern(callsite![0]);
  return true;
}

function decodeCsdQueueCpu(store: EventStore, row: number, line: string, at: number, end: number): boolean {
  const cpu = tokenAfter(line, 'cpu=', at, end);
  const func = cpu && tokenAfter(line, ' func=', cpu[1], end);
  const csd = func && tokenAfter(line, ' csd=', func[1], end);
  const csdText = csd && pointerText(csd[0]);
  if (!csdText || !(intOf(cpu![0]) >= 0)) return false;
  store.a[row] = intOf(cpu![0]);
  store.b[row] = store.strings.intern(func![0]);
  store.c[row] = store.strings.intern(csdText);
  return true;
}

function decodeCsdFunction(store: EventStore, row: number, line: string, at: number, end: number): boolean {
  const func = tokenAfter(line, 'func=', at, end, ',');
  const csd = func && tokenAfter(line, ' csd=', func[1], end);
  const csdText = csd && pointerText(csd[0]);
  if (!csdText) return false;
  store.a[row] = store.strings.intern(func![0]);
  store.b[row] = store.strings.intern(csdText);
  return true;
}

// ---- trace.dat ----------------------------------------------------------------------------------

/** A pointer field (4 or 8 bytes) as kept text, exact at 64 bits. */
function pointerField(f: FieldFormat, read: FieldReaders, buf: Buffer, base: number): string {
  const at = base + f.offset;
  if (f.size === 8) return '0x' + (read.little ? buf.readBigUInt64LE(at) : buf.readBigUInt64BE(at)).toString(16);
  return '0x' + read.num(f, buf, base).toString(16);
}

/** Record fields → int columns: a number, a pointer (kept text) or a cpumask (CPU list text). */
type FieldKind = 'num' | 'ptr' | 'mask';

function binaryOf(fields: readonly [string, FieldKind][]): BinaryDecoder {
  const columns: IntColumn[] = ['a', 'b', 'c'];
  return {
    fields: fields.map(([name]) => name),
    make(fmt: EventFormat, read: FieldReaders): BinaryDecode {
      const readers = fields.map(([name, kind]) => {
        const f = fmt.byName.get(name)!;
        if (kind === 'num') return (_s: EventStore, p: Buffer, at: number) => read.num(f, p, at) | 0;
        if (kind === 'ptr') return (s: EventStore, p: Buffer, at: number) => s.strings.intern(pointerField(f, read, p, at));
        return (s: EventStore, p: Buffer, at: number) => {
          const [start, length] = read.span(f, p, at);
          return start + length > p.length ? NaN : s.strings.intern(cpuListText(cpusOfMaskBytes(p, start, length, read.little)));
        };
      });
      return (s, row, p, at) => {
        for (let k = 0; k < readers.length; k++) {
          const v = readers[k](s, p, at);
          if (Number.isNaN(v)) return false;
          s[columns[k]][row] = v;
        }
        return true;
      };
    },
  };
}

// ---- descriptors --------------------------------------------------------------------------------

const str = (meaning: string): ColumnSpec => ({ meaning, stringId: true });
const int = (meaning: string): ColumnSpec => ({ meaning });
const s = (store: EventStore, id: number) => store.strings.get(id);

/** The callsite the writers print for csd_queue_cpu (the store does not keep it). */
const CSD_CALLSITE = 'smp_call_function_many_cond+0x0/0x0';

/** A CPU list ("0,2,5") as the kernel's cpumask bitmap: unsigned longs of `cpus` bits, little-endian. */
export function maskBytesOfCpuList(list: string, cpus: number): Buffer {
  const bytes = Buffer.alloc(Math.ceil(Math.max(cpus, 1) / 64) * 8);
  for (const c of cpusOfListText(list)) bytes[c >> 3] |= 1 << (c & 7);
  return bytes;
}

/** __print_flags' table in contention_begin's print fmt. */
const LOCK_FLAGS_FMT = LOCK_FLAGS.map(([bit, name]) => `{ (1U << ${Math.log2(bit)}), "${name}" }`).join(', ');

interface GuestEventSpec {
  kind: GuestKind;
  system: string;
  name: string;
  columns: EventDescriptor['columns'];
  text: PayloadDecoder;
  /** Record fields → columns a, b, c in order. */
  fields: readonly [string, FieldKind][];
  kernel: (store: EventStore, i: number) => string;
  dat: DatWriter;
}

function guestEvent(e: GuestEventSpec): EventDescriptor {
  return { kind: e.kind, system: e.system, name: e.name, columns: e.columns, text: fromPayload(e.text), binary: binaryOf(e.fields), render: { kernel: e.kernel, plugin: null }, written: 'kernel', dat: e.dat };
}

const csdFunction = (kind: GuestKind, name: string, id: number) =>
  guestEvent({
    kind, system: 'csd', name,
    columns: { a: str('func'), b: str('csd address') },
    text: decodeCsdFunction,
    fields: [['func', 'ptr'], ['csd', 'ptr']],
    kernel: (st, i) => `func=${s(st, st.a[i])}, csd=${s(st, st.b[i])}`,
    dat: {
      format: { id, fields: [['void *', 'func', 8, 8, 0], ['void *', 'csd', 16, 8, 0]], printFmt: '"func=%ps, csd=%p", REC->func, REC->csd' },
      values: (st, i, ctx) => ({ func: ctx.address(s(st, st.a[i])), csd: ctx.address(s(st, st.b[i])) }),
    },
  });

// The ids are this program's own; the fields and print fmts as a 64-bit 6.18 prints them in tracefs.
export const GUEST_EVENT_DESCRIPTORS: readonly EventDescriptor[] = [
  guestEvent({
    kind: K.LockContentionBegin, system: 'lock', name: 'contention_begin',
    columns: { a: str('lock address'), b: int('LCB_F_* flags') },
    text: decodeContentionBegin,
    fields: [['lock_addr', 'ptr'], ['flags', 'num']],
    kernel: (st, i) => `${s(st, st.a[i])} (flags=${LOCK_FLAGS.filter(([bit]) => st.b[i] & bit).map(([, n]) => n).join('|')})`,
    dat: {
      format: { id: 408, fields: [['void *', 'lock_addr', 8, 8, 0], ['unsigned int', 'flags', 16, 4, 0]], printFmt: `"%p (flags=%s)", REC->lock_addr, __print_flags(REC->flags, "|", ${LOCK_FLAGS_FMT} )` },
      values: (st, i, ctx) => ({ lock_addr: ctx.address(s(st, st.a[i])), flags: st.b[i] }),
    },
  }),
  guestEvent({
    kind: K.LockContentionEnd, system: 'lock', name: 'contention_end',
    columns: { a: str('lock address'), b: int('ret') },
    text: decodeContentionEnd,
    fields: [['lock_addr', 'ptr'], ['ret', 'num']],
    kernel: (st, i) => `${s(st, st.a[i])} (ret=${st.b[i]})`,
    dat: {
      format: { id: 407, fields: [['void *', 'lock_addr', 8, 8, 0], ['int', 'ret', 16, 4, 1]], printFmt: '"%p (ret=%d)", REC->lock_addr, REC->ret' },
      values: (st, i, ctx) => ({ lock_addr: ctx.address(s(st, st.a[i])), ret: st.b[i] }),
    },
  }),
  guestEvent({
    kind: K.IpiSendCpu, system: 'ipi', name: 'ipi_send_cpu',
    columns: { a: int('target CPU'), b: str('callback'), c: str('callsite') },
    text: decodeIpiSendCpu,
    fields: [['cpu', 'num'], ['callback', 'ptr'], ['callsite', 'ptr']],
    kernel: (st, i) => `cpu=${st.a[i]} callsite=${s(st, st.c[i])} callback=${s(st, st.b[i])}`,
    dat: {
      format: { id: 354, fields: [['unsigned int', 'cpu', 8, 4, 0], ['void *', 'callsite', 16, 8, 0], ['void *', 'callback', 24, 8, 0]], printFmt: '"cpu=%u callsite=%pS callback=%pS", REC->cpu, REC->callsite, REC->callback' },
      values: (st, i, ctx) => ({ cpu: st.a[i], callsite: ctx.address(s(st, st.c[i])), callback: ctx.address(s(st, st.b[i])) }),
    },
  }),
  guestEvent({
    kind: K.IpiSendCpumask, system: 'ipi', name: 'ipi_send_cpumask',
    columns: { a: str('target CPUs as a list ("0,2,5")'), b: str('callback'), c: str('callsite') },
    text: decodeIpiSendCpumask,
    fields: [['cpumask', 'mask'], ['callback', 'ptr'], ['callsite', 'ptr']],
    kernel: (st, i) => `cpumask=${maskTextOfCpus(cpusOfListText(s(st, st.a[i])))} callsite=${s(st, st.c[i])} callback=${s(st, st.b[i])}`,
    dat: {
      format: { id: 353, fields: [['__data_loc cpumask_t', 'cpumask', 8, 4, 0], ['void *', 'callsite', 16, 8, 0], ['void *', 'callback', 24, 8, 0]], printFmt: '"cpumask=%s callsite=%pS callback=%pS", __get_cpumask(cpumask), REC->callsite, REC->callback' },
      values: (st, i, ctx) => ({ cpumask: maskBytesOfCpuList(s(st, st.a[i]), ctx.cpus), callsite: ctx.address(s(st, st.c[i])), callback: ctx.address(s(st, st.b[i])) }),
    },
  }),
  guestEvent({
    kind: K.CsdQueueCpu, system: 'csd', name: 'csd_queue_cpu',
    columns: { a: int('target CPU'), b: str('func'), c: str('csd address') },
    text: decodeCsdQueueCpu,
    fields: [['cpu', 'num'], ['func', 'ptr'], ['csd', 'ptr']],
    kernel: (st, i) => `cpu=${st.a[i]} callsite=${CSD_CALLSITE} func=${s(st, st.b[i])} csd=${s(st, st.c[i])}`,
    dat: {
      format: { id: 529, fields: [['unsigned int', 'cpu', 8, 4, 0], ['void *', 'callsite', 16, 8, 0], ['void *', 'func', 24, 8, 0], ['void *', 'csd', 32, 8, 0]], printFmt: '"cpu=%u callsite=%pS func=%ps csd=%p", REC->cpu, REC->callsite, REC->func, REC->csd' },
      values: (st, i, ctx) => ({ cpu: st.a[i], callsite: ctx.address(CSD_CALLSITE), func: ctx.address(s(st, st.b[i])), csd: ctx.address(s(st, st.c[i])) }),
    },
  }),
  csdFunction(K.CsdFunctionEntry, 'csd_function_entry', 528),
  csdFunction(K.CsdFunctionExit, 'csd_function_exit', 527),
];
