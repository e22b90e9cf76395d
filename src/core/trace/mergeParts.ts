// A file read in parts (the first on the calling thread, the others on worker threads) comes
// back as one live part and serialized parts; appending them gives exactly the store, stats and
// evidence one importer would have built for the file.

import { EventStore, type LostEvents, type ThreadInfo } from './model';
import { STRING_COLUMN_MASK } from '../events/registry';
import { newEvidence, type FormatEvidence } from './sniff';
import { censusBuffers, takeCensus, type TraceCensus } from '../analysis/census';
import { emptyImportStats, type ImportPart, type ImportStats } from './textImporter';

const COLUMNS = ['ts', 'cpu', 'tid', 'kind', 'a', 'b', 'c', 'x', 'y', 'line'] as const;
type Column = (typeof COLUMNS)[number];
/** What a part's columns are once appended. */
const EMPTY_COLUMN = new Uint8Array(0);

/** A worker's part; its columns may be longer than `length` (their unused capacity). */
export type SerializedPart = { [K in Column]: EventStore[K] } & {
  length: number;
  strings: string[];
  threads: ThreadInfo[];
  otherEvents: [string, number][];
  lost: LostEvents[];
  stats: ImportStats;
  evidence: FormatEvidence;
  rawTimestamps: boolean | null;
  /** The analysis's census of the part's rows, taken on the thread that read it. */
  census: TraceCensus;
};

/**
 * The part with its columns as they are, to be transferred: cutting them to length would copy
 * every row once more (the receiver reads only the first `length`).
 */
export function serializePart(part: ImportPart): { data: SerializedPart; transfer: ArrayBuffer[] } {
  const s = part.store;
  const census = takeCensus(s);
  const data = {
    length: s.length,
    strings: s.strings.strings,
    threads: [...s.threads.values()],
    otherEvents: [...s.otherEvents],
    lost: s.lost,
    stats: part.stats,
    evidence: part.evidence,
    rawTimestamps: part.rawTimestamps,
    census,
  } as SerializedPart;
  const transfer: ArrayBuffer[] = censusBuffers(census);
  for (const k of COLUMNS) {
    (data as Record<Column, unknown>)[k] = s[k];
    transfer.push(s[k].buffer as ArrayBuffer);
  }
  return { data, transfer };
}

/** Rows per step of pre-faulting: about a millisecond's work, so that the parts' arrival is noticed soon. */
const PREFAULT_STEP_ROWS = 1 << 15;

/**
 * While `arrival` is pending, writes the zeros fresh memory already holds into the store's
 * unused rows [store.length, upTo): the first write to a page costs a page fault, which was
 * most of appendParts' time (1.1 M rows of the 10 columns, on a 2-core VM: 24–178 ms into fresh
 * pages, 4–5 ms into touched ones); here it is paid while this thread would wait for the workers.
 */
export async function prefaultWhileWaiting(store: EventStore, upTo: number, arrival: Promise<unknown>): Promise<void> {
  let arrived = false;
  const settle = () => (arrived = true);
  arrival.then(settle, settle);
  const end = Math.min(upTo, store.ts.length);
  for (let from = store.length; from < end && !arrived; from += PREFAULT_STEP_ROWS) {
    const to = Math.min(end, from + PREFAULT_STEP_ROWS);
    for (const k of COLUMNS) (store[k] as Float64Array).fill(0, from, to);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** True when every part that has event lines has the same kind of timestamp (else one importer must read the file). */
export function sameTimestamps(parts: readonly { rawTimestamps: boolean | null }[]): boolean {
  const kinds = new Set(parts.map((p) => p.rawTimestamps).filter((k) => k !== null));
  return kinds.size <= 1;
}

/**
 * Appends the parts that follow `first` in the file, in order, to it (its store, stats and
 * evidence). Each part's columns are let go once copied: the worker that posted a part keeps
 * it reachable until that worker is collected, and the state model's tables, allocated next,
 * would otherwise sit beside them (an 800 MB trace peaked at 1,161 MB instead of 962 MB).
 */
export function appendParts(first: ImportPart, parts: readonly SerializedPart[]): ImportPart {
  const { store, stats, evidence } = first;
  store.reserve(parts.reduce((n, p) => n + p.length, store.length));
  let lineOffset = stats.lines;
  for (const part of parts) {
    const off = store.length;
    for (const k of COLUMNS) (store[k] as Float64Array).set((part[k] as Float64Array).subarray(0, part.length), off);
    const remap = Int32Array.from(part.strings, (text) => store.strings.intern(text));
    const identity = remap.every((id, i) => id === i);
    const { line, kind, a, b, c } = store;
    const end = off + part.length;
    for (let i = off; i < end; i++) line[i] += lineOffset;
    if (!identity) {
      // The columns that hold string ids, as each event's descriptor declares them.
      const mask = STRING_COLUMN_MASK;
      for (let i = off; i < end; i++) {
        const m = mask[kind[i]];
        if (m === 0) continue;
        if (m & 1) a[i] = remap[a[i]];
        if (m & 2) b[i] = remap[b[i]];
        if (m & 4) c[i] = remap[c[i]];
      }
    }
    store.length = end;
    for (const k of COLUMNS) (part as Record<Column, unknown>)[k] = EMPTY_COLUMN;
    for (const t of part.threads) store.noteThread(t.tid, t.comm, t.tgid);
    for (const [name, count] of part.otherEvents) store.otherEvents.set(name, (store.otherEvents.get(name) ?? 0) + count);
    for (const l of part.lost) store.lost.push({ ...l, line: l.line + lineOffset });
    addStats(stats, part.stats, lineOffset);
    for (const key of Object.keys(evidence) as (keyof FormatEvidence)[]) evidence[key] += part.evidence[key];
    lineOffset += part.stats.lines;
  }
  stats.lines = lineOffset;
  stats.firstMalformedLines = stats.firstMalformedLines.slice(0, 5);
  stats.firstMalformedPayloadLines = stats.firstMalformedPayloadLines.slice(0, 5);
  stats.firstIdOutOfRangeLines = stats.firstIdOutOfRangeLines.slice(0, 5);
  store.recountOrder();
  return { store, stats, evidence, rawTimestamps: [first, ...parts].find((p) => p.rawTimestamps !== null)?.rawTimestamps ?? null };
}

/** Parts that were all serialized, merged in order into a new store. */
export function mergeParts(parts: readonly SerializedPart[]): ImportPart {
  const store = new EventStore(parts.reduce((n, p) => n + p.length, 0));
  return appendParts({ store, stats: emptyImportStats(), evidence: newEvidence(), rawTimestamps: null }, parts);
}

/** Adds a later part's counts to `stats`; its line numbers move by `lineOffset`. */
function addStats(stats: ImportStats, ps: ImportStats, lineOffset: number): void {
  stats.bytes += ps.bytes;
  stats.eventLines += ps.eventLines;
  stats.storedEvents += ps.storedEvents;
  stats.otherEvents += ps.otherEvents;
  stats.malformedLines += ps.malformedLines;
  stats.malformedPayloads += ps.malformedPayloads;
  stats.longLines += ps.longLines;
  stats.idsOutOfRange += ps.idsOutOfRange;
  stats.firstIdOutOfRangeLines.push(...ps.firstIdOutOfRangeLines.map((l) => l + lineOffset));
  stats.crlf ||= ps.crlf;
  stats.warnings.push(...ps.warnings);
  stats.firstMalformedLines.push(...ps.firstMalformedLines.map((l) => l + lineOffset));
  stats.firstMalformedPayloadLines.push(...ps.firstMalformedPayloadLines.map((l) => l + lineOffset));
}
