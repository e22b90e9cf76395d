// trace.dat → the same columnar store the text parsers fill. Records of every CPU of every
// instance are merged in timestamp order (ties: buffer, then CPU, as trace-cmd report does),
// decoded by the field layout the file itself describes, and stored with the meaning each
// column has for text traces (model.ts), so the analysis cannot tell the two apart.

import { statSync } from 'node:fs';
import { EventKind, EventStore, isPid } from '../model';
import { CancelledError, emptyImportStats, type ImportedTrace, type ImportOptions, type ImportStats } from '../textImporter';
import { openTraceDat, TraceDatError, type DatFile } from './datFile';
import { printable } from './errors';
import type { DamagedFormat } from './eventFormat';
import type { BinaryDecode } from '../../events/descriptor';
import { fieldReaders, readable } from '../../events/binaryFields';
import { idWasOutOfRange, resetIdCheck } from '../../events/ids';
import { DYNAMIC_EVENTS, NAMED_EVENTS } from '../../events/registry';
import { CpuCursor, rawClock, type ClockToTs } from './ringBuffer';
import { checkTsc2Nsec, tscToNs } from './datOptions';
import { checkClockHz, unitOfClock, type TraceClock } from '../clock';

const TRACE_DAT_MAGIC = Buffer.from([0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67]);

/** True when the bytes start like a trace.dat. */
export function isTraceDat(head: Uint8Array): boolean {
  return head.length >= TRACE_DAT_MAGIC.length && Buffer.from(head.buffer, head.byteOffset, TRACE_DAT_MAGIC.length).equals(TRACE_DAT_MAGIC);
}

interface EventDecoder {
  kind: EventKind | -1;
  /** "system:name" for events that are only counted. */
  name: string;
  decode: BinaryDecode | null;
  /** The fixed part of a record as the format lays it out; shorter records are malformed. */
  minLength: number;
  /** Records stored, and records refused for being shorter than minLength. */
  stored: number;
  short: number;
}

/** The events the registry decodes by name, by "system:name". */
const NAMED = new Map(NAMED_EVENTS.filter((e) => e.binary).map((e) => [`${e.system}:${e.name}`, e]));

/** Decoders by event ID; a decoded event whose format lacks a field it needs goes to `damaged`. */
function makeDecoders(dat: DatFile, store: EventStore, damaged: DamagedFormat[]): Map<number, EventDecoder> {
  const read = fieldReaders(dat.littleEndian);
  const decoders = new Map<number, EventDecoder>();
  for (const [id, fmt] of dat.formats) {
    const entry: EventDecoder = { kind: -1, name: fmt.name, decode: null, minLength: 0, stored: 0, short: 0 };
    const named = NAMED.get(`${fmt.system}:${fmt.name}`);
    const dynamic = named ? undefined : DYNAMIC_EVENTS.find((d) => d.binary && d.dynamic!.formatMatches(fmt));
    const event = named ?? (dynamic && { kind: dynamic.kind, binary: dynamic.binary });
    if (event?.binary) {
      const unreadable = event.binary.fields.filter((name) => !readable(fmt.byName.get(name)));
      if (unreadable.length > 0) {
        damaged.push({ system: fmt.system, name: fmt.name, id, reason: `field ${unreadable.join(', ')} missing or unreadable` });
        continue;
      }
      entry.kind = event.kind;
      entry.decode = event.binary.make(fmt, read, store);
      // Only decoded formats are parsed beyond their name and ID.
      entry.minLength = fmt.fields.reduce((m, x) => Math.max(m, x.offset + x.size), 0);
    }
    decoders.set(id, entry);
  }
  return decoders;
}

/** The running task's name, as trace-cmd report prints it: the saved command line. */
function noteRunningTask(store: EventStore, dat: DatFile, pid: number): void {
  const known = store.threads.get(pid);
  const name = pid === 0 ? '<idle>' : (dat.cmdlines.get(pid) ?? '<...>');
  if (known === undefined || (known.comm !== name && name !== '<...>')) store.noteThread(pid, name);
}

/** Decodes one record into a new row; false when it was refused (malformed, or an id out of range). */
function storeRecord(store: EventStore, stats: ImportStats, d: EventDecoder, cur: CpuCursor, pid: number, record: number): boolean {
  const row = store.push(cur.ts, cur.cpu, pid, d.kind as EventKind, record);
  resetIdCheck();
  if (d.decode!(store, row, cur.page, cur.dataStart)) {
    stats.storedEvents++;
    return true;
  }
  store.length--;
  if (idWasOutOfRange()) refuseId(stats, record);
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
  // A guest's trace (TIME_SHIFT names its host) may hold nothing: its guest did none of the traced things.
  if (stats.eventLines === 0 && dat.buffers.every((b) => b.cpus.length === 0) && dat.origin.timeShift === null) throw new TraceDatError('trace.dat holds no ring-buffer data (no CPU recorded anything)');
  return { format: 'trace-cmd', store, stats };
}

/**
 * What damaged formats cost: one the analysis reads (a named event of the registry) with records in the trace
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
    if (f.name !== null && NAMED.has(`${f.system}:${f.name}`) && records + maybe > 0) {
      throw new TraceDatError(
        `trace.dat: the event format of ${event} is damaged (${f.reason}), and the analysis needs its records: ${records > 0 ? `${records} in this trace` : `${maybe} records of unknown event IDs may be ${f.name}`}`,
      );
    }
    warnings.push(`the event format of ${event} is damaged (${f.reason}) and was skipped: ${f.id === null ? `its records cannot be told from others (${maybe} records of unknown event IDs)` : records === 0 ? 'the trace has no records of it' : `its ${records} record(s) were counted, not read`}`);
  }
  return warnings;
}
