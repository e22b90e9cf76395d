// The guest-side events that say what a spinning vCPU waits for, in one place: their store
// columns, the text decoder (the kernel's TP_printk, as raw ftrace and trace-cmd report print
// it), the trace.dat field mapping and the writer. Formats as in torvalds/linux:
//   include/trace/events/lock.h  contention_begin  "%p (flags=%s)"          lock_addr, flags
//                                contention_end    "%p (ret=%d)"            lock_addr, ret
//   include/trace/events/ipi.h   ipi_send_cpu      "cpu=%u callsite=%pS callback=%pS"
//                                ipi_send_cpumask  "cpumask=%s callsite=%pS callback=%pS" (__cpumask)
//   include/trace/events/csd.h   csd_queue_cpu     "cpu=%u callsite=%pS func=%ps csd=%p"
//                                csd_function_entry / _exit  "func=%ps, csd=%p"
// Pointers are 64-bit: they are kept as interned text ("0x" + lower-case hex, no leading
// zeros), the same from either rendering, so a csd or a lock is matched by its string id.
// Symbols (%pS, %ps) are kept as printed; a trace.dat holds only their address.

import type { EventStore } from './model';

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

/** The ftrace systems of these events. */
export const GUEST_EVENT_GROUPS = new Set(['lock', 'ipi', 'csd']);

const NAMES: [string, string, GuestKind][] = [
  ['lock', 'contention_begin', K.LockContentionBegin],
  ['lock', 'contention_end', K.LockContentionEnd],
  ['ipi', 'ipi_send_cpu', K.IpiSendCpu],
  ['ipi', 'ipi_send_cpumask', K.IpiSendCpumask],
  ['csd', 'csd_queue_cpu', K.CsdQueueCpu],
  ['csd', 'csd_function_entry', K.CsdFunctionEntry],
  ['csd', 'csd_function_exit', K.CsdFunctionExit],
];
const NAME_OF = new Map<number, string>(NAMES.map(([, name, kind]) => [kind, name]));

export const isGuestEventKind = (kind: number): boolean => kind >= K.LockContentionBegin && kind <= K.CsdFunctionExit;
export const guestEventName = (kind: number): string | undefined => NAME_OF.get(kind);

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

type TextDecoder = (store: EventStore, row: number, line: string, at: number, end: number) => boolean;

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

const TEXT_DECODERS: Record<GuestKind, TextDecoder> = {
  [K.LockContentionBegin]: decodeContentionBegin,
  [K.LockContentionEnd]: decodeContentionEnd,
  [K.IpiSendCpu]: decodeIpiSendCpu,
  [K.IpiSendCpumask]: decodeIpiSendCpumask,
  [K.CsdQueueCpu]: decodeCsdQueueCpu,
  [K.CsdFunctionEntry]: decodeCsdFunction,
  [K.CsdFunctionExit]: decodeCsdFunction,
};

/** [event name, kind, decoder] for eventPayload's DECODERS map. */
export const GUEST_TEXT_DECODERS: [string, GuestKind, TextDecoder][] = NAMES.map(([, name, kind]) => [name, kind, TEXT_DECODERS[kind]]);

/** The payload as the kernel prints it (the writer of run files): [event name, text]. */
export function guestEventText(store: EventStore, i: number): [string, string] | null {
  const s = (id: number) => store.strings.get(id);
  const a = store.a[i];
  const b = store.b[i];
  const c = store.c[i];
  switch (store.kind[i]) {
    case K.LockContentionBegin: {
      const flags = LOCK_FLAGS.filter(([bit]) => b & bit).map(([, n]) => n);
      return ['contention_begin', `${s(a)} (flags=${flags.join('|')})`];
    }
    case K.LockContentionEnd:
      return ['contention_end', `${s(a)} (ret=${b})`];
    case K.IpiSendCpu:
      return ['ipi_send_cpu', `cpu=${a} callsite=${s(c)} callback=${s(b)}`];
    case K.IpiSendCpumask:
      return ['ipi_send_cpumask', `cpumask=${maskTextOfCpus(cpusOfListText(s(a)))} callsite=${s(c)} callback=${s(b)}`];
    case K.CsdQueueCpu:
      return ['csd_queue_cpu', `cpu=${a} callsite=${CSD_CALLSITE} func=${s(b)} csd=${s(c)}`];
    case K.CsdFunctionEntry:
      return ['csd_function_entry', `func=${s(a)}, csd=${s(b)}`];
    case K.CsdFunctionExit:
      return ['csd_function_exit', `func=${s(a)}, csd=${s(b)}`];
    default:
      return null;
  }
}

/** The callsite the writer prints for csd_queue_cpu (the store does not keep it). */
const CSD_CALLSITE = 'smp_call_function_many_cond+0x0/0x0';

