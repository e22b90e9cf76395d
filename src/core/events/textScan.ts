// Small in-place scanners the text decoders share: numbers, keys, `comm:pid [prio]` tasks and
// thread names, read from the line's bytes without making a string. Cursors are module-local
// (one decoder runs at a time per thread).

import { bytesEqual, findInLine, findLastInLine, latin1, startsAt } from '../trace/lineHead';
import { PREEMPT_FLAG, PrevState, type EventStore } from '../trace/model';

export const find = findInLine;
export const findLast = findLastInLine;
export { latin1, startsAt };

/** End index of the last number read. */
export let scanEnd = 0;

/** Reads a decimal (or 0x-hex when `hex` or prefixed) integer at i; NaN when none. It stops at the
 * line's end by itself: the character there (newline, carriage return) is no digit. */
export function readNumber(line: Buffer, i: number, hex = false): number {
  const n = line.length;
  let neg = false;
  if (line[i] === 45) {
    neg = true;
    i++;
  }
  if (line[i] === 48 && (line[i + 1] | 32) === 120) {
    hex = true;
    i += 2;
  }
  const start = i;
  let value = 0;
  if (hex) {
    for (; i < n; i++) {
      const c = line[i] | 32;
      if (c >= 48 && c <= 57) value = value * 16 + (c - 48);
      else if (c >= 97 && c <= 102) value = value * 16 + (c - 87);
      else break;
    }
  } else {
    for (; i < n; i++) {
      const c = line[i];
      if (c >= 48 && c <= 57) value = value * 10 + (c - 48);
      else break;
    }
  }
  scanEnd = i;
  if (i === start) return NaN;
  return neg ? -value : value;
}

/** The number after `key` (e.g. "vcpu ") searched in [from, end); NaN when the key is absent. */
export function numberAfter(line: Buffer, key: string, from: number, end: number, hex = false): number {
  const k = find(line, key, from, end);
  if (k < 0) return NaN;
  return readNumber(line, k + key.length, hex);
}

export function trimEnd(line: Buffer, end: number): number {
  let e = end;
  while (e > 0 && (line[e - 1] === 32 || line[e - 1] === 9)) e--;
  return e;
}

/** The comm of the last commPidPrio is [start, taskColon). */
export let taskColon = 0;

/** `comm:pid [prio]` ending exactly at `end`, parsed from the right: the pid (-1 if malformed). */
export function commPidPrio(line: Buffer, start: number, end: number): number {
  if (line[end - 1] !== 93 /* ] */) return -1;
  const open = findLast(line, ' [', start + 1, end);
  if (open < 0) return -1;
  const colon = findLast(line, ':', start, open);
  if (colon < 0) return -1;
  const pid = readNumber(line, colon + 1);
  if (Number.isNaN(pid) || scanEnd !== open) return -1;
  taskColon = colon;
  return pid;
}

/** Names a thread from line[start, end), making its string only when the name is new or changed. */
export function noteThreadAt(store: EventStore, pid: number, line: Buffer, start: number, end: number): void {
  const known = store.threads.get(pid);
  if (known !== undefined && bytesEqual(line, start, end, known.comm)) return;
  store.noteThread(pid, fixComm(latin1(line, start, end)));
}

/** The file is read as latin1 (byte-exact); names with UTF-8 bytes are recovered here. */
export function fixComm(comm: string): string {
  for (let i = 0; i < comm.length; i++) {
    if (comm.charCodeAt(i) > 127) return Buffer.from(comm, 'latin1').toString('utf8');
  }
  return comm;
}

/** The prev_state token [start, end): R, S, D or other, with "+" for preempted. */
export function prevStateCode(line: Buffer, start: number, end: number): number {
  const first = line[start];
  let code: number;
  if (first === 82 /* R */) code = PrevState.Runnable;
  else if (first === 83 /* S */) code = PrevState.Sleeping;
  else if (first === 68 /* D */) code = PrevState.Disk;
  else code = PrevState.Other;
  if (end > start && line[end - 1] === 43 /* + */) code |= PREEMPT_FLAG;
  return code;
}
