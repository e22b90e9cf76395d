// Is a simulator run file whole? Its header declares what follows (the number of event lines,
// the PAUSE exits) and a complete file ends with a marker repeating the count. A file cut short
// (a full disk, an interrupted copy) keeps its header, so every reader checks before it trusts
// the header: the cheap check reads the head and the tail, the full check also compares the
// header with what an import counted.

import { looksLikeRunFile, readRunFileEnd, readRunFileHead, readRunFileMetrics, readRunFileSiteCounts, type RunFileMetrics } from './runFileSites';
import type { SimSiteCounts } from '../source/annotate';
import { NotATraceError } from '../trace/sniff';

export type RunFileVerdict =
  | { runFile: false }
  /** `problem` is null for a whole file; `header` is null when the header itself is damaged. */
  | { runFile: true; problem: string | null; header: RunFileMetrics | null };

/** A run file that is not whole, where a reader would have to trust its header: bad input. */
export class IncompleteRunFileError extends NotATraceError {}

/** Head and tail only: whether `path` is a run file and whether it is whole. */
export function checkRunFile(path: string): RunFileVerdict {
  if (!looksLikeRunFile(readRunFileHead(path))) return { runFile: false };
  const header = readRunFileMetrics(path);
  if (!header || !readRunFileSiteCounts(path)) return { runFile: true, problem: 'its header comments are damaged or cut short', header };
  const end = readRunFileEnd(path);
  if (header.events === undefined) {
    return { runFile: true, header, problem: 'it has no event count and no end marker: it was cut short or written by kvm-spin 0.1.0, which did not mark complete run files' };
  }
  if (end === null) return { runFile: true, header, problem: 'it does not end with its end marker: it was cut short (a full disk or an interrupted copy?)' };
  if (end !== header.events) return { runFile: true, header, problem: `its end marker counts ${end.toLocaleString('en-US')} event lines where its header declares ${header.events.toLocaleString('en-US')}` };
  return { runFile: true, header, problem: null };
}

/** What an import of the whole file counted. */
export interface RunFileContent {
  eventLines: number;
  pleExits: number;
}

/**
 * The warning for a run file whose content disagrees with its header (none for a whole run
 * file or a trace that is not a run file).
 */
export function runFileContentWarnings(path: string, content: RunFileContent): string[] {
  const verdict = checkRunFile(path);
  if (!verdict.runFile) return [];
  const problems = verdict.problem ? [verdict.problem] : [];
  const header = verdict.header;
  if (header?.events !== undefined && header.events !== content.eventLines) {
    problems.push(`it holds ${content.eventLines.toLocaleString('en-US')} event lines where its header declares ${header.events.toLocaleString('en-US')}`);
  }
  if (header && header.metrics.pleExits !== content.pleExits) {
    problems.push(`it holds ${content.pleExits.toLocaleString('en-US')} PAUSE exits where its header says ${header.metrics.pleExits.toLocaleString('en-US')}`);
  }
  if (problems.length === 0) return [];
  return [`incomplete simulator run file: ${problems.join('; ')}. The figures describe only what the file holds, not the simulated run: run the simulation again`];
}

/**
 * The simulator's per-site counters of a whole run file; null for a trace that is not a run
 * file; IncompleteRunFileError for a run file that is not whole.
 */
export function wholeRunFileSiteCounts(path: string): SimSiteCounts | null {
  const verdict = checkRunFile(path);
  if (!verdict.runFile) return null;
  if (verdict.problem) throw incompleteRunFile(path, verdict.problem);
  return readRunFileSiteCounts(path);
}

/** An import's failure, as IncompleteRunFileError when the file is a run file cut short (before any event). */
export function refuseCutRunFile(path: string, err: unknown): never {
  if (err instanceof NotATraceError && !(err instanceof IncompleteRunFileError)) {
    const verdict = checkRunFile(path);
    if (verdict.runFile && verdict.problem) throw incompleteRunFile(path, verdict.problem);
  }
  throw err;
}

function incompleteRunFile(path: string, problem: string): IncompleteRunFileError {
  return new IncompleteRunFileError(`${path}: incomplete simulator run file: ${problem}; run the simulation again`);
}
