// bytes -> parser -> event store -> analysis, in one call for the CLI, the worker and tests.

import { analyze, type AnalysisOptions, type AnalysisResult } from './analysis/analyze';
import { importTraceText, type ImportedTrace, type ImportStats } from './trace/textImporter';
import { importTraceFileParallel, type ParallelImportOptions } from './trace/parallelImport';
import type { TraceFormat } from './trace/sniff';

export interface TraceAnalysis {
  source: string;
  format: TraceFormat;
  importStats: ImportStats;
  analysis: AnalysisResult;
}

export async function analyzeTraceFile(
  path: string,
  options: ParallelImportOptions & { analysis?: Partial<AnalysisOptions> } = {},
): Promise<TraceAnalysis> {
  return finish(path, await importTraceFileParallel(path, options), options.analysis);
}

export function analyzeTraceText(text: string, source = '<text>', options: Partial<AnalysisOptions> = {}): TraceAnalysis {
  return finish(source, importTraceText(text), options);
}

function finish(source: string, trace: ImportedTrace, options: Partial<AnalysisOptions> = {}): TraceAnalysis {
  const analysis = analyze(trace.store, options);
  analysis.warnings.unshift(...importWarnings(trace.stats));
  return { source, format: trace.format, importStats: trace.stats, analysis };
}

/** Partly malformed input: results plus a warning with the count and the first line numbers. */
export function importWarnings(stats: ImportStats): string[] {
  const warnings: string[] = [...(stats.warnings ?? [])];
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
  return warnings;
}
