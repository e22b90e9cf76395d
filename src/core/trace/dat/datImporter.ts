// trace.dat → the same columnar store the text parsers fill. Records of every CPU of every
// instance are merged in timestamp order (ties: buffer, then CPU, as trace-cmd report does),
// decoded by the field layout the file itself describes, and stored with the meaning each
// column has for text traces (model.ts), so the analysis cannot tell the two apart.

import { statSync } from 'node:fs';
import { EventKind, EventStore, isPid, isVcpuId, PREEMPT_FLAG, PrevState } from '../model';
import { CancelledError, emptyImportStats, type ImportedTrace, type ImportOptions, type ImportStats } from '../textImporter';
import { fixComm } from '../eventPayload';
import { KVM_EOI, KVM_EOI_FIELDS } from '../eoiEvent';
import { GUEST_EVENT_GROUPS, guestDatDecoder } from '../guestEvents';
import { openTraceDat, TraceDatError, type DatFile } from './datFile';
import { printable } from './errors';
import { symbolicTables, type DamagedFormat, type EventFormat, type FieldFormat } from './eventFormat';
import { CpuCursor, rawClock, type ClockToTs } from './ringBuffer';
import { checkTsc2Nsec, tscToNs } from './datOptions';
import { checkClockHz, unitOfClock, type TraceClock } from '../clock';

const TRACE_DAT_MAGIC = Buffer.from([0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67]);

/** True when the bytes start like a trace.dat. */
export function isTraceDat(head: Uint8Array): boolean {
  return head.length >= TRACE_DAT_MAGIC.length && Buffer.from(head.buffer, head.byteOffset, TRACE_DAT_MAGIC.length).equals(TRACE_DAT_MAGIC);
}

type Decode = (store: EventStore, row: number, page: Buffer, at: number) => boolean;

interface EventDecoder {
  kind: EventKind | -1;
  /** "system:name" for events that are only counted. */
  name: string;
  decode: Decode | null;
  /** The fixed part of a record as the format lays it out; shorter records are malformed. */
  minLength: number;
  /** Records stored, and records refused for being shorter than minLength. */
  stored: number;
  short: number;
  /** Probe events: interned name, return probe, numeric argument fields. */
  probe?: { nameId: number; isReturn: boolean; args: FieldFormat[] };
}

/** Field readers bound to the file's byte order. */
function readers(le: boolean) {
  const uint = (buf: Buffer, at: number, size: number): number => {
    switch (size) {
      case 1:
        return buf[at];
      case 2:
        return le ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
      case 4:
        return le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
      case 8: {
        const lo = le ? buf.readUInt32LE(at) : buf.readUInt32BE(at + 4);
        const hi = le ? buf.readUInt32LE(at + 4) : buf.readUInt32BE(at);
        return hi * 4294967296 + lo;
      }
      default:
        return NaN;
    }
  };
  const int = (buf: Buffer, at: number, size: number): number => {
    switch (size) {
      case 1:
        return buf.readInt8(at);
      case 2:
        return le ? buf.readInt16LE(at) : buf.readInt16BE(at);
      case 4:
        return le ? buf.readInt32LE(at) : buf.readInt32BE(at);
      case 8:
        return Number(le ? buf.readBigInt64LE(at) : buf.readBigInt64BE(at));
      default:
        return NaN;
    }
  };
  /** Where a field's bytes are: dynamic (__data_loc, __rel_loc) arrays resolved. */
  const span = (f: FieldFormat, buf: Buffer, base: number): [number, number] => {
    if (!f.dynamic) return [base + f.offset, f.size];
    const loc = uint(buf, base + f.offset, 4);
    return [(f.dynamic === 'rel_loc' ? base + f.offset + 4 : base) + (loc & 0xffff), loc >>> 16];
  };
  return {
    span,
    num: (f: FieldFormat, buf: Buffer, base: number): number => (f.signed ? int(buf, base + f.offset, f.size) : uint(buf, base + f.offset, f.size)),
    str: (f: FieldFormat, buf: Buffer, base: number, end: number): string => {
      const [start, length] = span(f, buf, base);
      const stop = Math.min(start + length, end);
      let zero = buf.indexOf(0, start);
      if (zero < 0 || zero > stop) zero = stop;
      return fixComm(buf.toString('latin1', start, zero));
    },
  };
}

