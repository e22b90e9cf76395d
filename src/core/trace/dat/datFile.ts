// The trace.dat container, versions 6 and 7 (rostedt/trace-cmd, Documentation/trace-cmd/
// trace-cmd.dat.v6.5.txt and .v7.5.txt): the initial format, the header page and event
// descriptions, event formats, saved command lines and the per-CPU ring-buffer data of every
// instance (v6: the flyrecord header and BUFFER options; v7: sections found through options,
// compressed with zstd or zlib). Only metadata is read here; ring-buffer pages are read later,
// a chunk at a time. Kallsyms and printk formats are skipped, never loaded.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { EventFormats } from './eventFormat';
import { decompressBounded, type CompressedPlace } from './decompress';
import { TraceDatError } from './errors';
import { emptyOrigin, OPTION_GUEST, OPTION_TIME_SHIFT, OPTION_TRACEID, OPTION_TSC2NSEC, readOriginOption, type TraceOrigin } from './datOptions';

export { TraceDatError };

export interface CpuData {
  cpu: number;
  offset: number;
  size: number;
}

export interface DatBuffer {
  /** "" for the top instance. */
  name: string;
  /** "" when the file does not say (a v6 file without the trace clock). */
  clock: string;
  cpus: CpuData[];
}

export interface HeaderPage {
  /** Offset and size of the commit word in a page header; data starts at dataOffset. */
  commitOffset: number;
  commitSize: number;
  dataOffset: number;
}

export interface DatFile {
  path: string;
  size: number;
  version: number;
  littleEndian: boolean;
  longSize: number;
  pageSize: number;
  /** "none" when the file is not compressed. */
  compression: string;
  headerPage: HeaderPage;
  /** By ID; damaged formats are set aside in `formats.damaged` (the importer decides what that costs). */
  formats: EventFormats;
  /** pid → comm from the saved command lines. */
  cmdlines: Map<number, string>;
  buffers: DatBuffer[];
  /** TRACEID, TIME_SHIFT, GUEST and TSC2NSEC. */
  origin: TraceOrigin;
  /** Options that were malformed and skipped. */
  optionWarnings: string[];
  fd: number;
  close(): void;
  /** Reads `length` bytes at `offset`; throws "truncated" when the file is shorter. */
  read(offset: number, length: number, what: string): Buffer;
  /** Bounded by the declared size (decompress.ts); a small overrun is cut and warned about. */
  decompress(data: Uint8Array, declaredSize: number, at: CompressedPlace): Buffer;
  /** Damage that was read around: one line each, shown with the results. */
  warnings: string[];
}

const MAGIC = Buffer.from([0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67]); // \x17\x08D "tracing"
const MAX_METADATA = 512 << 20;

