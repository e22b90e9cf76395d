// The text importer's fast path (wasm/fastLines.c, built by scripts/build-wasm.mjs): runs of
// whole lines of the commonest shape (the kvm and sched events the analysis reads) read in
// WebAssembly into rows laid out as the store's columns, stopping at each line the JavaScript
// line reader must read. One instance per thread
// serves every importer, one call at a time; it keeps a copy of the current importer's thread
// names and exit-reason ids, forgotten when another importer calls.

import { EventKind, type StoreRows } from './model';
import { FAST_LINES_WASM } from './wasm/fastLinesWasm';

/** The importer's timestamps so far, as parse() takes them. */
export const RawMode = { Seconds: 0, Counter: 1, Unknown: 2 } as const;

/**
 * The fields of FastLines.state after a call: where the next call starts in the window, the
 * lines its rows span, the line it stopped at ([start, end); start −1: none) and, when that
 * line lacked only a thread's name or its exit reason's id, that tid or reason index (else −1),
 * and the sched_switch / sched_wakeup / sched_waking rows in the kernel's key=value rendering
 * and in trace-cmd's (the format evidence).
 */
export const CallState = { Consumed: 0, LinesRead: 1, StopStart: 2, StopEnd: 3, StopTid: 4, StopReason: 5, RawSched: 6, CompactSched: 7, Fields: 8 } as const;

type Fn = (...args: number[]) => number;

export class FastLines {
  /** Bytes of whole lines copied here are what parse() reads (offsets are from its start). */
  readonly input: Uint8Array;
  readonly capacity: number;
  /** The rows of the last call. */
  readonly rows: StoreRows;
  private readonly memory: WebAssembly.Memory;
  private readonly fn: Record<string, Fn>;
  /** Where setThread puts a name's bytes; names longer than it are never compared there. */
  private readonly commScratch: Uint8Array;
  private owner = 0;
  /** Rows read since the instance was made (the tests check how much the fast path takes). */
  rowsRead = 0;

  constructor(instance: WebAssembly.Instance) {
    const exports = instance.exports as Record<string, unknown>;
    this.memory = exports.memory as WebAssembly.Memory;
    this.fn = exports as Record<string, Fn>;
    const records = this.fn.records();
    const buffer = this.memory.buffer;
    const view = <T>(Type: new (b: ArrayBuffer, at: number, n: number) => T, name: string, n = records) => new Type(buffer, this.fn[name](), n);
    this.capacity = this.fn.inputBytes();
    this.input = view(Uint8Array, 'input', this.capacity);
    this.commScratch = view(Uint8Array, 'commScratch', this.fn.commBytes());
    this.state = view(Int32Array, 'state', CallState.Fields);
    this.rows = {
      ts: view(Float64Array, 'outTs'),
      cpu: view(Uint16Array, 'outCpu'),
      tid: view(Int32Array, 'outTid'),
      kind: view(Uint8Array, 'outKind'),
      a: view(Int32Array, 'outA'),
      b: view(Int32Array, 'outB'),
      c: view(Int32Array, 'outC'),
      x: view(Float64Array, 'outX'),
      y: view(Float64Array, 'outY'),
      line: view(Uint32Array, 'outLine'),
    };
    const K = EventKind;
    this.fn.configure(K.KvmExit, K.KvmEntry, K.PleWindow, K.ApicIpi, K.ApicAcceptIrq, K.SchedSwitch, K.SchedWakeup, K.SchedWaking, K.SchedWakeupNew);
  }

  /** Makes `importer` (a number unique to it) the one whose names and ids the module holds. */
  own(importer: number): void {
    if (this.owner === importer) return;
    this.forget();
    this.owner = importer;
  }

  /** Forgets every name and id the module holds (no importer owns them). */
  forget(): void {
    this.fn.forgetStore();
    this.owner = 0;
  }

  /** Reads the whole lines of input[from, length) into rows: how many. */
  parse(from: number, length: number, rawMode: number, maxLineLength: number, lineBase: number): number {
    const rows = this.fn.parse(from, length, rawMode, maxLineLength, lineBase);
    this.rowsRead += rows;
    return rows;
  }

  /** What the last call did (fastLines.c's state): see CallState. */
  readonly state: Int32Array;

  /** The store names `tid` `comm`: rows of that thread with that name need no naming. */
  setThread(tid: number, comm: string): void {
    let length = comm.length <= this.commScratch.length ? comm.length : -1;
    for (let k = 0; k < length; k++) {
      const code = comm.charCodeAt(k);
      if (code > 255) length = -1; // never equal to a line's bytes (read as latin1)
      else this.commScratch[k] = code;
    }
    this.fn.setThread(tid, length);
  }

  /** The text of exit reason `index` (one character a byte), and its string id in the current store. */
  reasonText(index: number): string {
    return Buffer.from(this.memory.buffer, this.fn.reasonPtr(index), this.fn.reasonLen(index)).toString('latin1');
  }

  setReasonId(index: number, id: number): void {
    this.fn.setReasonId(index, id);
  }
}

let shared: FastLines | null = null;

/** This thread's fast path. */
export function fastLines(): FastLines {
  shared ??= new FastLines(new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(FAST_LINES_WASM, 'base64'))));
  return shared;
}
