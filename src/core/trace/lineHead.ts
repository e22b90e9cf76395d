// The common prefix of one event line, read from the right of the thread name: every text
// format puts `[CPU]` after the task and the timestamp after that, but thread names may hold
// spaces, slashes, dashes and brackets ("CPU 0/KVM", "fc_vcpu 0", "kworker/u8:2-events").
//   trace-cmd report / ftrace:  comm-PID [(TGID)] [CPU] [flags] SECONDS.FRACTION: event: payload
//   perf script:                comm [PID/]TID [CPU] SECONDS.FRACTION: [period] group:event: payload

export interface LineHead {
  /** The thread name is the bytes [commStart, commEnd) of the line: decoded only when needed. */
  commStart: number;
  commEnd: number;
  tid: number;
  tgid: number; // -1 when the line does not carry it
  cpu: number;
  /** Nanoseconds, or the raw counter value when `rawTs`. */
  tsNs: number;
  /** The timestamp had no decimal point: a raw counter value (x86-tsc, counter, uptime clocks). */
  rawTs: boolean;
  /** Event name without its group ("kvm_exit", "kvm_vcpu_on_spin_L17") is the bytes [eventStart, eventEnd). */
  eventStart: number;
  eventEnd: number;
  /** Group ("kvm", "probe", "sched") is the bytes [groupStart, eventStart - 1); groupStart = -1 without one. */
  groupStart: number;
  payloadStart: number;
  /** True when the task was written `comm-PID` (ftrace / trace-cmd), false for perf's `comm TID`. */
  dashPid: boolean;
  /**
   * The buffer of the last '[' search and the first '[' at or after where it started (the
   * buffer's length: none): a search that ran past its line serves the lines after it, so a
   * chunk is searched once however few brackets it has. Reset it (null) before a buffer's
   * bytes change.
   */
  bracketIn: Buffer | null;
  nextBracket: number;
}

export function newLineHead(): LineHead {
  return { commStart: 0, commEnd: 0, tid: 0, tgid: -1, cpu: 0, tsNs: 0, rawTs: false, eventStart: 0, eventEnd: 0, groupStart: -1, payloadStart: 0, dashPid: true, bracketIn: null, nextBracket: 0 };
}

const SPACE = 32;
const TAB = 9;
const DIGIT0 = 48;
const DIGIT9 = 57;
const DASH = 45;
const SLASH = 47;
const RBRACKET = 93;
const RPAREN = 41;
const LPAREN = 40;
const LBRACKET = 91;
const COLON = 58;
const DOT = 46;
/** trace-cmd report's comm column: "%16s". */
const COMM_COLUMNS = 16;

function isDigit(c: number): boolean {
  return c >= DIGIT0 && c <= DIGIT9;
}
function isSpace(c: number): boolean {
  return c === SPACE || c === TAB;
}

/**
 * Fills `head` from the line [start, end) of `line` (the bytes of a whole chunk: every index is
 * absolute); returns false when the line is not an event line of any text format. Reads the
 * bytes in place and allocates nothing.
 */
export function parseLineHead(line: Buffer, head: LineHead, start = 0, end = line.length): boolean {
  // Each '[' after the first byte that follows a space may open [CPU]; found by memchr (a byte
  // read in JS costs a typed-array access each), remembered for the next lines of the buffer.
  for (let from = start + 1; from < end; ) {
    let bracket: number;
    if (head.bracketIn === line && head.nextBracket >= from) bracket = head.nextBracket;
    else {
      bracket = line.indexOf(LBRACKET, from);
      if (bracket < 0) bracket = line.length;
      head.bracketIn = line;
      head.nextBracket = bracket;
    }
    if (bracket >= end) return false;
    if (isSpace(line[bracket - 1]) && tryAt(line, start, end, bracket, head)) return true;
    from = bracket + 1;
  }
  return false;
}

/** The number in [from, to) with spaces around it: its value, -1 for dashes only ("(-------)"), -2 for anything else. */
function tgidColumn(line: Buffer, from: number, to: number): number {
  // String.prototype.trim's white space, as latin1 bytes: TAB..CR, space, no-break space.
  const trimmed = (c: number) => (c >= TAB && c <= 13) || c === SPACE || c === 0xa0;
  while (from < to && trimmed(line[from])) from++;
  while (to > from && trimmed(line[to - 1])) to--;
  if (from === to) return -2;
  if (line[from] === DASH) {
    for (let k = from; k < to; k++) if (line[k] !== DASH) return -2;
    return -1;
  }
  let value = 0;
  for (let k = from; k < to; k++) {
    if (!isDigit(line[k])) return -2;
    value = value * 10 + (line[k] - DIGIT0);
  }
  // Past 2^53 the sum above rounds differently from Number(): read those rare ids as Number does.
  return value <= Number.MAX_SAFE_INTEGER ? value : Number(line.toString('latin1', from, to));
}

