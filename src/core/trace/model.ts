// The columnar event store every importer writes into (one model, many importers, as in
// Perfetto's trace_processor). One row per kept event; typed-array columns grow by doubling.
// Events the analysis does not use are only counted per name, never stored.

import type { TraceClock } from './clock';
import { emptyOrigin, type TraceOrigin } from './dat/datOptions';
import { GUEST_EVENT_KINDS } from '../events/guest';

// Numeric ids of the modelled events. What each column holds for a kind, and how the kind is
// decoded and written, is its descriptor in src/core/events/ (kvm.ts, sched.ts, probe.ts, guest.ts).
// Columns: a, b, c int32; x, y float64.
export const EventKind = {
  KvmExit: 1,
  KvmEntry: 2,
  PleWindow: 3,
  ApicIpi: 4,
  ApicAcceptIrq: 5,
  VcpuWakeup: 6,
  SchedSwitch: 7,
  SchedWakeup: 8,
  SchedWaking: 9,
  SchedWakeupNew: 10,
  SchedMigrate: 11,
  Probe: 12,
  KvmEoi: 13,
  // 14..20: the guest's lock, ipi and csd events (events/guest.ts).
  ...GUEST_EVENT_KINDS,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

export const PrevState = {
  Runnable: 0, // "R" or "R+": preempted while runnable
  Sleeping: 1, // "S"
  Disk: 2, // "D"
  Other: 3, // T, t, X, Z, P, I, ...
} as const;

export const PREEMPT_FLAG = 4; // "R+" (preempted) bit on top of PrevState

/**
 * Ids the int32 columns keep exactly; anything else is refused, never wrapped. Linux pids stay
 * below PID_MAX_LIMIT (include/linux/threads.h: 4 · 1024 · 1024 on 64-bit). KVM's vCPU ids are
 * u32 in its tracepoints but stay below KVM_MAX_VCPU_IDS, far under 2^31.
 */
export const PID_MAX_LIMIT = 4 * 1024 * 1024;
export const VCPU_ID_MAX = 2 ** 31 - 1;
export const isPid = (v: number) => Number.isInteger(v) && v >= 0 && v < PID_MAX_LIMIT;
export const isVcpuId = (v: number) => Number.isInteger(v) && v >= 0 && v <= VCPU_ID_MAX;

export interface ThreadInfo {
  tid: number;
  comm: string;
  /** Thread-group id when the trace records it (ftrace record-tgid, perf pid/tid); -1 otherwise. */
  tgid: number;
}

export interface LostEvents {
  cpu: number;
  /** -1 when the trace does not say how many; beyond 2^53 a rounded value, the exact one in `exact`. */
  count: number;
  line: number;
  exact?: bigint;
}

/** A lost-events record from the count's digits, exact at any size. */
export function lostEvents(cpu: number, digits: string | undefined, line: number): LostEvents {
  if (digits === undefined) return { cpu, count: -1, line };
  const count = Number(digits);
  return count <= Number.MAX_SAFE_INTEGER ? { cpu, count, line } : { cpu, count, line, exact: BigInt(digits) };
}

export class StringTable {
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();

  intern(text: string): number {
    let id = this.index.get(text);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(text);
      this.index.set(text, id);
    }
    return id;
  }

  get(id: number): string {
    return this.strings[id] ?? '';
  }

  lookup(text: string): number | undefined {
    return this.index.get(text);
  }
}

/** Rows laid out as the store's columns. */
export type StoreRows = Pick<EventStore, 'ts' | 'cpu' | 'tid' | 'kind' | 'a' | 'b' | 'c' | 'x' | 'y' | 'line'>;

export class EventStore {
  length = 0;
  ts: Float64Array; // nanoseconds, or raw counter values when clock.unit is 'cycles'
  cpu: Uint16Array;
  tid: Int32Array;
  kind: Uint8Array;
  a: Int32Array;
  b: Int32Array;
  c: Int32Array;
  x: Float64Array;
  y: Float64Array;
  line: Uint32Array; // 1-based line (text) or record number (binary) for reveal-in-source

  readonly strings = new StringTable();
  readonly threads = new Map<number, ThreadInfo>();
  /** Events seen but not modelled, counted by name. */
  readonly otherEvents = new Map<string, number>();
  readonly lost: LostEvents[] = [];
  /** The clock of `ts`: its name when the trace says it, and its unit (ns, or raw counter values). */
  clock: TraceClock = { name: null, unit: 'ns' };
  /** trace.dat: this trace's id, its guests (GUEST), its host (TIME_SHIFT), its TSC2NSEC. */
  origin: TraceOrigin = emptyOrigin();
  /** Count of events whose timestamp is earlier than the one before (file order). */
  outOfOrder = 0;
  firstOutOfOrderLine = 0;
  private lastTs = -Infinity;
  /** While not null, the tid of each thread added or renamed (the importer's fast path keeps its copy of the names in step). */
  namedLog: number[] | null = null;

