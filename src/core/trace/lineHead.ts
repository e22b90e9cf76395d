// The common prefix of one event line, read from the right of the thread name: every text
// format puts `[CPU]` after the task and the timestamp after that, but thread names may hold
// spaces, slashes, dashes and brackets ("CPU 0/KVM", "fc_vcpu 0", "kworker/u8:2-events").
//   trace-cmd report / ftrace:  comm-PID [(TGID)] [CPU] [flags] SECONDS.FRACTION: event: payload
//   perf script:                comm [PID/]TID [CPU] SECONDS.FRACTION: [period] group:event: payload

export interface LineHead {
  /** The thread name is line.slice(commStart, commEnd): sliced only when needed. */
  commStart: number;
  commEnd: number;
  tid: number;
  tgid: number; // -1 when the line does not carry it
  cpu: number;
  /** Nanoseconds, or the raw counter value when `rawTs`. */
  tsNs: number;
  /** The timestamp had no decimal point: a raw counter value (x86-tsc, counter, uptime clocks). */
  rawTs: boolean;
  /** Event name without its group ("kvm_exit", "kvm_vcpu_on_spin_L17") is line.slice(eventStart, eventEnd). */
  eventStart: number;
  eventEnd: number;
  /** Group ("kvm", "probe", "sched") is line.slice(groupStart, eventStart - 1); groupStart = -1 without one. */
  groupStart: number;
  payloadStart: number;
  /** True when the task was written `comm-PID` (ftrace / trace-cmd), false for perf's `comm TID`. */
  dashPid: boolean;
}

export function newLineHead(): LineHead {
  return { commStart: 0, commEnd: 0, tid: 0, tgid: -1, cpu: 0, tsNs: 0, rawTs: false, eventStart: 0, eventEnd: 0, groupStart: -1, payloadStart: 0, dashPid: true };
}

const SPACE = 32;
const TAB = 9;
const DIGIT0 = 48;
const DIGIT9 = 57;
const DASH = 45;
const SLASH = 47;
const RBRACKET = 93;
const RPAREN = 41;
const COLON = 58;
const DOT = 46;

function isDigit(c: number): boolean {
  return c >= DIGIT0 && c <= DIGIT9;
}
function isSpace(c: number): boolean {
  return c === SPACE || c === TAB;
}

/**
 * Fills `head` from `line`; returns false when the line is not an event line of any text
 * format. Allocation-free apart from the comm and event-name slices.
 */
export function parseLineHead(line: string, head: LineHead, start = 0, end = line.length): boolean {
  // `line` may be a whole chunk of text: the line is [start, end), every index is absolute.
  let bracket = line.indexOf('[', start);
  while (bracket >= 0 && bracket < end) {
    if (bracket > start && isSpace(line.charCodeAt(bracket - 1)) && tryAt(line, start, end, bracket, head)) return true;
    bracket = line.indexOf('[', bracket + 1);
  }
  return false;
}