function tryAt(line: Buffer, start: number, n: number, open: number, head: LineHead): boolean {
  // [CPU]
  let i = open + 1;
  let cpu = 0;
  const cpuStart = i;
  while (i < n && isDigit(line[i])) cpu = cpu * 10 + line[i++] - DIGIT0;
  if (i === cpuStart || i - cpuStart > 5 || i >= n || line[i] !== RBRACKET) return false;
  i++;
  // trace-cmd prints a raw counter as "%12d:", which runs into "[CPU]" from 12 digits on.
  const glued = i < n && !isSpace(line[i]);
  if (glued && !isDigit(line[i])) return false;

  // Left of [CPU]: optional (TGID), then PID.
  let j = open - 1;
  while (j >= start && isSpace(line[j])) j--;
  let tgid = -1;
  if (j >= start && line[j] === RPAREN) {
    const close = j;
    let lp = close - 1;
    while (lp >= start && line[lp] !== LPAREN) lp--;
    if (lp < start) return false;
    const inner = tgidColumn(line, lp + 1, close);
    if (inner === -2) return false;
    tgid = inner;
    j = lp - 1;
    while (j >= start && isSpace(line[j])) j--;
  }
  const pidEnd = j + 1;
  let mul = 1;
  let tid = 0;
  while (j >= start && isDigit(line[j])) {
    tid += (line[j] - DIGIT0) * mul;
    mul *= 10;
    j--;
  }
  // Up to 19 digits: a pid the store cannot keep is refused by name later, not taken for text.
  if (j + 1 === pidEnd || pidEnd - (j + 1) > 19) return false;
  let commEnd: number;
  let dashPid: boolean;
  if (j >= start && line[j] === DASH) {
    dashPid = true;
    commEnd = j;
  } else if (j >= start && line[j] === SLASH) {
    // perf: PID/TID
    dashPid = false;
    let k = j - 1;
    let pid = 0;
    let m = 1;
    const pe = k + 1;
    while (k >= start && isDigit(line[k])) {
      pid += (line[k] - DIGIT0) * m;
      m *= 10;
      k--;
    }
    if (k + 1 === pe || k < start || !isSpace(line[k])) return false;
    tgid = pid;
    commEnd = k;
  } else if (j >= start && isSpace(line[j])) {
    dashPid = false;
    commEnd = j;
  } else {
    return false;
  }
  let commStart = start;
  while (commStart < commEnd && isSpace(line[commStart])) commStart++;
  // trace-cmd report of a file with instances prints each line's instance as "%*s: " before
  // its "%16s-%-5d" (print_handle_file, trace_show_data): a name, a colon, a space, then exactly
  // the 16 columns of the comm, which are two spaces or more for a comm of at most 15
  // characters. A comm that itself holds ":  " is never followed by 16 more columns.
  for (let k = commStart; k < commEnd; k++) {
    const c = line[k];
    if (isSpace(c)) break;
    if (c === COLON) {
      if (k > commStart && commEnd - (k + 2) === COMM_COLUMNS && isSpace(line[k + 1]) && isSpace(line[k + 2])) {
        let after = k + 1;
        while (after < commEnd && isSpace(line[after])) after++;
        if (after < commEnd) commStart = after;
      }
      break;
    }
  }
  let ce = commEnd;
  while (ce > commStart && isSpace(line[ce - 1])) ce--;
  if (ce <= commStart && !dashPid) return false;

  // Right of [CPU]: optional flags column, then the timestamp.
  while (i < n && isSpace(line[i])) i++;
  let tsNs = readTimestamp(line, n, i, head);
  if (tsNs < 0 && glued) return false;
  if (tsNs < 0) {
    // A flags column such as "d..2." or "dNh1.": one short token without a colon.
    let tokEnd = i;
    let colonInToken = false;
    for (let c = line[tokEnd]; tokEnd < n && !isSpace(c); c = line[++tokEnd]) if (c === COLON) colonInToken = true;
    if (tokEnd === i) return false;
    if (tokEnd - i > 8) {
      // trace-cmd 3.3+ prints the flags, then a raw counter as "%12d:" right after them:
      // "d..2.11163479569636:". Read only the unambiguous five-column form (migrate-disable ".").
      if (line[i + 4] !== DOT || !isDigit(line[i + 5])) return false;
      for (let k = i; k < i + 4; k++) if (line[k] === COLON || isSpace(line[k])) return false;
      tsNs = readTimestamp(line, n, i + 5, head);
      if (tsNs < 0 || !head.rawTs) return false;
    } else {
      if (colonInToken) return false;
      i = tokEnd;
      while (i < n && isSpace(line[i])) i++;
      tsNs = readTimestamp(line, n, i, head);
      if (tsNs < 0) return false;
    }
  }
  i = head.payloadStart; // readTimestamp leaves the index after "TS:" here
  while (i < n && isSpace(line[i])) i++;
  // perf's optional period column: a bare number before the event name.
  if (!dashPid) {
    let k = i;
    while (k < n && isDigit(line[k])) k++;
    if (k > i && k < n && isSpace(line[k])) {
      i = k;
      while (i < n && isSpace(line[i])) i++;
    }
  }
  // Event name: up to a colon followed by a space or the end of the line.
  const evStart = i;
  let groupEnd = -1;
  while (i < n) {
    const c = line[i];
    if (c === COLON) {
      if (i + 1 >= n || isSpace(line[i + 1])) break;
      groupEnd = i;
    } else if (isSpace(c)) {
      return false;
    }
    i++;
  }
  if (i >= n || i === evStart) return false;
  head.groupStart = groupEnd >= 0 ? evStart : -1;
  head.eventStart = groupEnd >= 0 ? groupEnd + 1 : evStart;
  head.eventEnd = i;
  i++; // the colon
  while (i < n && isSpace(line[i])) i++;
  head.payloadStart = i;
  head.commStart = commStart;
  head.commEnd = ce;
  head.tid = tid;
  head.tgid = tgid;
  head.cpu = cpu;
  head.tsNs = tsNs;
  head.dashPid = dashPid;
  return true;
}

