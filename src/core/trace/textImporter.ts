// Streaming importer for the three text formats: bytes in chunks -> lines -> columnar store.
// Lines are decoded as latin1 (one char per byte, so a chunk boundary never splits a
// character); thread names with UTF-8 bytes are recovered in fixComm. Memory stays bounded
// by one chunk plus one line: a line over `maxLineLength` is skipped and reported.

import { createReadStream, statSync } from 'node:fs';
import { EventStore } from './model';
import { commOf, newLineHead, parseLineHead } from './lineHead';
import { decodeEvent, DecodeResult, fixComm } from './eventPayload';
import {
  decideFormat,
  EXPECTED_FORMATS,
  type FormatEvidence,
  newEvidence,
  noteEventLine,
  noteHeaderLine,
  NotATraceError,
  rejectBinary,
  type TraceFormat,
} from './sniff';

export interface ImportOptions {
  /** Called after each chunk with bytes consumed so far and the total (0 when unknown). */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  signal?: AbortSignal;
  /** Longer lines are skipped and counted (default 1 MiB). */
  maxLineLength?: number;
  /** Give up when this many bytes hold no event line at all (default 1 MiB). */
  sniffLimit?: number;
}

export interface ImportStats {
  bytes: number;
  lines: number;
  eventLines: number;
  storedEvents: number;
  otherEvents: number;
  malformedLines: number;
  firstMalformedLines: number[];
  malformedPayloads: number;
  firstMalformedPayloadLines: number[];
  longLines: number;
  crlf: boolean;
}

export function emptyImportStats(): ImportStats {
  return { bytes: 0, lines: 0, eventLines: 0, storedEvents: 0, otherEvents: 0, malformedLines: 0, firstMalformedLines: [], malformedPayloads: 0, firstMalformedPayloadLines: [], longLines: 0, crlf: false };
}

export interface ImportedTrace {
  format: TraceFormat;
  store: EventStore;
  stats: ImportStats;
}

/** What one importer produced before the whole-file checks (a file may be read in parts). */
export interface ImportPart {
  store: EventStore;
  stats: ImportStats;
  evidence: FormatEvidence;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

const LOST_FTRACE = /^\s*CPU:(\d+) \[LOST (\d+) EVENTS\]/;
const LOST_TRACE_CMD = /^\s*CPU:(\d+) \[(?:(\d+) )?EVENTS DROPPED\]/;
const KNOWN_NON_EVENT = /^\s*(cpus=\d+|version = \d+|CPU \d+ is empty|trace-cmd: |\s*$)/;
const MAX_REPORTED_LINES = 5;
const EMPTY = Buffer.alloc(0);

export class TextTraceImporter {
  readonly store: EventStore = new EventStore();
  private readonly stats: ImportStats = emptyImportStats();
  private readonly evidence = newEvidence();
  private readonly head = newLineHead();
  private carry: Buffer = EMPTY;
  private skippingLongLine = false;
  private readonly maxLineLength: number;
  private readonly sniffLimit: number;

  /** A part that starts in the middle of a file: no binary or sniff check of its own. */
  private readonly continuation: boolean;

  constructor(options: ImportOptions & { expectedBytes?: number; continuation?: boolean } = {}) {
    this.continuation = options.continuation ?? false;
    // Sized from the file (~90 bytes a line) so the columns rarely need to grow.
    if (options.expectedBytes) this.store = new EventStore(Math.min(Math.ceil(options.expectedBytes / 90), 1 << 26));
    this.maxLineLength = options.maxLineLength ?? 1 << 20;
    this.sniffLimit = options.sniffLimit ?? 1 << 20;
  }

  push(chunk: Uint8Array): void {
    if (this.stats.bytes === 0 && chunk.length > 0 && !this.continuation) rejectBinary(chunk);
    this.stats.bytes += chunk.length;
    // Newlines are found in the bytes (memchr-fast) and each line becomes its own short
    // latin1 string: much faster than searching one large string.
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const n = buf.length;
    let pos = 0;
    if (this.skippingLongLine || this.carry.length > 0) {
      const nl = buf.indexOf(10);
      if (nl < 0) {
        if (!this.skippingLongLine) this.keepCarry(buf, 0);
        this.checkSniffLimit();
        return;
      }
      if (this.skippingLongLine) this.skippingLongLine = false;
      else {
        const line = Buffer.concat([this.carry, buf.subarray(0, nl)]);
        this.carry = EMPTY;
        this.lineBytes(line, 0, line.length);
      }
      pos = nl + 1;
    }
    for (;;) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      this.lineBytes(buf, pos, nl);
      pos = nl + 1;
    }
    if (pos < n) this.keepCarry(buf, pos);
    this.checkSniffLimit();
  }

  private keepCarry(buf: Buffer, from: number): void {
    const rest = buf.length - from;
    if (this.carry.length + rest > this.maxLineLength) {
      this.carry = EMPTY;
      this.line(null);
      this.skippingLongLine = true;
      return;
    }
    this.carry = this.carry.length ? Buffer.concat([this.carry, buf.subarray(from)]) : Buffer.from(buf.subarray(from));
  }

