// A guest's events (an EventStore of sched_switch and the lock, ipi and csd events of
// events/guest.ts) as a trace.dat v6: one record per row in its CPU's ring buffer, laid out by
// the formats of guestDatFormats.ts, with the options that pair it with its host — TRACEID and
// TIME_SHIFT (trace-cmd agent files carry the same) — and kallsyms for the symbols it names, so
// that trace-cmd report prints every event by its format.
import { EventKind, PREEMPT_FLAG, PrevState, type EventStore } from '../trace/model';
import { cpusOfListText } from '../events/guest';
import { encodeEvent, ringPages, type RawEvent } from '../trace/dat/recordWriter';
import { writeTraceDatV6 } from '../trace/dat/datWriter';
import { parseEventFormat, type EventFormat } from '../trace/dat/eventFormat';
import { timeShiftOptionOf, traceIdOption } from '../trace/dat/optionWriter';
import type { TimeShift } from '../trace/dat/datOptions';
import { formatText, GUEST_DAT_FORMATS, TASK_STATE, type GuestDatFormat } from './guestDatFormats';

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
const PRIO = 120;
/** Where the symbols the store names are placed in the guest's kernel text (kallsyms). */
const TEXT_BASE = 0xffffffff81000000n;
const SYMBOL_STEP = 0x1000n;
/** What csd_queue_cpu's callsite holds (the store keeps no callsite for it). */
const CSD_CALLSITE = 'smp_call_function_many_cond';

type Format = EventFormat & { spec: GuestDatFormat };
const FORMATS: Format[] = Object.values(GUEST_DAT_FORMATS).map((spec) => Object.assign(parseEventFormat(formatText(spec), spec.system), { spec }));
const byName = (name: keyof typeof GUEST_DAT_FORMATS) => FORMATS.find((f) => f.spec.name === name)!;

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

/** The kernel's prev_state bits for the store's PrevState code. */
function taskState(code: number): number {
  const base = code & ~PREEMPT_FLAG;
  const bits = base === PrevState.Runnable ? 0 : base === PrevState.Sleeping ? TASK_STATE.interruptible : base === PrevState.Disk ? TASK_STATE.uninterruptible : TASK_STATE.idle;
  return code & PREEMPT_FLAG ? bits | TASK_STATE.preempted : bits;
}

/** A CPU list ("0,2,5") as the kernel's cpumask bitmap: unsigned longs, `cpus` bits. */
function cpumaskBytes(list: string, cpus: number): Buffer {
  const bytes = Buffer.alloc(Math.ceil(Math.max(cpus, 1) / 64) * 8);
  for (const c of cpusOfListText(list)) bytes[c >> 3] |= 1 << (c & 7);
  return bytes;
}

/** One row's record data. */
function record(store: EventStore, i: number, sym: Symbols, cpus: number): Buffer {
  const s = (id: number) => store.strings.get(id);
  const pid = store.tid[i];
  const comm = (tid: number) => (tid === 0 ? `swapper/${store.cpu[i]}` : store.threads.get(tid)?.comm ?? '<...>');
  switch (store.kind[i]) {
    case EventKind.SchedSwitch:
      return encodeEvent(byName('sched_switch'), pid, {
        prev_comm: comm(store.a[i]), prev_pid: store.a[i], prev_prio: PRIO, prev_state: taskState(store.b[i]),
        next_comm: comm(store.c[i]), next_pid: store.c[i], next_prio: PRIO,
      });
    case EventKind.LockContentionBegin:
      return encodeEvent(byName('contention_begin'), pid, { lock_addr: sym.address(s(store.a[i])), flags: store.b[i] });
    case EventKind.LockContentionEnd:
      return encodeEvent(byName('contention_end'), pid, { lock_addr: sym.address(s(store.a[i])), ret: store.b[i] });
    case EventKind.IpiSendCpu:
      return encodeEvent(byName('ipi_send_cpu'), pid, { cpu: store.a[i], callsite: sym.address(s(store.c[i])), callback: sym.address(s(store.b[i])) });
    case EventKind.IpiSendCpumask:
      return encodeEvent(byName('ipi_send_cpumask'), pid, { cpumask: cpumaskBytes(s(store.a[i]), cpus), callsite: sym.address(s(store.c[i])), callback: sym.address(s(store.b[i])) });
    case EventKind.CsdQueueCpu:
      return encodeEvent(byName('csd_queue_cpu'), pid, { cpu: store.a[i], callsite: sym.address(CSD_CALLSITE), func: sym.address(s(store.b[i])), csd: sym.address(s(store.c[i])) });
    case EventKind.CsdFunctionEntry:
    case EventKind.CsdFunctionExit: {
      const name = store.kind[i] === EventKind.CsdFunctionEntry ? 'csd_function_entry' : 'csd_function_exit';
      return encodeEvent(byName(name), pid, { func: sym.address(s(store.a[i])), csd: sym.address(s(store.b[i])) });
    }
    default:
      throw new Error(`guest trace.dat: no format for event kind ${store.kind[i]}`);
  }
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
  for (const f of FORMATS) systems.set(f.system, [...(systems.get(f.system) ?? []), f.text]);
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