/** Reads `SECONDS[.FRACTION]:` at i; returns nanoseconds (or -1) and leaves the end in head.payloadStart. */
function readTimestamp(line: Buffer, n: number, i: number, head: LineHead): number {
  let sec = 0;
  const start = i;
  // The digit before the sum: sec · 10 + digit would pass 2^53 first and round.
  while (i < n && isDigit(line[i])) sec = sec * 10 + (line[i++] - DIGIT0);
  if (i === start || i >= n) return -1;
  let frac = 0;
  let fracDigits = 0;
  if (line[i] === DOT) {
    i++;
    while (i < n && isDigit(line[i])) {
      if (fracDigits < 9) {
        frac = frac * 10 + line[i] - DIGIT0;
        fracDigits++;
      }
      i++;
    }
    if (fracDigits === 0) return -1;
  }
  if (i >= n || line[i] !== COLON) return -1;
  head.payloadStart = i + 1;
  head.rawTs = fracDigits === 0;
  if (fracDigits === 0) return sec; // a raw counter clock: already in its own unit
  return sec * 1e9 + frac * POW10[9 - fracDigits];
}

const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** Whether the bytes at `at` spell `key` (an ASCII constant); may look past the line's end, as String.startsWith did. */
export function startsAt(line: Buffer, key: string, at: number): boolean {
  if (at < 0 || at + key.length > line.length) return false;
  for (let k = 0; k < key.length; k++) if (line[at + k] !== key.charCodeAt(k)) return false;
  return true;
}

/** Whether the bytes [start, end) are exactly `text`, compared as latin1 (one byte a character). */
export function bytesEqual(line: Buffer, start: number, end: number, text: string): boolean {
  if (end - start !== text.length) return false;
  for (let k = 0; k < text.length; k++) if (line[start + k] !== text.charCodeAt(k)) return false;
  return true;
}

/** Where `key` first starts within [from, end), or -1: a bounded scan, never past the line. */
export function findInLine(line: Buffer, key: string, from: number, end: number): number {
  const first = key.charCodeAt(0);
  for (let k = from, last = end - key.length; k <= last; k++) if (line[k] === first && startsAt(line, key, k)) return k;
  return -1;
}

/** Where `key` last starts within [from, end), or -1. */
export function findLastInLine(line: Buffer, key: string, from: number, end: number): number {
  const first = key.charCodeAt(0);
  for (let k = end - key.length; k >= from; k--) if (line[k] === first && startsAt(line, key, k)) return k;
  return -1;
}

/** The bytes [start, end) as a string, one character a byte (thread names go through fixComm). */
export const latin1 = (line: Buffer, start: number, end: number) => line.toString('latin1', start, end);
export const commOf = (line: Buffer, head: LineHead) => latin1(line, head.commStart, head.commEnd);
export const eventOf = (line: Buffer, head: LineHead) => latin1(line, head.eventStart, head.eventEnd);
export const groupOf = (line: Buffer, head: LineHead) => (head.groupStart < 0 ? '' : latin1(line, head.groupStart, head.eventStart - 1));