  private lineBytes(buf: Buffer, start: number, end: number): void {
    if (end > start && buf[end - 1] === 13) {
      end--;
      this.stats.crlf = true;
    }
    this.line(end - start > this.maxLineLength ? null : buf.toString('latin1', start, end));
  }

  private checkSniffLimit(): void {
    if (!this.continuation && this.stats.eventLines === 0 && this.stats.bytes > this.sniffLimit) {
      throw new NotATraceError(`no trace event line in the first ${this.sniffLimit} bytes: ${EXPECTED_FORMATS}`);
    }
  }

  finish(): ImportedTrace {
    return validateImport(this.finishPart());
  }

  /** Flushes the last line and returns the part, without the whole-file checks. */
  finishPart(): ImportPart {
    if (this.carry.length > 0) {
      const last = this.carry;
      this.carry = EMPTY;
      this.lineBytes(last, 0, last.length);
    }
    return { store: this.store, stats: this.stats, evidence: this.evidence };
  }

  /** One line without its terminator; null for a line that was too long to keep. */
  private line(text: string | null): void {
    const stats = this.stats;
    const lineNo = ++stats.lines;
    if (text === null) {
      stats.longLines++;
      this.malformed(lineNo);
      return;
    }
    if (text.length === 0) return;
    if (text.charCodeAt(0) === 35 /* # */) {
      noteHeaderLine(this.evidence, text);
      return;
    }
    const head = this.head;
    if (parseLineHead(text, head)) {
      stats.eventLines++;
      noteEventLine(this.evidence, text, head);
      this.noteThread(text);
      const result = decodeEvent(this.store, head, text, lineNo);
      if (result === DecodeResult.Stored) stats.storedEvents++;
      else if (result === DecodeResult.Other) stats.otherEvents++;
      else {
        stats.malformedPayloads++;
        if (stats.firstMalformedPayloadLines.length < MAX_REPORTED_LINES) stats.firstMalformedPayloadLines.push(lineNo);
      }
      return;
    }
    const lost = LOST_FTRACE.exec(text) ?? LOST_TRACE_CMD.exec(text);
    if (lost) {
      this.store.lost.push({ cpu: Number(lost[1]), count: lost[2] === undefined ? -1 : Number(lost[2]), line: lineNo });
      return;
    }
    if (KNOWN_NON_EVENT.test(text)) {
      noteHeaderLine(this.evidence, text);
      return;
    }
    this.malformed(lineNo);
  }

  /** Names the line's thread, slicing its name only when it is new or changed. */
  private noteThread(line: string): void {
    const head = this.head;
    const known = this.store.threads.get(head.tid);
    const len = head.commEnd - head.commStart;
    if (known !== undefined && known.comm.length === len && line.startsWith(known.comm, head.commStart) && (head.tgid < 0 || known.tgid >= 0)) return;
    this.store.noteThread(head.tid, fixComm(commOf(line, head)), head.tgid);
  }

  private malformed(lineNo: number): void {
    this.stats.malformedLines++;
    if (this.stats.firstMalformedLines.length < MAX_REPORTED_LINES) this.stats.firstMalformedLines.push(lineNo);
  }
}

/** The whole-file checks: something was read, it looks like a trace, and mostly so. */
export function validateImport(part: ImportPart): ImportedTrace {
  const { stats } = part;
  if (stats.bytes === 0) throw new NotATraceError(`empty file: ${EXPECTED_FORMATS}`);
  const format = decideFormat(part.evidence);
  if (format === null) throw new NotATraceError(`no trace event lines found: ${EXPECTED_FORMATS}`);
  // A document that merely quotes a few trace lines (a README, a mail) is not a trace.
  if (stats.eventLines * 9 < stats.malformedLines) {
    throw new NotATraceError(`only ${stats.eventLines} of ${stats.eventLines + stats.malformedLines} lines are trace events: ${EXPECTED_FORMATS}`);
  }
  return { format, store: part.store, stats };
}

/** Imports a whole string (tests, small inputs). */
export function importTraceText(text: string, options: ImportOptions = {}): ImportedTrace {
  const importer = new TextTraceImporter(options);
  importer.push(Buffer.from(text, 'utf8'));
  return importer.finish();
}

/** Streams a file from disk into the store, with progress and cancellation between chunks. */
export async function importTraceFile(path: string, options: ImportOptions = {}): Promise<ImportedTrace> {
  const total = statSync(path).size;
  const importer = new TextTraceImporter({ ...options, expectedBytes: total });
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let read = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (options.signal?.aborted) throw new CancelledError();
      importer.push(chunk);
      read += chunk.length;
      options.onProgress?.(read, total);
    }
  } finally {
    stream.destroy();
  }
  return importer.finish();
}
