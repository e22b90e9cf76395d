// The payload of one text line into the store: the event is found by name (or, for probes, by
// the shape of its payload) in the event registry (src/core/events), whose descriptors decode
// both renderings found in the wild — the kernel's TP_printk format and trace-cmd's plugin
// format.

import { EventStore } from './model';
import { eventOf, groupOf, type LineHead } from './lineHead';
import { DYNAMIC_EVENTS, NAMED_EVENTS, type NamedEvent } from '../events/registry';
import { idWasOutOfRange, resetIdCheck } from '../events/ids';

export { fixComm } from '../events/textScan';

export const DecodeResult = { Stored: 0, Other: 1, Malformed: 2, IdOutOfRange: 3 } as const;
export type DecodeResult = (typeof DecodeResult)[keyof typeof DecodeResult];

// Events by name length, so that the event name is matched in place, without a slice.
const BY_LENGTH: NamedEvent[][] = [];
for (const e of NAMED_EVENTS) (BY_LENGTH[e.name.length] ??= []).push(e);

function knownEvent(line: string, head: LineHead): NamedEvent | undefined {
  const candidates = BY_LENGTH[head.eventEnd - head.eventStart];
  if (candidates === undefined) return undefined;
  for (const entry of candidates) if (line.startsWith(entry.name, head.eventStart)) return entry;
  return undefined;
}

/** No group on the line (ftrace, trace-cmd), or the event's own system (perf's `kvm:kvm_exit`). */
function groupFits(line: string, head: LineHead, system: string): boolean {
  return head.groupStart < 0 || (head.eventStart - 1 - head.groupStart === system.length && line.startsWith(system, head.groupStart));
}

/** Stores the event of one parsed line (or counts it as "other"). */
export function decodeEvent(store: EventStore, head: LineHead, line: string, lineNo: number, end = line.length): DecodeResult {
  const entry = knownEvent(line, head);
  if (entry !== undefined && groupFits(line, head, entry.system)) return stored(store, head, line, lineNo, end, entry.kind, entry.text);
  for (const d of DYNAMIC_EVENTS) if (d.dynamic!.textMatches(line, head.payloadStart, end)) return stored(store, head, line, lineNo, end, d.kind, d.text);
  const group = groupOf(line, head);
  store.countOther(group ? `${group}:${eventOf(line, head)}` : eventOf(line, head));
  return DecodeResult.Other;
}

function stored(store: EventStore, head: LineHead, line: string, lineNo: number, end: number, kind: NamedEvent['kind'], decode: NamedEvent['text']): DecodeResult {
  const row = store.push(head.tsNs, head.cpu, head.tid, kind, lineNo);
  resetIdCheck();
  if (decode(store, row, line, head.payloadStart, end, head)) return DecodeResult.Stored;
  store.length--; // drop the half-written row
  return idWasOutOfRange() ? DecodeResult.IdOutOfRange : DecodeResult.Malformed;
}
