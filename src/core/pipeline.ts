// bytes -> parser -> event store -> analysis, in one call for the CLI, the worker and tests.

import type { AnalysisOptions, AnalysisResult } from './analysis/analyze';
import { TraceSession } from './session';
import { emptyImportStats, importTraceText, type ImportedTrace, type ImportStats } from './trace/textImporter';
import { NotATraceError } from './trace/sniff';
import { importTraceFileParallel, type CountedImport, type ParallelImportOptions } from './trace/parallelImport';
import { importTraceStream, type StreamImportOptions } from './trace/streamImport';
import type { TraceFormat } from './trace/sniff';
import { refuseCutRunFile, runFileContentWarnings } from './sim/runFileCheck';
import { readRunFileOrigin } from './sim/runFileOrigin';
import { GuestTraceError, matchGuest, placeGuest, type GuestTrace } from './guestTraces';
import { guestProblems, VANILLA_FILTER, type GuestProblems } from './analysis/guestProblems';
import type { FilterPolicy } from './analysis/guestTruth';
import { POLICIES } from './sim/policies';
import { readRunFileMetrics } from './sim/runFileSites';
import type { TraceClock } from './trace/clock';
import { EventStore, PID_MAX_LIMIT, VCPU_ID_MAX } from './trace/model';
import type { TraceOrigin } from './trace/dat/datOptions';

export interface TraceAnalysis {
  source: string;
  format: TraceFormat;
  importStats: ImportStats;
  /** The trace clock and the unit of every time in `analysis` (ns, or raw counter values). */
  clock: TraceClock;
  /** trace.dat's trace id, guests and host (empty for text traces). */
  origin: TraceOrigin;
  /** The events the recorder lost, exactly, as decimal text (counts may pass 2^53). */
  lostEventsExact: string;
  analysis: AnalysisResult;
  /** The open trace: its state model answers ranges and replays. */
  session: TraceSession;
  /** Guest traces given with the host (`--guest`), on the host clock. */
  guests: GuestTrace[];
  /** With guest traces: the problems counted from the guests' truth, beside the host-only inference. */
  problemsFromGuest: GuestProblems | null;
}

export async function analyzeTraceFile(
  path: string,
  options: ParallelImportOptions & { analysis?: Partial<AnalysisOptions>; clockHz?: number } = {},
): Promise<TraceAnalysis> {
  const trace = await importTraceFileParallel(path, options).catch((err) => refuseCutRunFile(path, err));
  applyRunFileOrigin(path, trace);
  const result = finish(path, trace, options.analysis);
  // A simulator run file cut short still carries its whole run's header: say so first.
  result.analysis.warnings.unshift(...runFileContentWarnings(path, { eventLines: result.importStats.eventLines, pleExits: result.analysis.totals.pleExits }));
  return result;
}

/** A text trace from a stream (standard input, a FIFO, trace_pipe), named `source` in the results. */
export async function analyzeTraceStream(
  stream: NodeJS.ReadableStream,
  source: string,
  options: StreamImportOptions & { analysis?: Partial<AnalysisOptions>; clockHz?: number } = {},
): Promise<TraceAnalysis> {
  return finish(source, await importTraceStream(stream, options), options.analysis);
}

export function analyzeTraceText(text: string, source = '<text>', options: Partial<AnalysisOptions> = {}, clockHz?: number): TraceAnalysis {
  return finish(source, importTraceText(text, { clockHz }), options);
}

function finish(source: string, trace: CountedImport, options: Partial<AnalysisOptions> = {}): TraceAnalysis {
  const session = new TraceSession(trace.store, options, trace.census);
  const analysis = options.range ? session.analyzeRange(options.range.startNs, options.range.endNs) : session.analysis;
  analysis.warnings.unshift(...importWarnings(trace.stats));
  return { source, format: trace.format, importStats: trace.stats, clock: trace.store.clock, origin: trace.store.origin, lostEventsExact: trace.store.lostEventsText(), analysis, session, guests: [], problemsFromGuest: null };
}

/**
 * Reads guest traces of `host`: each is recognised by trace id (GuestTraceError when it is not
 * one of host's guests) and moved onto the host clock; they are added to `host.guests`.
 */