/** The bit sched_switch sets for a preempted task ("R+"), from its own print fmt. */
function reportMax(printFmt: string): number {
  const m = /\(\(\(\(([0-9a-fx| ]+)\) \+ 1\) << 1\)/i.exec(printFmt);
  if (!m) return 0x100;
  const or = m[1].split('|').reduce((acc, v) => acc | Number(v.trim()), 0);
  return (or + 1) << 1;
}

/** Set when a decoder refused an id the store cannot keep exactly (model.ts isPid / isVcpuId). */
let idOutOfRange = false;
const pidOk = (pid: number) => isPid(pid) || ((idOutOfRange = true), false);
const vcpuOk = (vcpu: number) => isVcpuId(vcpu) || ((idOutOfRange = true), false);

/** The events makeDecoders stores: damage in their formats is damage the analysis sees. */
const DECODED_EVENTS = new Set(['kvm_exit', 'kvm_entry', 'kvm_ple_window_update', 'kvm_ple_window', 'kvm_apic_ipi', 'kvm_apic_accept_irq', 'kvm_vcpu_wakeup', 'sched_switch', 'sched_wakeup', 'sched_waking', 'sched_wakeup_new', 'sched_migrate_task', KVM_EOI]);

/** A field the readers can read: a string, or a number of 1, 2, 4 or 8 bytes. */
function readable(field: FieldFormat | undefined): boolean {
  return field !== undefined && (field.dynamic !== null || field.arrayLength > 0 || field.size === 1 || field.size === 2 || field.size === 4 || field.size === 8);
}

/** Decoders by event ID; a decoded event whose format lacks a field it needs goes to `damaged`. */
function makeDecoders(dat: DatFile, store: EventStore, damaged: DamagedFormat[]): Map<number, EventDecoder> {
  const { num, str, span } = readers(dat.littleEndian);
  const guestAccess = { little: dat.littleEndian, num, span };
  const decoders = new Map<number, EventDecoder>();
  for (const [id, fmt] of dat.formats) {
    const f = (name: string) => fmt.byName.get(name);
    const unreadable: string[] = [];
    const need = (...names: string[]) => {
      for (const n of names) if (!readable(f(n))) unreadable.push(n);
      return unreadable.length === 0;
    };
    let kind: EventKind | -1 = -1;
    let decode: Decode | null = null;
    const sys = fmt.system;
    if (sys === 'kvm' && fmt.name === 'kvm_exit' && need('exit_reason')) {
      const [reason, isa, vcpu] = [f('exit_reason')!, f('isa'), f('vcpu_id')];
      const tables = symbolicTables(fmt.printFmt).filter((t) => t.size > 0);
      const masked = /__print_symbolic\(REC->exit_reason & 0xffff/.test(fmt.printFmt);
      const vmxFirst = /isa == 1\)\s*\?/.test(fmt.printFmt);
      const cache = new Map<number, number>();
      kind = EventKind.KvmExit;
      decode = (s, row, p, at) => {
        const isaValue = isa ? num(isa, p, at) : 1;
        const raw = num(reason, p, at);
        const table = tables.length < 2 ? tables[0] : (isaValue === 1) === vmxFirst ? tables[0] : tables[1];
        const code = masked && (isaValue === 1) === vmxFirst ? raw & 0xffff : raw;
        const key = tables.length < 2 || (isaValue === 1) === vmxFirst ? code : -1 - code;
        let sid = cache.get(key);
        if (sid === undefined) {
          sid = s.strings.intern(table?.get(code) ?? `0x${code.toString(16)}`);
          cache.set(key, sid);
        }
        const id = vcpu ? num(vcpu, p, at) : -1;
        if (id !== -1 && !vcpuOk(id)) return false;
        s.a[row] = id;
        s.b[row] = sid;
        return true;
      };
    } else if (sys === 'kvm' && fmt.name === 'kvm_entry' && need('vcpu_id')) {
      const vcpu = f('vcpu_id')!;
      kind = EventKind.KvmEntry;
      decode = (s, row, p, at) => vcpuOk((s.a[row] = num(vcpu, p, at)));
    } else if (sys === 'kvm' && fmt.name === 'kvm_ple_window_update' && need('vcpu_id', 'new', 'old')) {
      const [vcpu, next, old] = [f('vcpu_id')!, f('new')!, f('old')!];
      kind = EventKind.PleWindow;
      decode = (s, row, p, at) => {
        const o = num(old, p, at);
        const n = num(next, p, at);
        if (!vcpuOk((s.a[row] = num(vcpu, p, at)))) return false;
        s.b[row] = o < n ? 1 : 0; // the kernel prints "growed" when old < new
        s.x[row] = o;
        s.y[row] = n;
        return true;
      };
    } else if (sys === 'kvm' && fmt.name === 'kvm_ple_window' && need('vcpu_id', 'new', 'old', 'grow')) {
      const [vcpu, next, old, grow] = [f('vcpu_id')!, f('new')!, f('old')!, f('grow')!];
      kind = EventKind.PleWindow;
      decode = (s, row, p, at) => {
        if (!vcpuOk((s.a[row] = num(vcpu, p, at)))) return false;
        s.b[row] = num(grow, p, at) ? 1 : 0;
        s.x[row] = num(old, p, at);
        s.y[row] = num(next, p, at);
        return true;
      };
    } else if (sys === 'kvm' && fmt.name === 'kvm_apic_ipi' && need('icr_low', 'dest_id')) {
      const [icr, dest] = [f('icr_low')!, f('dest_id')!];
      kind = EventKind.ApicIpi;
      decode = (s, row, p, at) => {
        const low = num(icr, p, at);
        s.a[row] = num(dest, p, at);
        s.b[row] = low & 0xff;
        s.c[row] = (low >>> 18) & 3; // destination shorthand: dst, self, all, all-but-self
        return true;
      };
    } else if (sys === 'kvm' && fmt.name === 'kvm_apic_accept_irq' && need('apicid', 'vec')) {
      const [apic, vec] = [f('apicid')!, f('vec')!];
      kind = EventKind.ApicAcceptIrq;
      decode = (s, row, p, at) => ((s.a[row] = num(apic, p, at)), (s.b[row] = num(vec, p, at)), true);
    } else if (sys === 'kvm' && fmt.name === KVM_EOI && need(...KVM_EOI_FIELDS)) {
      const [apic, vec] = KVM_EOI_FIELDS.map((n) => f(n)!);
      kind = EventKind.KvmEoi;
      decode = (s, row, p, at) => ((s.a[row] = num(apic, p, at)), (s.b[row] = num(vec, p, at)), true);
    } else if (sys === 'kvm' && fmt.name === 'kvm_vcpu_wakeup' && need('ns', 'waited')) {
      const [ns, waited, valid] = [f('ns')!, f('waited')!, f('valid')];
      kind = EventKind.VcpuWakeup;
      decode = (s, row, p, at) => ((s.a[row] = num(waited, p, at) ? 1 : 0), (s.b[row] = valid ? (num(valid, p, at) ? 1 : 0) : 1), (s.x[row] = num(ns, p, at)), true);
    } else if (sys === 'sched' && fmt.name === 'sched_switch' && need('prev_comm', 'prev_pid', 'prev_state', 'next_comm', 'next_pid')) {
      const [pc, pp, ps, nc, np] = [f('prev_comm')!, f('prev_pid')!, f('prev_state')!, f('next_comm')!, f('next_pid')!];
      const preemptBit = reportMax(fmt.printFmt);
      const stateMask = preemptBit - 1;
      kind = EventKind.SchedSwitch;
      decode = (s, row, p, at) => {
        const prevPid = num(pp, p, at);
        const nextPid = num(np, p, at);
        const state = num(ps, p, at);
        if (!pidOk(prevPid) || !pidOk(nextPid)) return false;
        const low = state & stateMask;
        // The printed state's first letter: R when no bit is set, else the lowest flag (S, D, ...).
        let code: number = low === 0 ? PrevState.Runnable : low & 1 ? PrevState.Sleeping : low & 2 ? PrevState.Disk : PrevState.Other;
        if (state & preemptBit) code |= PREEMPT_FLAG;
        s.a[row] = prevPid;
        s.b[row] = code;
        s.c[row] = nextPid;
        s.noteThread(prevPid, str(pc, p, at, p.length));
        s.noteThread(nextPid, str(nc, p, at, p.length));
        return true;
      };
    } else if (sys === 'sched' && (fmt.name === 'sched_wakeup' || fmt.name === 'sched_waking' || fmt.name === 'sched_wakeup_new') && need('comm', 'pid')) {
      const [comm, pid, cpu] = [f('comm')!, f('pid')!, f('target_cpu')];
      kind = fmt.name === 'sched_wakeup' ? EventKind.SchedWakeup : fmt.name === 'sched_waking' ? EventKind.SchedWaking : EventKind.SchedWakeupNew;
      decode = (s, row, p, at) => {
        const task = num(pid, p, at);
        if (!pidOk(task)) return false;
        s.a[row] = task;
        s.b[row] = cpu ? num(cpu, p, at) : -1;
        s.noteThread(task, str(comm, p, at, p.length));
        return true;
      };
    } else if (sys === 'sched' && fmt.name === 'sched_migrate_task' && need('comm', 'pid', 'orig_cpu', 'dest_cpu')) {
      const [comm, pid, orig, dest] = [f('comm')!, f('pid')!, f('orig_cpu')!, f('dest_cpu')!];
      kind = EventKind.SchedMigrate;
      decode = (s, row, p, at) => {
        const task = num(pid, p, at);
        if (!pidOk(task)) return false;
        s.a[row] = task;
        s.b[row] = num(orig, p, at);
        s.c[row] = num(dest, p, at);
        s.noteThread(task, str(comm, p, at, p.length));
        return true;
      };
    } else if (GUEST_EVENT_GROUPS.has(sys)) {
      const guest = guestDatDecoder(fmt, guestAccess, need);
      if (guest) ({ kind, decode } = guest);
    }
    if (decode === null && unreadable.length > 0) {
      damaged.push({ system: sys, name: fmt.name, id, reason: `field ${unreadable.join(', ')} missing or unreadable` });
      continue;
    }
    const entry: EventDecoder = { kind, name: fmt.name, decode, minLength: 0, stored: 0, short: 0 };
    if (kind === -1 && isProbeFormat(fmt)) {
      const args = fmt.fields.filter((x) => !x.name.startsWith('common_') && !x.name.startsWith('__probe_') && !x.dynamic && x.arrayLength === 0 && x.size <= 8);
      entry.kind = EventKind.Probe;
      entry.probe = { nameId: store.strings.intern(fmt.name), isReturn: fmt.byName.has('__probe_ret_ip'), args: args.slice(0, 2) };
      const probe = entry.probe;
      entry.decode = (s, row, p, at) => {
        s.a[row] = probe.nameId;
        s.b[row] = probe.isReturn ? 1 : 0;
        if (probe.args[0]) s.x[row] = num(probe.args[0], p, at);
        if (probe.args[1]) s.y[row] = num(probe.args[1], p, at);
        return true;
      };
    }
    // Only decoded formats are parsed beyond their name and ID.
    if (entry.decode) entry.minLength = fmt.fields.reduce((m, x) => Math.max(m, x.offset + x.size), 0);
    decoders.set(id, entry);
  }
  return decoders;
}

/** kprobe / kretprobe / perf-probe events (dynamic events carry __probe_ip). */
function isProbeFormat(fmt: EventFormat): boolean {
  // The text first: most formats are never parsed further.
  return fmt.text.includes('__probe_') && (fmt.byName.has('__probe_ip') || fmt.byName.has('__probe_func'));
}

/** The running task's name, as trace-cmd report prints it: the saved command line. */
function noteRunningTask(store: EventStore, dat: DatFile, pid: number): void {
  const known = store.threads.get(pid);
  const name = pid === 0 ? '<idle>' : (dat.cmdlines.get(pid) ?? '<...>');
  if (known === undefined || (known.comm !== name && name !== '<...>')) store.noteThread(pid, name);
}

/** Decodes one record into a new row; a record that does not decode leaves no row. */
/** Decodes one record into a new row; false when it was refused (malformed, or an id out of range). */
function storeRecord(store: EventStore, stats: ImportStats, d: EventDecoder, cur: CpuCursor, pid: number, record: number): boolean {
  const row = store.push(cur.ts, cur.cpu, pid, d.kind as EventKind, record);
  idOutOfRange = false;
  if (d.decode!(store, row, cur.page, cur.dataStart)) {
    stats.storedEvents++;
    return true;
  }
  store.length--;
  if (idOutOfRange) refuseId(stats, record);
  else {
    stats.malformedPayloads++;
    if (stats.firstMalformedPayloadLines.length < 5) stats.firstMalformedPayloadLines.push(record);
  }
  return false;
}

function refuseId(stats: ImportStats, record: number): void {
  stats.idsOutOfRange++;
  if (stats.firstIdOutOfRangeLines.length < 5) stats.firstIdOutOfRangeLines.push(record);
}

/** Reads a trace.dat into the columnar store: every instance, every CPU, in timestamp order. */
export async function importTraceDat(path: string, options: ImportOptions = {}): Promise<ImportedTrace> {
  const dat = openTraceDat(path);
  try {
    return await readEvents(dat, options);
  } finally {
    dat.close();
  }
}

/**
 * How the file's clock becomes the store's timestamps, as trace-cmd's timestamp_calc: the
 * user's counter frequency (--ts2secs), else TSC2NSEC's multiplier and shift, else as recorded.
 */
function datClock(dat: DatFile, clockHz: number | undefined, warnings: string[]): { clock: TraceClock; toTs: ClockToTs } {
  const top = dat.buffers.find((b) => b.name === '') ?? dat.buffers[0];
  const name = top?.clock || null;
  const others = [...new Set(dat.buffers.map((b) => b.clock).filter((c) => c && c !== name))];
  if (others.length) warnings.push(`trace.dat: instances record with other clocks (${others.join(', ')}) than the top buffer's ${name}; all timestamps are read as ${name}`);
  const tsc = dat.origin.tsc2nsec;
  if (tsc && tsc.mult !== 0) {
    const bad = checkTsc2Nsec(tsc);
    if (bad) throw new TraceDatError(bad);
  }
  const recordedUnit = name ? unitOfClock(name) : 'ns';
  if (clockHz !== undefined) {
    checkClockHz(clockHz);
    if (recordedUnit === 'cycles' && !(tsc && tsc.mult !== 0)) {
      const nsPerCount = 1e9 / clockHz;
      return { clock: { name, unit: 'ns' }, toTs: (hi, lo) => Math.floor(rawClock(hi, lo) * nsPerCount) };
    }
    warnings.push(`the counter frequency ${clockHz} Hz was not used: the trace's timestamps are already in ns (${tsc && tsc.mult !== 0 ? 'its TSC2NSEC option' : `clock ${name ?? 'local'}`})`);
  }
  if (tsc && tsc.mult !== 0) {
    const { mult, shift } = tsc;
    return { clock: { name, unit: 'ns' }, toTs: (hi, lo) => tscToNs(hi, lo, mult, shift) };
  }
  return { clock: { name, unit: recordedUnit }, toTs: rawClock };
}

async function readEvents(dat: DatFile, options: ImportOptions): Promise<ImportedTrace> {
  const store = new EventStore(1 << 16);
  const damaged = [...dat.formats.damaged];
  const decoders = makeDecoders(dat, store, damaged);
  const le = dat.littleEndian;
  const stats: ImportStats = { ...emptyImportStats(), bytes: statSync(dat.path).size };
  stats.warnings.push(...dat.optionWarnings);
  const { clock, toTs } = datClock(dat, options.clockHz, stats.warnings);
  store.clock = clock;
  store.origin = dat.origin;
  const cursors: { cursor: CpuCursor; buffer: number }[] = [];
  dat.buffers.forEach((b, bi) => {
    for (const cpu of b.cpus) cursors.push({ cursor: new CpuCursor(dat, cpu.cpu, cpu, `CPU ${cpu.cpu} of buffer "${b.name || 'top'}"`, toTs), buffer: bi });
  });
  // A binary min-heap of CPU cursors ordered by (timestamp, buffer, cpu).
  const heap: typeof cursors = [];
  const less = (p: (typeof cursors)[number], q: (typeof cursors)[number]) => p.cursor.ts < q.cursor.ts || (p.cursor.ts === q.cursor.ts && (p.buffer < q.buffer || (p.buffer === q.buffer && p.cursor.cpu < q.cursor.cpu)));
  const push = (e: (typeof cursors)[number]) => {
    heap.push(e);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  };
  const siftDown = () => {
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l], heap[m])) m = l;
      if (r < heap.length && less(heap[r], heap[m])) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (const c of cursors) if (c.cursor.advance()) push(c);
  const total = cursors.reduce((a, c) => a + dat.buffers[c.buffer].cpus.find((x) => x.cpu === c.cursor.cpu)!.size, 0);
  const consumed = () => cursors.reduce((a, c) => a + c.cursor.consumed, 0);
  const unknownIds = new Map<number, number>();
  let record = 0;
  while (heap.length > 0) {
    const top = heap[0];
    const cur = top.cursor;
    const p = cur.page;
    const at = cur.dataStart;
    record++;
    if ((record & 0xffff) === 0) {
      options.onProgress?.(consumed(), total);
      // Let an abort (and the rest of the thread's work) in between batches.
      await new Promise((r) => setImmediate(r));
      if (options.signal?.aborted) throw new CancelledError();
    }
    if (cur.lostBefore !== 0) store.lost.push({ cpu: cur.cpu, count: cur.lostBefore, line: record });
    stats.lines++;
    if (cur.dataLength >= 8) {
      stats.eventLines++;
      const id = le ? p.readUInt16LE(at) : p.readUInt16BE(at);
      const pid = le ? p.readInt32LE(at + 4) : p.readInt32BE(at + 4);
      if (!isPid(pid)) refuseId(stats, record);
      else {
        noteRunningTask(store, dat, pid);
        const d = decoders.get(id);
        if (d === undefined) {
          unknownIds.set(id, (unknownIds.get(id) ?? 0) + 1);
          stats.otherEvents++;
        } else if (d.decode === null) {
          store.countOther(d.name);
          stats.otherEvents++;
        } else if (cur.dataLength < d.minLength) {
          d.short++;
          stats.malformedPayloads++;
          if (stats.firstMalformedPayloadLines.length < 5) stats.firstMalformedPayloadLines.push(record);
        } else if (storeRecord(store, stats, d, cur, pid, record)) d.stored++;
      }
    } else {
      stats.malformedPayloads++;
      if (stats.firstMalformedPayloadLines.length < 5) stats.firstMalformedPayloadLines.push(record);
    }
    if (cur.advance()) siftDown();
    else {
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        siftDown();
      }
    }
  }
  for (const [id, n] of unknownIds) store.otherEvents.set(`event id ${id}`, n);
  stats.warnings.push(...[...dat.warnings, ...judgeFormats(dat, decoders, damaged, unknownIds)].map(printable));
  options.onProgress?.(total, total);
  if (stats.eventLines === 0 && dat.buffers.every((b) => b.cpus.length === 0)) throw new TraceDatError('trace.dat holds no ring-buffer data (no CPU recorded anything)');
  return { format: 'trace-cmd', store, stats };
}