/** Sequential reads through a metadata buffer, in the file's byte order. */
class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly little: boolean,
    readonly what: string,
  ) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new TraceDatError(`trace.dat: truncated ${this.what} (needs ${n} bytes at ${this.pos} of ${this.buf.length})`);
  }
  u16(): number {
    this.need(2);
    const v = this.little ? this.buf.readUInt16LE(this.pos) : this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.little ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = this.little ? this.buf.readBigUInt64LE(this.pos) : this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new TraceDatError(`trace.dat: ${this.what}: value ${v} out of range`);
    return Number(v);
  }
  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new TraceDatError(`trace.dat: truncated ${this.what} (unterminated string)`);
    const s = this.buf.toString('latin1', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

/** Opens a trace.dat and reads its metadata; the caller closes it. */
export function openTraceDat(path: string): DatFile {
  const fd = openSync(path, 'r');
  try {
    return readMetadata(path, fd);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function readMetadata(path: string, fd: number): DatFile {
  const size = fstatSync(fd).size;
  const read = (offset: number, length: number, what: string): Buffer => {
    if (offset < 0 || length < 0 || offset + length > size) throw new TraceDatError(`trace.dat: truncated ${what} (${length} bytes at offset ${offset}, file is ${size} bytes)`);
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, offset + got);
      if (n === 0) throw new TraceDatError(`trace.dat: truncated ${what}`);
      got += n;
    }
    return buf;
  };
  const head = read(0, Math.min(size, 64), 'initial format');
  if (head.length < MAGIC.length || !head.subarray(0, MAGIC.length).equals(MAGIC)) throw new TraceDatError('not a trace.dat: bad magic (expected \\x17\\x08D"tracing")');
  const versionEnd = head.indexOf(0, MAGIC.length);
  if (versionEnd < 0) throw new TraceDatError('trace.dat: truncated initial format (version)');
  const version = Number(head.toString('latin1', MAGIC.length, versionEnd));
  if (version !== 6 && version !== 7) throw new TraceDatError(`trace.dat: unsupported file version "${head.toString('latin1', MAGIC.length, versionEnd)}" (expected 6 or 7)`);
  let pos = versionEnd + 1;
  if (pos + 6 > head.length) throw new TraceDatError('trace.dat: truncated initial format');
  const littleEndian = head[pos] === 0;
  const longSize = head[pos + 1];
  if (longSize !== 4 && longSize !== 8) throw new TraceDatError(`trace.dat: bad long size ${longSize} (expected 4 or 8)`);
  pos += 2;
  const pageSize = littleEndian ? head.readUInt32LE(pos) : head.readUInt32BE(pos);
  pos += 4;
  if (pageSize < 64 || pageSize > 1 << 24 || (pageSize & (pageSize - 1)) !== 0) throw new TraceDatError(`trace.dat: bad page size ${pageSize}`);

  let compression = 'none';
  const warnings: string[] = [];
  const decompress = (data: Uint8Array, declaredSize: number, at: CompressedPlace): Buffer => decompressBounded(compression, data, declaredSize, at, (w) => warnings.push(w));

  const base = { path, size, version, littleEndian, longSize, pageSize, fd, read, decompress, warnings, close: () => closeSync(fd) };
  if (version === 6) return { ...base, compression, ...readV6(pos, read, littleEndian, size) };

  // v7: "name\0version\0", then the offset of the first options section.
  const tail = read(pos, Math.min(size - pos, 128), 'compression header');
  const c = new Cursor(tail, 0, littleEndian, 'compression header');
  compression = c.cstring();
  c.cstring(); // compressor version
  if (compression !== 'none' && compression !== 'zstd' && compression !== 'zlib') throw new TraceDatError(`trace.dat: unsupported compression "${compression}" (expected none, zstd or zlib)`);
  const firstOptions = c.u64();
  return { ...base, compression, ...readV7(firstOptions, read, decompress, littleEndian, () => pageSize) };
}

type Reader = DatFile['read'];

/** Reads ahead this much for the sequential metadata: a kernel's ~2,300 event formats were two preads each. */
const READ_AHEAD = 64 << 10;

/** `read` through one read-ahead window; returned buffers are views of the window (never written). */
function readAhead(read: Reader, size: number): Reader {
  let windowAt = 0;
  let window: Buffer = Buffer.alloc(0);
  return (offset, length, what) => {
    if (offset >= windowAt && offset + length <= windowAt + window.length) return window.subarray(offset - windowAt, offset - windowAt + length);
    if (length >= READ_AHEAD || offset < 0 || offset + length > size) return read(offset, length, what);
    window = read(offset, Math.min(READ_AHEAD, size - offset), what);
    windowAt = offset;
    return window.subarray(0, length);
  };
}

/** Header info (header_page + header_event), shared by v6 and v7. */
function parseHeaderInfo(c: Cursor): HeaderPage {
  const expectTag = (tag: string) => {
    const got = c.cstring();
    if (got !== tag) throw new TraceDatError(`trace.dat: expected "${tag}" in the header info, found "${got.slice(0, 20)}"`);
  };
  expectTag('header_page');
  const pageText = c.bytes(c.u64()).toString('latin1');
  expectTag('header_event');
  c.bytes(c.u64());
  const field = (name: string) => new RegExp(`field:[^;]*\\b${name}\\s*;\\s*offset:(\\d+);\\s*size:(\\d+);`).exec(pageText);
  const commit = field('commit');
  const data = field('data');
  if (!commit || !data) throw new TraceDatError('trace.dat: header_page lacks the commit or data field');
  return { commitOffset: Number(commit[1]), commitSize: Number(commit[2]), dataOffset: Number(data[1]) };
}

function parseEventFormats(c: Cursor, formats: EventFormats): void {
  const systems = c.u32();
  for (let s = 0; s < systems; s++) {
    const system = c.cstring();
    const count = c.u32();
    for (let e = 0; e < count; e++) formats.addText(c.bytes(c.u64()).toString('latin1'), system);
  }
}

function parseFtraceFormats(c: Cursor, formats: EventFormats): void {
  const count = c.u32();
  for (let i = 0; i < count; i++) formats.addText(c.bytes(c.u64()).toString('latin1'), 'ftrace');
}

function parseCmdlines(text: string, into: Map<number, string>): void {
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    const pid = Number(line.slice(0, sp));
    if (Number.isInteger(pid)) into.set(pid, line.slice(sp + 1));
  }
}