  constructor(initialCapacity = 1 << 16) {
    const n = Math.max(16, initialCapacity);
    this.ts = new Float64Array(n);
    this.cpu = new Uint16Array(n);
    this.tid = new Int32Array(n);
    this.kind = new Uint8Array(n);
    this.a = new Int32Array(n);
    this.b = new Int32Array(n);
    this.c = new Int32Array(n);
    this.x = new Float64Array(n);
    this.y = new Float64Array(n);
    this.line = new Uint32Array(n);
  }

  /** Appends one row; returns its index. Unused int columns are 0, float columns NaN. */
  push(ts: number, cpu: number, tid: number, kind: EventKind, line: number): number {
    if (this.length === this.ts.length) this.grow();
    const i = this.length++;
    if (ts < this.lastTs) {
      if (this.outOfOrder === 0) this.firstOutOfOrderLine = line;
      this.outOfOrder++;
    } else {
      this.lastTs = ts;
    }
    this.ts[i] = ts;
    this.cpu[i] = cpu;
    this.tid[i] = tid;
    this.kind[i] = kind;
    this.a[i] = 0;
    this.b[i] = 0;
    this.c[i] = 0;
    this.x[i] = NaN;
    this.y[i] = NaN;
    this.line[i] = line;
    return i;
  }

  /** Records a thread's name; a placeholder name never overwrites a real one. */
  noteThread(tid: number, comm: string, tgid = -1): void {
    const known = this.threads.get(tid);
    if (!known) {
      this.threads.set(tid, { tid, comm, tgid });
      this.namedLog?.push(tid);
      return;
    }
    if (comm && comm !== '<...>' && known.comm !== comm) {
      known.comm = comm;
      this.namedLog?.push(tid);
    }
    if (tgid >= 0 && known.tgid < 0) known.tgid = tgid;
  }

  /**
   * Appends `count` rows from columns in the store's own types (the importer's fast path),
   * counting rows out of time order as push() does.
   */
  appendRows(from: StoreRows, count: number): void {
    const at = this.length;
    if (at + count > this.ts.length) this.grow(Math.max(this.ts.length * 2, at + count));
    const { ts, cpu, tid, kind, a, b, c, x, y, line } = this;
    let lastTs = this.lastTs;
    for (let k = 0; k < count; k++) {
      const i = at + k;
      const t = from.ts[k];
      if (t < lastTs) {
        if (this.outOfOrder === 0) this.firstOutOfOrderLine = from.line[k];
        this.outOfOrder++;
      } else lastTs = t;
      ts[i] = t;
      cpu[i] = from.cpu[k];
      tid[i] = from.tid[k];
      kind[i] = from.kind[k];
      a[i] = from.a[k];
      b[i] = from.b[k];
      c[i] = from.c[k];
      x[i] = from.x[k];
      y[i] = from.y[k];
      line[i] = from.line[k];
    }
    this.lastTs = lastTs;
    this.length = at + count;
  }

  /** The events the recorder says it lost, summed exactly (decimal text: counts may pass 2^53). */
  lostEventsText(): string {
    return this.lost.reduce((sum, l) => sum + (l.exact ?? BigInt(Math.max(0, l.count))), 0n).toString();
  }

  countOther(name: string): void {
    this.otherEvents.set(name, (this.otherEvents.get(name) ?? 0) + 1);
  }

  /** Recounts the rows whose timestamp is below an earlier one (after rows were bulk-copied in). */
  recountOrder(): void {
    this.outOfOrder = 0;
    this.firstOutOfOrderLine = 0;
    let last = -Infinity;
    for (let i = 0; i < this.length; i++) {
      const t = this.ts[i];
      if (t < last) {
        if (this.outOfOrder === 0) this.firstOutOfOrderLine = this.line[i];
        this.outOfOrder++;
      } else last = t;
    }
    this.lastTs = last;
  }

  /** Indices of rows in timestamp order (stable); identity when the file was already ordered. */
  order(): Uint32Array {
    const order = new Uint32Array(this.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (this.outOfOrder === 0) return order;
    const ts = this.ts;
    return order.sort((p, q) => ts[p] - ts[q] || p - q);
  }

  /** Makes room for `rows` rows in all (rows are then bulk-copied in). */
  reserve(rows: number): void {
    if (rows > this.ts.length) this.grow(rows);
  }

  private grow(n = this.ts.length * 2): void {
    this.ts = growFloat(this.ts, n);
    this.cpu = growTyped(this.cpu, new Uint16Array(n));
    this.tid = growTyped(this.tid, new Int32Array(n));
    this.kind = growTyped(this.kind, new Uint8Array(n));
    this.a = growTyped(this.a, new Int32Array(n));
    this.b = growTyped(this.b, new Int32Array(n));
    this.c = growTyped(this.c, new Int32Array(n));
    this.x = growFloat(this.x, n);
    this.y = growFloat(this.y, n);
    this.line = growTyped(this.line, new Uint32Array(n));
  }
}

function growFloat(old: Float64Array, n: number): Float64Array {
  const next = new Float64Array(n);
  next.set(old);
  return next;
}

function growTyped<T extends Int32Array | Uint32Array | Uint16Array | Uint8Array>(old: T, next: T): T {
  next.set(old);
  return next;
}