/**
 * What damaged formats cost: one the analysis reads (DECODED_EVENTS) with records in the trace
 * is refused in one line, since its results would be wrong; any other is skipped with a warning
 * naming it. So is a decoded event none of whose records is as long as its format says.
 */
function judgeFormats(dat: DatFile, decoders: Map<number, EventDecoder>, damaged: DamagedFormat[], unknownIds: Map<number, number>): string[] {
  for (const [id, d] of decoders) {
    if (d.short === 0 || d.stored > 0) continue;
    const fmt = dat.formats.get(id)!;
    throw new TraceDatError(`trace.dat: the event format of ${fmt.system}:${fmt.name} does not fit its records: it needs ${d.minLength} bytes, none of its ${d.short} records has that many (the format or the data is damaged)`);
  }
  const warnings: string[] = [];
  const unclaimed = [...unknownIds.values()].reduce((a, n) => a + n, 0);
  for (const f of damaged) {
    const event = `${f.system}:${f.name ?? '(unnamed)'}${f.id === null ? '' : ` (ID ${f.id})`}`;
    const records = f.id === null ? 0 : (unknownIds.get(f.id) ?? 0);
    // Without its ID line, any record of an unknown ID may be one of this event's.
    const maybe = f.id === null ? unclaimed : 0;
    if (f.name !== null && DECODED_EVENTS.has(f.name) && records + maybe > 0) {
      throw new TraceDatError(
        `trace.dat: the event format of ${event} is damaged (${f.reason}), and the analysis needs its records: ${records > 0 ? `${records} in this trace` : `${maybe} records of unknown event IDs may be ${f.name}`}`,
      );
    }
    warnings.push(`the event format of ${event} is damaged (${f.reason}) and was skipped: ${f.id === null ? `its records cannot be told from others (${maybe} records of unknown event IDs)` : records === 0 ? 'the trace has no records of it' : `its ${records} record(s) were counted, not read`}`);
  }
  return warnings;
}
