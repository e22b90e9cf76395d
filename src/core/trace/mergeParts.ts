// A file read in parts (one per worker thread) comes back as serialized parts; merging them
// gives exactly the store, stats and evidence one importer would have built for the file.

import { EventStore, type LostEvents, type ThreadInfo } from './model';
import { STRING_COLUMN_MASK } from '../events/registry';
import type { FormatEvidence } from './sniff';
import { emptyImportStats, type ImportPart, type ImportStats } from './textImporter';

const COLUMNS = ['ts', 'cpu', 'tid', 'kind', 'a', 'b', 'c', 'x', 'y', 'line'] as const;
type Column = (typeof COLUMNS)[number];

export type SerializedPart = { [K in Column]: EventStore[K] } & {
  length: number;
  strings: string[];
  threads: ThreadInfo[];
  otherEvents: [string, number][];
  lost: LostEvents[];
  stats: ImportStats;
  evidence: FormatEvidence;
  rawTimestamps: boolean | null;
};

/** Copies each column to its exact length so the buffers can be transferred, not cloned. */
export function serializePart(part: ImportPart): { data: SerializedPart; transfer: ArrayBuffer[] } {
  const s = part.store;
  const n = s.length;
  const data = {
    length: n,
    strings: s.strings.strings,
    threads: [...s.threads.values()],
    otherEvents: [...s.otherEvents],
    lost: s.lost,
    stats: part.stats,
    evidence: part.evidence,
    rawTimestamps: part.rawTimestamps,
  } as SerializedPart;
  const transfer: ArrayBuffer[] = [];
  for (const k of COLUMNS) {
    const column = s[k].slice(0, n);
    (data as Record<Column, unknown>)[k] = column;
    transfer.push(column.buffer as ArrayBuffer);
  }
  return { data, transfer };
}

/** True when every part that has event lines has the same kind of timestamp (else one importer must read the file). */
export function sameTimestamps(parts: SerializedPart[]): boolean {
  const kinds = new Set(parts.map((p) => p.rawTimestamps).filter((k) => k !== null));
  return kinds.size <= 1;
}

export function mergeParts(parts: SerializedPart[]): ImportPart {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const store = new EventStore(total);
  const stats: ImportStats = emptyImportStats();
  const evidence = { ftraceHeader: 0, traceCmdHeader: 0, dashPidLines: 0, perfLines: 0, rawSched: 0, compactSched: 0 };
  let lineOffset = 0;
  for (const part of parts) {
    const off = store.length;
    for (const k of COLUMNS) (store[k] as Float64Array).set(part[k] as Float64Array, off);
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
    store.length = off + part.length;
    for (const t of part.threads) store.noteThread(t.tid, t.comm, t.tgid);
    for (const [name, count] of part.otherEvents) store.otherEvents.set(name, (store.otherEvents.get(name) ?? 0) + count);
    for (const l of part.lost) store.lost.push({ ...l, line: l.line + lineOffset });
    const ps = part.stats;
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
    for (const key of Object.keys(evidence) as (keyof FormatEvidence)[]) evidence[key] += part.evidence[key];
    lineOffset += ps.lines;
  }
  stats.lines = lineOffset;
  stats.firstMalformedLines = stats.firstMalformedLines.slice(0, 5);
  stats.firstMalformedPayloadLines = stats.firstMalformedPayloadLines.slice(0, 5);
  stats.firstIdOutOfRangeLines = stats.firstIdOutOfRangeLines.slice(0, 5);
  store.recountOrder();
  return { store, stats, evidence, rawTimestamps: parts.find((p) => p.rawTimestamps !== null)?.rawTimestamps ?? null };
}
