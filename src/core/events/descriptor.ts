// What one event is to the whole program, in one place: the tracepoint it comes from, what
// each store column holds for it, how its text (both renderings) and its trace.dat record are
// decoded into a row, and how a row is written back as text. Adding an event or a field is
// one descriptor (kvm.ts, sched.ts, probe.ts) and one line in registry.ts.

import type { EventKind, EventStore } from '../trace/model';
import type { LineHead } from '../trace/lineHead';
import type { EventFormat } from '../trace/dat/eventFormat';
import type { FieldReaders } from './binaryFields';
import type { TracefsFormat } from './tracefsFormat';

/** The store's per-event columns: a, b, c are int32, x, y float64 (model.ts). */
export type Column = 'a' | 'b' | 'c' | 'x' | 'y';
export type IntColumn = 'a' | 'b' | 'c';

export interface ColumnSpec {
  /** What the column holds for this event, in words. */
  meaning: string;
  /** The value is an id in the store's string table (remapped when parts are merged). */
  stringId?: true;
}

/**
 * Decodes the payload at `at` (the line ends at `end`) into `row`; false when malformed or
 * when an id is out of range (ids.ts tells which). `line` is the bytes of the chunk that holds
 * the line (read as latin1: one character a byte), indices absolute.
 */
export type TextDecoder = (store: EventStore, row: number, line: Buffer, at: number, end: number, head: LineHead) => boolean;

/** Decodes one trace.dat record whose data starts at `at` of `page` into `row`. */
export type BinaryDecode = (store: EventStore, row: number, page: Buffer, at: number) => boolean;

export interface BinaryDecoder {
  /** Fields the record must have, readable (binaryFields.ts readable); else the format is damaged. */
  fields: readonly string[];
  /** The decoder of one format, bound to its field offsets and print fmt. */
  make(format: EventFormat, read: FieldReaders, store: EventStore): BinaryDecode;
}

/** The payload text of row `i` (what follows "event: " on a report line). */
export type Writer = (store: EventStore, i: number) => string;

/** What a trace.dat writer knows beyond the row: where a symbol or pointer text sits, thread names, the CPU count. */
export interface DatRecordContext {
  address(text: string): bigint;
  /** The name of thread `tid` on the row's CPU (`swapper/N` for pid 0). */
  comm(tid: number): string;
  /** CPUs in the file (a cpumask field's width). */
  cpus: number;
}

/** A record's field values by name: numbers, addresses, char-array text, __data_loc bytes. */
export type DatFieldValues = Record<string, number | bigint | string | Buffer>;

/** The event as a trace.dat record: the format the file declares, and row i's field values. */
export interface DatWriter {
  format: TracefsFormat;
  values(store: EventStore, i: number, ctx: DatRecordContext): DatFieldValues;
}

/** The same event under another tracepoint name or layout (e.g. kvm_ple_window before ~5.4). */
export interface EventVariant {
  name: string;
  text: TextDecoder;
  binary: BinaryDecoder | null;
}

export interface EventDescriptor {
  kind: EventKind;
  /** The trace system ("kvm", "sched"); for probes the group varies and `dynamic` matches them. */
  system: string;
  /** The tracepoint name as the kernel names it today ('' for probes: the name is in column a). */
  name: string;
  columns: Partial<Record<Column, ColumnSpec>>;
  /** Decodes both renderings: the kernel's TP_printk and trace-cmd's plugin. */
  text: TextDecoder;
  binary: BinaryDecoder | null;
  /** Older names and layouts, decoded into the same kind. */
  variants?: readonly EventVariant[];
  render: {
    /** The kernel's own format (raw ftrace, `trace-cmd report -N`). */
    kernel: Writer;
    /** trace-cmd's plugin format (plugin_kvm / plugin_sched); null where no plugin rewrites it. */
    plugin: Writer | null;
  };
  /** The rendering the run-file writer uses. */
  written: 'kernel' | 'plugin';
  /** Present for the events this program writes into a trace.dat (a simulated guest's file). */
  dat?: DatWriter;
  /** Events matched by shape, not name (probes: any group, any name). */
  dynamic?: {
    textMatches(line: Buffer, at: number, end: number): boolean;
    formatMatches(format: EventFormat): boolean;
    /** The event's name for row i (the writer's and the event list's). */
    nameOf(store: EventStore, i: number): string;
  };
}

/** The rendering of row i that the run-file writer uses: [event name, payload]. */
export function writtenPayload(d: EventDescriptor, store: EventStore, i: number): [string, string] {
  const write = d.written === 'plugin' && d.render.plugin ? d.render.plugin : d.render.kernel;
  return [d.dynamic ? d.dynamic.nameOf(store, i) : d.name, write(store, i)];
}
