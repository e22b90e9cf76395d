// The text importer's fast path (wasm/fastLines.c, built by scripts/build-wasm.mjs): runs of
// whole lines of the commonest shape read in WebAssembly into rows laid out as the store's
// columns, stopping at each line the JavaScript line reader must read. One instance per thread
// serves every importer, one call at a time; it keeps a copy of the current importer's thread
// names and exit-reason ids, forgotten when another importer calls.

import { EventKind, type StoreRows } from './model';
import { FAST_LINES_WASM } from './wasm/fastLinesWasm';

/** The importer's timestamps so far, as parse() takes them. */
export const RawMode = { Seconds: 0, Counter: 1, Unknown: 2 } as const;

const MAX_COMM_BYTES = 32;

type Fn = (...args: number[]) => number;

export class FastLines {
  /** Bytes of whole lines copied here are what parse() reads (offsets are from its start). */
  readonly input: Uint8Array;
  readonly capacity: number;
  /** The rows of the last call. */
  readonly rows: StoreRows;
  private readonly memory: WebAssembly.Memory;
  private readonly fn: Record<string, Fn>;
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
    this.commScratch = view(Uint8Array, 'commScratch', MAX_COMM_BYTES);
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
    this.fn.configure(EventKind.KvmExit, EventKind.KvmEntry, EventKind.PleWindow, EventKind.ApicIpi, EventKind.ApicAcceptIrq);
  }

  /** Makes `importer` (a number unique to it) the one whose names and ids the module holds. */
  own(importer: number): void {
    if (this.owner === importer) return;
    this.fn.forgetStore();
    this.owner = importer;
  }

  /** Reads the whole lines of input[from, length) into rows: how many. */
  parse(from: number, length: number, rawMode: number, maxLineLength: number, lineBase: number): number {
    const rows = this.fn.parse(from, length, rawMode, maxLineLength, lineBase);
    this.rowsRead += rows;
    return rows;
  }

  /** Where the last call stopped reading lines, and how many (empty ones included) its rows span. */
  consumed(): number {
    return this.fn.consumed();
  }

  linesRead(): number {
    return this.fn.linesRead();
  }

  /** The line the last call stopped at ([start, end) in the window; start −1: none), its tid once its head was read, its unknown exit reason's index. */
  stopStart(): number {
    return this.fn.stopStart();
  }

  stopEnd(): number {
    return this.fn.stopEnd();
  }

  stopTid(): number {
    return this.fn.stopTid();
  }

  stopReason(): number {
    return this.fn.stopReason();
  }

  /** The store names `tid` `comm`: rows of that thread with that name need no naming. */
  setThread(tid: number, comm: string): void {
    let length = comm.length <= MAX_COMM_BYTES ? comm.length : -1;
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