export async function attachGuestTraces(host: TraceAnalysis, paths: string[], options: ParallelImportOptions = {}): Promise<GuestTrace[]> {
  const added = await readGuestTraces(host.origin, host.source, paths, host.guests, options);
  host.guests.push(...added);
  host.session.addGuests(added);
  if (host.guests.length > 0) host.problemsFromGuest = guestProblems(host.session.store, host.analysis, host.guests, filterOf(host.source));
  return host.guests;
}

/**
 * Reads guest traces of the host trace `hostSource` (whose origin is `host`), each checked by
 * trace id against the host and the guests already read (`already`), on the host clock.
 */
export async function readGuestTraces(host: TraceOrigin, hostSource: string, paths: string[], already: readonly GuestTrace[], options: ParallelImportOptions = {}): Promise<GuestTrace[]> {
  const added: GuestTrace[] = [];
  for (const path of paths) {
    const trace = await importGuestTrace(path, options);
    applyRunFileOrigin(path, trace);
    const entry = matchGuest(host, hostSource, trace.store.origin, path);
    if ([...already, ...added].some((g) => g.traceId === entry.traceId)) throw new GuestTraceError(`${path}: guest trace ${entry.traceId} was given twice`);
    added.push(placeGuest(trace.store, entry, path));
  }
  return added;
}

/**
 * A guest that did none of the traced things leaves a text file of header lines only (the
 * simulator's `--guest-trace` for a VM that sent no IPI in the run): an empty guest of the host
 * its header names, not bad input. Any other refusal names the guest file.
 */
async function importGuestTrace(path: string, options: ParallelImportOptions): Promise<ImportedTrace> {
  try {
    return await importTraceFileParallel(path, options);
  } catch (err) {
    if (!(err instanceof NotATraceError)) throw err;
    const origin = err.reason === 'no-events' ? readRunFileOrigin(path) : null;
    if (!origin || typeof origin === 'string' || origin.timeShift === null) throw new NotATraceError(`${path}: ${err.message}`, err.reason);
    const store = new EventStore(16);
    store.origin = origin;
    return { format: 'trace-cmd', store, stats: { ...emptyImportStats(), warnings: [`${path}: the guest trace holds no events`] } };
  }
}

/** The user-mode filter of the kernel that recorded `path`: a run file names its policy. */
function filterOf(path: string): FilterPolicy & { name: string } {
  const policy = POLICIES.find((p) => p.name === readRunFileMetrics(path)?.policy);
  return policy ? { name: `${policy.name} (the run file's policy)`, pendingInterruptRule: policy.pendingInterruptRule, strictBoost: policy.strictBoost } : VANILLA_FILTER;
}

/** A text trace whose header declares its origin (a simulator run file and its guests' files). */
export function applyRunFileOrigin(path: string, trace: ImportedTrace): void {
  if (trace.store.origin.traceId !== null) return; // trace.dat options say it
  const origin = readRunFileOrigin(path);
  if (typeof origin === 'string') trace.stats.warnings.push(`${origin}: the file's trace id, guests and time shift were not read`);
  else if (origin) trace.store.origin = origin;
}

/** Partly malformed input: results plus a warning with the count and the first line numbers. */
export function importWarnings(stats: ImportStats): string[] {
  const warnings: string[] = [...stats.warnings];
  if (stats.malformedLines > 0) {
    warnings.push(
      `${stats.malformedLines} line(s) were not trace events and were skipped (first at line ${stats.firstMalformedLines.join(', ')})` +
        (stats.longLines > 0 ? `; ${stats.longLines} of them longer than the 1 MiB line limit` : ''),
    );
  }
  if (stats.malformedPayloads > 0) {
    warnings.push(
      `${stats.malformedPayloads} event line(s) had fields that did not match their event's format and were skipped (first at line ${stats.firstMalformedPayloadLines.join(', ')})`,
    );
  }
  if (stats.idsOutOfRange > 0) {
    warnings.push(
      `${stats.idsOutOfRange} event line(s) had a thread id of ${PID_MAX_LIMIT} or more (Linux's PID_MAX_LIMIT) or a vCPU id beyond ${VCPU_ID_MAX} and were skipped, not wrapped (first at line ${stats.firstIdOutOfRangeLines.join(', ')})`,
    );
  }
  return warnings;
}
