// A guest's events (an EventStore of sched_switch and the lock, ipi and csd events of
// events/guest.ts) as a trace.dat v6: one record per row in its CPU's ring buffer, laid out and
// filled by the `dat` writer of each event's descriptor, with the options that pair it with its
// host — TRACEID and TIME_SHIFT (trace-cmd agent files carry the same) — and kallsyms for the
// symbols it names, so that trace-cmd report prints every event by its format.
import type { EventStore } from '../trace/model';
import type { DatWriter } from '../events/descriptor';
import { EVENT_DESCRIPTORS } from '../events/registry';
import { tracefsFormatText } from '../events/tracefsFormat';
import { encodeEvent, ringPages, type RawEvent } from '../trace/dat/recordWriter';
import { writeTraceDatV6 } from '../trace/dat/datWriter';
import { parseEventFormat, type EventFormat } from '../trace/dat/eventFormat';
import { timeShiftOptionOf, traceIdOption } from '../trace/dat/optionWriter';
import type { TimeShift } from '../trace/dat/datOptions';

export interface GuestDatInput {
  store: EventStore;
  traceId: string;
  timeShift: TimeShift;
  /** Guest CPUs (vCPUs): the file has one ring buffer each. */
  cpus: number;
  /** The guest clock's name as trace_clock shows it. */
  clock: string;
}

const PAGE_SIZE = 4096;
/** Where the symbols the store names are placed in the guest's kernel text (kallsyms). */
const TEXT_BASE = 0xffffffff81000000n;
const SYMBOL_STEP = 0x1000n;

/** Every event a guest file can hold, with its format parsed as the reader will parse it. */
const WRITTEN = new Map<number, { values: DatWriter['values']; format: EventFormat }>();
for (const d of EVENT_DESCRIPTORS) {
  if (d.dat) WRITTEN.set(d.kind, { values: d.dat.values, format: parseEventFormat(tracefsFormatText(d.name, d.dat.format), d.system) });
}

/** Symbols ("name+0x1a0/0x4a0", "name") at made-up addresses, and pointers ("0x…") as they are. */
class Symbols {
  private readonly bases = new Map<string, bigint>();
  address(text: string): bigint {
    if (/^0x[0-9a-f]+$/i.test(text)) return BigInt(text);
    const m = /^([^+]+)(?:\+0x([0-9a-f]+)\/0x[0-9a-f]+)?$/i.exec(text);
    const name = m ? m[1] : text;
    let base = this.bases.get(name);
    if (base === undefined) this.bases.set(name, (base = TEXT_BASE + BigInt(this.bases.size) * SYMBOL_STEP));
    return base + (m?.[2] ? BigInt('0x' + m[2]) : 0n);
  }
  /** Ends with _etext: libtraceevent finds a symbol only below the next one's address. */
  kallsyms(): string {
    const end = TEXT_BASE + BigInt(this.bases.size) * SYMBOL_STEP;
    return [...this.bases, ['_etext', end] as const].map(([name, at]) => `${at.toString(16)} T ${name}\n`).join('');
  }
}

/** One row's record data, by its descriptor's trace.dat writer. */
function record(store: EventStore, i: number, sym: Symbols, cpus: number): Buffer {
  const written = WRITTEN.get(store.kind[i]);
  if (!written) throw new Error(`guest trace.dat: no format for event kind ${store.kind[i]}`);
  const comm = (tid: number) => (tid === 0 ? `swapper/${store.cpu[i]}` : store.threads.get(tid)?.comm ?? '<...>');
  return encodeEvent(written.format, store.tid[i], written.values(store, i, { address: (text) => sym.address(text), comm, cpus }));
}

/** Writes the guest trace.dat through `write`; times are the store's, rounded to whole ns. */
export function writeGuestTraceDat(g: GuestDatInput, write: (chunk: Uint8Array) => void): void {
  const sym = new Symbols();
  const perCpu: RawEvent[][] = Array.from({ length: g.cpus }, () => []);
  for (let i = 0; i < g.store.length; i++) {
    const cpu = g.store.cpu[i];
    if (cpu >= g.cpus) throw new Error(`guest trace.dat: row ${i} is on CPU ${cpu} of ${g.cpus}`);
    perCpu[cpu].push({ ts: Math.round(g.store.ts[i]), data: record(g.store, i, sym, g.cpus) });
  }
  const systems = new Map<string, string[]>();
  for (const { format: f } of WRITTEN.values()) systems.set(f.system, [...(systems.get(f.system) ?? []), f.text]);
  const cmdlines = [...g.store.threads.values()].filter((t) => t.tid !== 0).map((t) => `${t.tid} ${t.comm}\n`).join('');
  writeTraceDatV6(
    {
      pageSize: PAGE_SIZE,
      systems: [...systems].map(([system, formats]) => ({ system, formats })),
      kallsyms: sym.kallsyms(),
      cmdlines,
      cpus: perCpu.map((events) => ringPages(PAGE_SIZE, events)),
      options: [traceIdOption(BigInt(g.traceId)), timeShiftOptionOf(g.timeShift)],
      clock: g.clock,
    },
    write,
  );
}