/** String-id columns of a guest kind, for merging stores with different string tables. */
export function remapGuestStrings(store: EventStore, i: number, remap: Int32Array): void {
  switch (store.kind[i]) {
    case K.LockContentionBegin:
    case K.LockContentionEnd:
      store.a[i] = remap[store.a[i]];
      break;
    case K.IpiSendCpu:
      store.b[i] = remap[store.b[i]];
      store.c[i] = remap[store.c[i]];
      break;
    case K.IpiSendCpumask:
      store.a[i] = remap[store.a[i]];
      store.b[i] = remap[store.b[i]];
      store.c[i] = remap[store.c[i]];
      break;
    case K.CsdQueueCpu:
      store.b[i] = remap[store.b[i]];
      store.c[i] = remap[store.c[i]];
      break;
    case K.CsdFunctionEntry:
    case K.CsdFunctionExit:
      store.a[i] = remap[store.a[i]];
      store.b[i] = remap[store.b[i]];
      break;
    default:
      break;
  }
}

// ---- trace.dat ----------------------------------------------------------------------------------

/** What the dat importer lends: its field readers, bound to the file's byte order. */
export interface DatFieldAccess {
  little: boolean;
  /** A field of 1, 2, 4 or 8 bytes as a number (exact below 2^53). */
  num(f: DatField, buf: Buffer, base: number): number;
  /** Where a field's bytes are: [start, length] (dynamic arrays resolved). */
  span(f: DatField, buf: Buffer, base: number): [number, number];
}

/** The part of the dat importer's FieldFormat these decoders read. */
export interface DatField {
  name: string;
  offset: number;
  size: number;
  dynamic: unknown;
  arrayLength: number;
}

export interface DatFormatLike {
  system: string;
  name: string;
  byName: Map<string, DatField>;
}

type DatDecode = (store: EventStore, row: number, page: Buffer, at: number) => boolean;

/** A pointer field (4 or 8 bytes) as kept text, exact at 64 bits. */
function pointerField(f: DatField, access: DatFieldAccess, buf: Buffer, base: number): string {
  const at = base + f.offset;
  if (f.size === 8) return '0x' + (access.little ? buf.readBigUInt64LE(at) : buf.readBigUInt64BE(at)).toString(16);
  return '0x' + access.num(f, buf, base).toString(16);
}

/**
 * The decoder of a guest event's records, or null when the format is not one of them; `need`
 * reports fields the format lacks (the importer then lists the format as damaged).
 */
export function guestDatDecoder(fmt: DatFormatLike, access: DatFieldAccess, need: (...names: string[]) => boolean): { kind: GuestKind; decode: DatDecode } | null {
  const entry = NAMES.find(([system, name]) => system === fmt.system && name === fmt.name);
  if (!entry) return null;
  const kind = entry[2];
  const f = (name: string) => fmt.byName.get(name)!;
  const ptr = (field: DatField, s: EventStore, p: Buffer, at: number) => s.strings.intern(pointerField(field, access, p, at));
  switch (kind) {
    case K.LockContentionBegin:
    case K.LockContentionEnd: {
      const second = kind === K.LockContentionBegin ? 'flags' : 'ret';
      if (!need('lock_addr', second)) return null;
      const [lock, value] = [f('lock_addr'), f(second)];
      return { kind, decode: (s, row, p, at) => ((s.a[row] = ptr(lock, s, p, at)), (s.b[row] = access.num(value, p, at) | 0), true) };
    }
    case K.IpiSendCpu: {
      if (!need('cpu', 'callsite', 'callback')) return null;
      const [cpu, site, callback] = [f('cpu'), f('callsite'), f('callback')];
      return { kind, decode: (s, row, p, at) => ((s.a[row] = access.num(cpu, p, at)), (s.b[row] = ptr(callback, s, p, at)), (s.c[row] = ptr(site, s, p, at)), true) };
    }
    case K.IpiSendCpumask: {
      if (!need('cpumask', 'callsite', 'callback')) return null;
      const [mask, site, callback] = [f('cpumask'), f('callsite'), f('callback')];
      return {
        kind,
        decode: (s, row, p, at) => {
          const [start, length] = access.span(mask, p, at);
          if (start + length > p.length) return false;
          s.a[row] = s.strings.intern(cpuListText(cpusOfMaskBytes(p, start, length, access.little)));
          s.b[row] = ptr(callback, s, p, at);
          s.c[row] = ptr(site, s, p, at);
          return true;
        },
      };
    }
    case K.CsdQueueCpu: {
      if (!need('cpu', 'func', 'csd')) return null;
      const [cpu, func, csd] = [f('cpu'), f('func'), f('csd')];
      return { kind, decode: (s, row, p, at) => ((s.a[row] = access.num(cpu, p, at)), (s.b[row] = ptr(func, s, p, at)), (s.c[row] = ptr(csd, s, p, at)), true) };
    }
    default: {
      if (!need('func', 'csd')) return null;
      const [func, csd] = [f('func'), f('csd')];
      return { kind, decode: (s, row, p, at) => ((s.a[row] = ptr(func, s, p, at)), (s.b[row] = ptr(csd, s, p, at)), true) };
    }
  }
}
