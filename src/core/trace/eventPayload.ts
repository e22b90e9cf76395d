// The payload of one text line into the store: the event is found by name (or, for probes, by
// the shape of its payload) in the event registry (src/core/events), whose descriptors decode
// both renderings found in the wild — the kernel's TP_printk format and trace-cmd's plugin
// format.

import { EventStore } from './model';
import { bytesEqual, latin1, startsAt, type LineHead } from './lineHead';
import { DYNAMIC_EVENTS, NAMED_EVENTS, type NamedEvent } from '../events/registry';
import { idWasOutOfRange, resetIdCheck } from '../events/ids';

export { fixComm } from '../events/textScan';

export const DecodeResult = { Stored: 0, Other: 1, Malformed: 2, IdOutOfRange: 3 } as const;
export type DecodeResult = (typeof DecodeResult)[keyof typeof DecodeResult];

// Events by name length, each with its name's bytes, so that the event name is matched in
// place, byte against byte (no slice, no charCodeAt per character).
const BY_LENGTH: { name: Uint8Array; entry: NamedEvent }[][] = [];
for (const e of NAMED_EVENTS) (BY_LENGTH[e.name.length] ??= []).push({ name: Buffer.from(e.name, 'latin1'), entry: e });

function knownEvent(line: Buffer, head: LineHead): NamedEvent | undefined {
  const start = head.eventStart;
  const length = head.eventEnd - start;
  const candidates = BY_LENGTH[length];
  if (candidates === undefined) return undefined;
  for (const { name, entry } of candidates) {
    let k = 0;
    while (k < length && line[start + k] === name[k]) k++;
    if (k === length) return entry;
  }
  return undefined;
}

/** No group on the line (ftrace, trace-cmd), or the event's own system (perf's `kvm:kvm_exit`). */
function groupFits(line: Buffer, head: LineHead, system: string): boolean {
  return head.groupStart < 0 || (head.eventStart - 1 - head.groupStart === system.length && startsAt(line, system, head.groupStart));
}

// The names of the events counted as "other" ("group:event" as the line spells it), matched in
// place: a trace has few, and most of its lines then need no new string.
let otherStore: EventStore | null = null;
let otherNames: string[] = [];
const MAX_CACHED_OTHER_NAMES = 64;

function countOther(store: EventStore, line: Buffer, head: LineHead): void {
  if (otherStore !== store) {
    otherStore = store;
    otherNames = [];
  }
  // An empty group (":name:") is no group.
  const start = head.groupStart < 0 || head.groupStart === head.eventStart - 1 ? head.eventStart : head.groupStart;
  for (const known of otherNames) if (bytesEqual(line, start, head.eventEnd, known)) return store.countOther(known);
  const name = latin1(line, start, head.eventEnd);
  if (otherNames.length < MAX_CACHED_OTHER_NAMES) otherNames.push(name);
  store.countOther(name);
}

/** Stores the event of one parsed line (or counts it as "other"). */
export function decodeEvent(store: EventStore, head: LineHead, line: Buffer, lineNo: number, end = line.length): DecodeResult {
  const entry = knownEvent(line, head);
  if (entry !== undefined && groupFits(line, head, entry.system)) return stored(store, head, line, lineNo, end, entry.kind, entry.text);
  for (const d of DYNAMIC_EVENTS) if (d.dynamic!.textMatches(line, head.payloadStart, end)) return stored(store, head, line, lineNo, end, d.kind, d.text);
  countOther(store, line, head);
  return DecodeResult.Other;
}

function stored(store: EventStore, head: LineHead, line: Buffer, lineNo: number, end: number, kind: NamedEvent['kind'], decode: NamedEvent['text']): DecodeResult {
  const row = store.push(head.tsNs, head.cpu, head.tid, kind, lineNo);
  resetIdCheck();
  if (decode(store, row, line, head.payloadStart, end, head)) return DecodeResult.Stored;
  store.length--; // drop the half-written row
  return idWasOutOfRange() ? DecodeResult.IdOutOfRange : DecodeResult.Malformed;
}