function readV6(start: number, fileRead: Reader, little: boolean, size: number) {
  // Everything up to the flyrecord table is sequential: read through one window (kallsyms skipped by seeking).
  const read = readAhead(fileRead, size);
  let pos = start;
  const chunk = (n: number, what: string) => {
    const b = read(pos, n, what);
    pos += n;
    return b;
  };
  const u32 = (what: string) => (little ? chunk(4, what).readUInt32LE(0) : chunk(4, what).readUInt32BE(0));
  const u64 = (what: string) => {
    const b = chunk(8, what);
    const v = little ? b.readBigUInt64LE(0) : b.readBigUInt64BE(0);
    if (v > BigInt(size)) throw new TraceDatError(`trace.dat: truncated ${what} (size ${v} past the end of the file)`);
    return Number(v);
  };
  const sized = (lengthBytes: 4 | 8, what: string) => chunk(lengthBytes === 4 ? u32(what) : u64(what), what);

  // header_page / header_event: tag, u64 size, text.
  const headerStart = pos;
  const tagged = () => {
    const tagEnd = read(pos, 16, 'header info').indexOf(0);
    if (tagEnd < 0) throw new TraceDatError('trace.dat: truncated header info');
    pos += tagEnd + 1;
    sized(8, 'header info');
  };
  tagged();
  tagged();
  const headerPage = parseHeaderInfo(new Cursor(read(headerStart, pos - headerStart, 'header info'), 0, little, 'header info'));

  const formats = new EventFormats();
  const formatsStart = pos;
  const ftraceCount = u32('ftrace event formats');
  for (let i = 0; i < ftraceCount; i++) sized(8, 'ftrace event formats');
  const systems = u32('event formats');
  for (let s = 0; s < systems; s++) {
    const nameEnd = read(pos, Math.min(256, size - pos), 'event formats').indexOf(0);
    if (nameEnd < 0) throw new TraceDatError('trace.dat: truncated event formats');
    pos += nameEnd + 1;
    const count = u32('event formats');
    for (let e = 0; e < count; e++) sized(8, 'event formats');
  }
  if (pos - formatsStart > MAX_METADATA) throw new TraceDatError('trace.dat: event formats larger than 512 MB');
  const fc = new Cursor(read(formatsStart, pos - formatsStart, 'event formats'), 0, little, 'event formats');
  parseFtraceFormats(fc, formats);
  parseEventFormats(fc, formats);

  // Skipped, never loaded. (Read the size first: `pos += u32()` would add to the old pos.)
  const kallsyms = u32('kallsyms');
  pos += kallsyms;
  const printk = u32('printk formats');
  pos += printk;
  const cmdlines = new Map<number, string>();
  parseCmdlines(sized(8, 'saved command lines').toString('latin1'), cmdlines);
  const cpus = u32('cpu count');
  if (cpus > 4096) throw new TraceDatError(`trace.dat: implausible cpu count ${cpus}`);
  const buffers: DatBuffer[] = [];
  const instanceOffsets: { name: string; offset: number }[] = [];
  let clock = '';
  let hasTraceClock = false;
  const { origin, optionWarnings, readOrigin } = originReader(little);
  for (;;) {
    const tag = chunk(10, 'data type').toString('latin1');
    if (tag === 'options  \0') {
      for (;;) {
        const idBytes = chunk(2, 'options');
        const id = little ? idBytes.readUInt16LE(0) : idBytes.readUInt16BE(0);
        if (id === 0) break;
        const data = sized(4, 'options');
        if (id === 3) {
          // BUFFER: u64 offset of the instance's flyrecord table, then its name.
          const c = new Cursor(data, 0, little, 'BUFFER option');
          const offset = c.u64();
          instanceOffsets.push({ offset, name: c.cstring() });
        } else if (id === 4) hasTraceClock = true; // the clock itself follows the CPU table
        else readOrigin(id, data);
      }
      continue;
    }
    if (tag === 'latency  \0') throw new TraceDatError('trace.dat: latency (text) trace data is not supported; record with flyrecord (trace-cmd record/extract)');
    if (tag !== 'flyrecord\0') throw new TraceDatError(`trace.dat: expected "flyrecord" or "options", found ${JSON.stringify(tag)}`);
    break;
  }
  const table = (at: number, name: string): DatBuffer => {
    const c = new Cursor(read(at, cpus * 16, `CPU table of buffer "${name}"`), 0, little, `CPU table of buffer "${name}"`);
    const list: CpuData[] = [];
    for (let cpu = 0; cpu < cpus; cpu++) {
      const offset = c.u64();
      const bytes = c.u64();
      if (offset + bytes > size) throw new TraceDatError(`trace.dat: truncated CPU ${cpu} data of buffer "${name}" (ends at ${offset + bytes}, file is ${size} bytes)`);
      if (bytes > 0) list.push({ cpu, offset, size: bytes });
    }
    return { name, clock, cpus: list };
  };
  if (hasTraceClock) {
    // As trace-cmd's init_data_v6: u64 size, then "[clock]" (older recorders: the whole trace_clock file).
    const at = pos + cpus * 16;
    const sizeBytes = read(at, 8, 'trace clock');
    const length = Number(little ? sizeBytes.readBigUInt64LE(0) : sizeBytes.readBigUInt64BE(0));
    if (length > 0 && length <= 4096 && at + 8 + length <= size) clock = traceClock(read(at + 8, length, 'trace clock').toString('latin1'));
    else optionWarnings.push('trace.dat: the trace clock after the CPU table is damaged; the clock is unknown');
  }
  buffers.push(table(pos, ''));
  // An instance's table is preceded by its own "flyrecord\0" tag.
  for (const inst of instanceOffsets) {
    const tagged = read(inst.offset, 10, `buffer "${inst.name}"`).toString('latin1') === 'flyrecord\0';
    buffers.push(table(inst.offset + (tagged ? 10 : 0), inst.name));
  }
  return { headerPage, formats, cmdlines, buffers, origin, optionWarnings };
}

