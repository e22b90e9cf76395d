// Every event the program models, by kind and by name: the one list the importers, the merge
// of parallel parts, the writer and the views consult. A new event is a descriptor in its
// system's file and one entry here.

import type { EventKind, EventStore } from '../trace/model';
import type { EventDescriptor, IntColumn, TextDecoder, BinaryDecoder } from './descriptor';
import { KVM_EVENTS } from './kvm';
import { SCHED_EVENTS } from './sched';
import { PROBE_EVENT } from './probe';
import { GUEST_EVENT_DESCRIPTORS } from './guest';

export const EVENT_DESCRIPTORS: readonly EventDescriptor[] = [...KVM_EVENTS, ...SCHED_EVENTS, PROBE_EVENT, ...GUEST_EVENT_DESCRIPTORS];

const byKind: (EventDescriptor | undefined)[] = [];
for (const d of EVENT_DESCRIPTORS) {
  if (byKind[d.kind]) throw new Error(`two event descriptors for kind ${d.kind}`);
  byKind[d.kind] = d;
}

/** The descriptor of a kind; undefined for a kind no descriptor declares. */
export function descriptorOf(kind: number): EventDescriptor | undefined {
  return byKind[kind];
}

/** A tracepoint name the importers decode, with its system, its kind and its decoders. */
export interface NamedEvent {
  name: string;
  system: string;
  kind: EventKind;
  text: TextDecoder;
  binary: BinaryDecoder | null;
}

/** Every name decoded by name (descriptors and their variants; probes are matched by shape). */
export const NAMED_EVENTS: readonly NamedEvent[] = EVENT_DESCRIPTORS.filter((d) => !d.dynamic).flatMap((d) => [
  { name: d.name, system: d.system, kind: d.kind, text: d.text, binary: d.binary },
  ...(d.variants ?? []).map((v) => ({ name: v.name, system: d.system, kind: d.kind, text: v.text, binary: v.binary })),
]);

/** Descriptors matched by the shape of their payload or format (probes). */
export const DYNAMIC_EVENTS: readonly EventDescriptor[] = EVENT_DESCRIPTORS.filter((d) => d.dynamic);

const INT_COLUMNS: readonly IntColumn[] = ['a', 'b', 'c'];

/** The int columns holding string-table ids, per kind as a bit mask (1 a, 2 b, 4 c). */
export const STRING_COLUMN_MASK: Uint8Array = (() => {
  const mask = new Uint8Array(256);
  for (const d of EVENT_DESCRIPTORS) INT_COLUMNS.forEach((col, bit) => d.columns[col]?.stringId && (mask[d.kind] |= 1 << bit));
  return mask;
})();

/** The event's name for row i: its tracepoint, or the probe's own name. */
export function eventNameOf(store: EventStore, i: number): string {
  const d = byKind[store.kind[i]];
  if (!d) return 'unknown';
  return d.dynamic ? d.dynamic.nameOf(store, i) : d.name;
}
