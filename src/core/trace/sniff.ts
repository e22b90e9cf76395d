// Format detection by content, never by file name: evidence gathered from the lines as they
// are imported decides which text rendering it is; binary data is refused up front.

import { bytesEqual, findInLine, startsAt, type LineHead } from './lineHead';

export type TraceFormat = 'trace-cmd' | 'ftrace' | 'perf-script';

export const EXPECTED_FORMATS =
  'expected trace-cmd report text, raw ftrace text (/sys/kernel/tracing/trace or trace_pipe), perf script text, or a trace-cmd trace.dat file';

/** What the first lines say about the format. */
export interface FormatEvidence {
  ftraceHeader: number; // "# tracer:" / "#  TASK-PID" lines
  traceCmdHeader: number; // "cpus=N", "version = N", "CPU N is empty"
  dashPidLines: number; // comm-PID [CPU] lines
  perfLines: number; // comm TID [CPU] ... group:event lines
  rawSched: number; // sched events with key=value fields
  compactSched: number; // trace-cmd plugin sched events
}

export function newEvidence(): FormatEvidence {
  return { ftraceHeader: 0, traceCmdHeader: 0, dashPidLines: 0, perfLines: 0, rawSched: 0, compactSched: 0 };
}

const TRACE_DAT_MAGIC = [0x17, 0x08, 0x44];

/** Why a file is not a trace: `no-events` when it holds no event line at all (empty, or header lines only). */
export type NotATraceReason = 'no-events' | 'not-a-trace';

export class NotATraceError extends Error {
  constructor(
    message: string,
    readonly reason: NotATraceReason = 'not-a-trace',
  ) {
    super(message);
  }
}

/** Throws NotATraceError with a one-line reason for binary data that is not a text trace. */
export function rejectBinary(head: Uint8Array): void {
  if (head.length >= 3 && TRACE_DAT_MAGIC.every((b, i) => head[i] === b)) {
    throw new NotATraceError(
      'this is a trace-cmd binary trace.dat: open the file itself (kvm-spin analyze FILE), not its bytes as text',
    );
  }
  const utf16 = utf16Kind(head);
  if (utf16) {
    throw new NotATraceError(
      `UTF-16 text (${utf16.order}, ${utf16.bom ? 'with' : 'without'} a byte-order mark): convert it to UTF-8 first, e.g. iconv -f ${utf16.bom ? 'UTF-16' : utf16.order === 'little-endian' ? 'UTF-16LE' : 'UTF-16BE'} -t UTF-8 FILE > FILE.txt`,
    );
  }
  // A stray NUL or control byte inside a text trace only spoils its line; many of them mean
  // this is not text at all.
  const n = Math.min(head.length, 4096);
  let controls = 0;
  for (let i = 0; i < n; i++) {
    const b = head[i];
    if (b < 9 || (b > 13 && b < 32)) controls++;
  }
  if (n > 0 && controls / n > 0.05) {
    throw new NotATraceError(`binary data (${controls} of the first ${n} bytes are control characters): ${EXPECTED_FORMATS}`);
  }
}

/**
 * UTF-16 by its byte-order mark, or by its shape: text in the Latin range has a NUL in every
 * other byte (the high byte), and almost never in the others.
 */
function utf16Kind(head: Uint8Array): { order: 'little-endian' | 'big-endian'; bom: boolean } | null {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return { order: 'little-endian', bom: true };
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return { order: 'big-endian', bom: true };
  const pairs = Math.min(head.length, 4096) >> 1;
  if (pairs < 8) return null;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0) evenZero++;
    if (head[2 * i + 1] === 0) oddZero++;
  }
  if (oddZero > pairs * 0.9 && evenZero < pairs * 0.1) return { order: 'little-endian', bom: false };
  if (evenZero > pairs * 0.9 && oddZero < pairs * 0.1) return { order: 'big-endian', bom: false };
  return null;
}

/** Evidence from a line that is not an event (headers, comments). */
export function noteHeaderLine(ev: FormatEvidence, line: string): void {
  if (line.startsWith('# tracer:') || /^#\s+TASK-PID/.test(line)) ev.ftraceHeader++;
  else if (/^(cpus=\d+|version = \d+|CPU \d+ is empty)/.test(line)) ev.traceCmdHeader++;
}

/** Evidence from an event line: which task column it has, and how sched events are rendered. */
export function noteEventLine(ev: FormatEvidence, line: Buffer, head: LineHead, end = line.length): void {
  if (head.dashPid) ev.dashPidLines++;
  else ev.perfLines++;
  const { eventStart: s, eventEnd: e } = head;
  if (!startsAt(line, 'sched_', s)) return;
  if (bytesEqual(line, s, e, 'sched_switch') || bytesEqual(line, s, e, 'sched_wakeup') || bytesEqual(line, s, e, 'sched_waking')) {
    if (findInLine(line, 'comm=', head.payloadStart, end) >= 0) ev.rawSched++;
    else ev.compactSched++;
  }
}

/** The format the evidence points to, or null when nothing looked like a trace. */
export function decideFormat(ev: FormatEvidence): TraceFormat | null {
  if (ev.perfLines === 0 && ev.dashPidLines === 0) return null;
  if (ev.perfLines > ev.dashPidLines) return 'perf-script';
  if (ev.traceCmdHeader > 0) return 'trace-cmd';
  if (ev.ftraceHeader > 0) return 'ftrace';
  if (ev.compactSched > 0) return 'trace-cmd';
  return 'ftrace';
}