const OPTION_DATE = 1;
const OPTION_OFFSET = 7;

/** Collects the origin options (datOptions.ts) and the warnings of those that were malformed. */
function originReader(little: boolean) {
  const origin = emptyOrigin();
  const optionWarnings: string[] = [];
  const readOrigin = (id: number, data: Buffer) => {
    if (id === OPTION_DATE || id === OPTION_OFFSET) {
      // trace-cmd report adds these to every time (a wall-clock date, or --ts-offset): durations do not change.
      const value = data.toString('latin1').replace(/\0.*$/s, '').trim();
      optionWarnings.push(`trace.dat: the ${id === OPTION_DATE ? 'DATE' : 'OFFSET'} option (${value}) is not added to the times: they are the trace clock's, where trace-cmd report shows them shifted`);
      return;
    }
    if (id !== OPTION_TRACEID && id !== OPTION_TIME_SHIFT && id !== OPTION_GUEST && id !== OPTION_TSC2NSEC) return;
    const warning = readOriginOption(id, data, little, origin);
    if (warning) optionWarnings.push(warning);
  };
  return { origin, optionWarnings, readOrigin };
}

/** "[local] global counter" → "local". */
function traceClock(text: string): string {
  return /\[([^\]]+)\]/.exec(text)?.[1] ?? text.trim();
}

const OPTION = { DONE: 0, BUFFER: 3, TRACECLOCK: 4, HEADER_INFO: 16, FTRACE_EVENTS: 17, EVENT_FORMATS: 18, CMDLINES: 21 } as const;