function tryAt(line: string, start: number, n: number, open: number, head: LineHead): boolean {
  // [CPU]
  let i = open + 1;
  let cpu = 0;
  const cpuStart = i;
  while (i < n && isDigit(line.charCodeAt(i))) cpu = cpu * 10 + line.charCodeAt(i++) - DIGIT0;
  if (i === cpuStart || i - cpuStart > 5 || i >= n || line.charCodeAt(i) !== RBRACKET) return false;
  i++;
  // trace-cmd prints a raw counter as "%12d:", which runs into "[CPU]" from 12 digits on.
  const glued = i < n && !isSpace(line.charCodeAt(i));
  if (glued && !isDigit(line.charCodeAt(i))) return false;

  // Left of [CPU]: optional (TGID), then PID.
  let j = open - 1;
  while (j >= start && isSpace(line.charCodeAt(j))) j--;
  let tgid = -1;
  if (j >= start && line.charCodeAt(j) === RPAREN) {
    const close = j;
    const lp = line.lastIndexOf('(', close);
    if (lp < start) return false;
    const inner = line.slice(lp + 1, close).trim();
    if (/^\d+$/.test(inner)) tgid = Number(inner);
    else if (!/^-+$/.test(inner)) return false;
    j = lp - 1;
    while (j >= start && isSpace(line.charCodeAt(j))) j--;
  }
  const pidEnd = j + 1;
  let mul = 1;
  let tid = 0;
  while (j >= start && isDigit(line.charCodeAt(j))) {
    tid += (line.charCodeAt(j) - DIGIT0) * mul;
    mul *= 10;
    j--;
  }
  // Up to 19 digits: a pid the store cannot keep is refused by name later, not taken for text.
  if (j + 1 === pidEnd || pidEnd - (j + 1) > 19) return false;
  let commEnd: number;
  let dashPid: boolean;
  if (j >= start && line.charCodeAt(j) === DASH) {
    dashPid = true;
    commEnd = j;
  } else if (j >= start && line.charCodeAt(j) === SLASH) {
    // perf: PID/TID
    dashPid = false;
    let k = j - 1;
    let pid = 0;
    let m = 1;
    const pe = k + 1;
    while (k >= start && isDigit(line.charCodeAt(k))) {
      pid += (line.charCodeAt(k) - DIGIT0) * m;
      m *= 10;
      k--;
    }
    if (k + 1 === pe || k < start || !isSpace(line.charCodeAt(k))) return false;
    tgid = pid;
    commEnd = k;
  } else if (j >= start && isSpace(line.charCodeAt(j))) {
    dashPid = false;
    commEnd = j;
  } else {
    return false;
  }
  let commStart = start;
  while (commStart < commEnd && isSpace(line.charCodeAt(commStart))) commStart++;
  // trace-cmd report of a tracefs instance: "NAME: " before the right-aligned 16-column comm.
  // A comm is at most 15 characters, so the prefix is always followed by two spaces or more.
  for (let k = commStart; k < commEnd; k++) {
    const c = line.charCodeAt(k);
    if (isSpace(c)) break;
    if (c === 58 /* : */) {
      if (isSpace(line.charCodeAt(k + 1)) && isSpace(line.charCodeAt(k + 2))) {
        let after = k + 1;
        while (after < commEnd && isSpace(line.charCodeAt(after))) after++;
        if (after < commEnd) commStart = after;
      }
      break;
    }
  }
  let ce = commEnd;
  while (ce > commStart && isSpace(line.charCodeAt(ce - 1))) ce--;
  if (ce <= commStart && !dashPid) return false;

  // Right of [CPU]: optional flags column, then the timestamp.
  while (i < n && isSpace(line.charCodeAt(i))) i++;
  let tsNs = readTimestamp(line, n, i, head);
  if (tsNs < 0 && glued) return false;
  if (tsNs < 0) {
    // A flags column such as "d..2." or "dNh1.": one short token without a colon.
    const tokEnd = nextSpace(line, n, i);
    if (tokEnd === i) return false;
    if (tokEnd - i > 8) {
      // trace-cmd 3.3+ prints the flags, then a raw counter as "%12d:" right after them:
      // "d..2.11163479569636:". Read only the unambiguous five-column form (migrate-disable ".").
      if (line.charCodeAt(i + 4) !== DOT || !isDigit(line.charCodeAt(i + 5))) return false;
      for (let k = i; k < i + 4; k++) if (line.charCodeAt(k) === COLON || isSpace(line.charCodeAt(k))) return false;
      tsNs = readTimestamp(line, n, i + 5, head);
      if (tsNs < 0 || !head.rawTs) return false;
    } else {
      for (let k = i; k < tokEnd; k++) if (line.charCodeAt(k) === COLON) return false;
      i = tokEnd;
      while (i < n && isSpace(line.charCodeAt(i))) i++;
      tsNs = readTimestamp(line, n, i, head);
      if (tsNs < 0) return false;
    }
  }
  i = head.payloadStart; // readTimestamp leaves the index after "TS:" here
  while (i < n && isSpace(line.charCodeAt(i))) i++;
  // perf's optional period column: a bare number before the event name.
  if (!dashPid) {
    let k = i;
    while (k < n && isDigit(line.charCodeAt(k))) k++;
    if (k > i && k < n && isSpace(line.charCodeAt(k))) {
      i = k;
      while (i < n && isSpace(line.charCodeAt(i))) i++;
    }
  }
  // Event name: up to a colon followed by a space or the end of the line.
  const evStart = i;
  let groupEnd = -1;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === COLON) {
      if (i + 1 >= n || isSpace(line.charCodeAt(i + 1))) break;
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
  while (i < n && isSpace(line.charCodeAt(i))) i++;
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

function nextSpace(line: string, n: number, i: number): number {
  while (i < n && !isSpace(line.charCodeAt(i))) i++;
  return i;
}

/** Reads `SECONDS[.FRACTION]:` at i; returns nanoseconds (or -1) and leaves the end in head.payloadStart. */
function readTimestamp(line: string, n: number, i: number, head: LineHead): number {
  let sec = 0;
  const start = i;
  // The digit before the sum: sec · 10 + charCode would pass 2^53 first and round.
  while (i < n && isDigit(line.charCodeAt(i))) sec = sec * 10 + (line.charCodeAt(i++) - DIGIT0);
  if (i === start || i >= n) return -1;
  let frac = 0;
  let fracDigits = 0;
  if (line.charCodeAt(i) === DOT) {
    i++;
    while (i < n && isDigit(line.charCodeAt(i))) {
      if (fracDigits < 9) {
        frac = frac * 10 + line.charCodeAt(i) - DIGIT0;
        fracDigits++;
      }
      i++;
    }
    if (fracDigits === 0) return -1;
  }
  if (i >= n || line.charCodeAt(i) !== COLON) return -1;
  head.payloadStart = i + 1;
  head.rawTs = fracDigits === 0;
  if (fracDigits === 0) return sec; // a raw counter clock: already in its own unit
  return sec * 1e9 + frac * POW10[9 - fracDigits];
}

const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/**
 * Where `key` first starts within [from, end), or -1. A bounded scan: String.indexOf cannot
 * stop at the line's end and would search the rest of the chunk for a missing key.
 */
export function findInLine(line: string, key: string, from: number, end: number): number {
  const first = key.charCodeAt(0);
  for (let k = from, last = end - key.length; k <= last; k++) if (line.charCodeAt(k) === first && line.startsWith(key, k)) return k;
  return -1;
}

/** Where `key` last starts within [from, end), or -1. */
export function findLastInLine(line: string, key: string, from: number, end: number): number {
  const first = key.charCodeAt(0);
  for (let k = end - key.length; k >= from; k--) if (line.charCodeAt(k) === first && line.startsWith(key, k)) return k;
  return -1;
}

export const commOf = (line: string, head: LineHead) => line.slice(head.commStart, head.commEnd);
export const eventOf = (line: string, head: LineHead) => line.slice(head.eventStart, head.eventEnd);
export const groupOf = (line: string, head: LineHead) => (head.groupStart < 0 ? '' : line.slice(head.groupStart, head.eventStart - 1));