function readV7(firstOptions: number, read: Reader, decompress: DatFile['decompress'], little: boolean, pageSizeOf: () => number) {
  /** A section's content (decompressed when its flag says so). */
  const section = (offset: number, expectId: number, what: string): Cursor => {
    const h = new Cursor(read(offset, 16, `${what} section header`), 0, little, `${what} section header`);
    const id = h.u16();
    const flags = h.u16();
    h.u32(); // description string id
    const bytes = h.u64();
    if (id !== expectId) throw new TraceDatError(`trace.dat: expected ${what} section (id ${expectId}) at offset ${offset}, found id ${id}`);
    if (bytes > MAX_METADATA) throw new TraceDatError(`trace.dat: ${what} section larger than 512 MB`);
    let data = read(offset + 16, bytes, `${what} section`);
    if (flags & 1) {
      const ch = new Cursor(data, 0, little, `${what} compression header`);
      const csize = ch.u32();
      const usize = ch.u32();
      data = decompress(ch.bytes(csize), usize, { what, unit: 'section', offset });
    }
    return new Cursor(data, 0, little, `${what} section`);
  };

  const buffers: DatBuffer[] = [];
  const offsets: Partial<Record<number, number>> = {};
  let clock = '';
  const { origin, optionWarnings, readOrigin } = originReader(little);
  const seen = new Set<number>();
  for (let next = firstOptions; next !== 0; ) {
    if (seen.has(next)) throw new TraceDatError('trace.dat: options sections form a loop');
    seen.add(next);
    const c = section(next, 0, 'options');
    next = 0;
    while (c.pos < c.buf.length) {
      const id = c.u16();
      const data = c.bytes(c.u32());
      const o = new Cursor(data, 0, little, `option ${id}`);
      if (id === OPTION.DONE) {
        next = o.u64();
        break;
      }
      if (id === OPTION.BUFFER) {
        const offset = o.u64();
        const name = o.cstring();
        const bufferClock = o.cstring();
        // trace-cmd 3.x writes the page size before the CPU count; the v7 document does not
        // show it. Tell the two layouts apart by what the rest of the option holds.
        const rest = data.length - o.pos;
        const first = o.u32();
        let count = first;
        if (rest !== 4 + first * 20 && rest >= 8) {
          count = o.u32();
          if (rest !== 8 + count * 20) throw new TraceDatError(`trace.dat: BUFFER option of "${name}" has ${rest} bytes after its clock, which fits neither layout`);
          if (first !== pageSizeOf()) throw new TraceDatError(`trace.dat: buffer "${name}" has page size ${first}, the file ${pageSizeOf()} (mixed page sizes are not supported)`);
        }
        const cpus: CpuData[] = [];
        for (let i = 0; i < count; i++) {
          const cpu = o.u32();
          const at = o.u64();
          const bytes = o.u64();
          if (bytes > 0) cpus.push({ cpu, offset: at, size: bytes });
        }
        void offset; // the flyrecord section header; CPU data offsets are absolute
        buffers.push({ name, clock: bufferClock, cpus });
      } else if (id === OPTION.TRACECLOCK) clock = traceClock(data.toString('latin1'));
      else if (id === OPTION.HEADER_INFO || id === OPTION.FTRACE_EVENTS || id === OPTION.EVENT_FORMATS || id === OPTION.CMDLINES) offsets[id] = o.u64();
      else readOrigin(id, data);
    }
  }
  if (offsets[OPTION.HEADER_INFO] === undefined) throw new TraceDatError('trace.dat: no HEADER_INFO option (the page format is unknown)');
  const headerPage = parseHeaderInfo(section(offsets[OPTION.HEADER_INFO]!, OPTION.HEADER_INFO, 'header info'));
  const formats = new EventFormats();
  if (offsets[OPTION.FTRACE_EVENTS] !== undefined) parseFtraceFormats(section(offsets[OPTION.FTRACE_EVENTS]!, OPTION.FTRACE_EVENTS, 'ftrace event formats'), formats);
  if (offsets[OPTION.EVENT_FORMATS] !== undefined) parseEventFormats(section(offsets[OPTION.EVENT_FORMATS]!, OPTION.EVENT_FORMATS, 'event formats'), formats);
  const cmdlines = new Map<number, string>();
  if (offsets[OPTION.CMDLINES] !== undefined) {
    const c = section(offsets[OPTION.CMDLINES]!, OPTION.CMDLINES, 'saved command lines');
    parseCmdlines(c.bytes(c.u64()).toString('latin1'), cmdlines);
  }
  for (const b of buffers) if (!b.clock) b.clock = clock;
  return { headerPage, formats, cmdlines, buffers, origin, optionWarnings };
}
