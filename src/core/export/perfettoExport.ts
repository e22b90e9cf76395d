// One entry for both exports of an open trace (CLI, session worker, tests): the format by
// name, the store's thread names and raw lines, chunks out to the caller's sink.

import type { TimelineTables } from '../analysis/tables';
import type { EventStore } from '../trace/model';
import { writeChromeJson } from './chromeJson';
import { writePerfetto } from './perfetto';

export const EXPORT_FORMATS = ['perfetto', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const isExportFormat = (v: unknown): v is ExportFormat => typeof v === 'string' && (EXPORT_FORMATS as readonly string[]).includes(v);

/** The file name ending each format is saved with (ui.perfetto.dev reads both). */
export const EXPORT_EXTENSION: Record<ExportFormat, string> = { perfetto: '.perfetto-trace', json: '.json' };

export function writeTraceExport(format: ExportFormat, tables: TimelineTables, store: EventStore, write: (chunk: string | Uint8Array) => void): void {
  const threadName = (tid: number) => (tid === 0 ? '<idle>' : store.threads.get(tid)?.comm ?? '<...>');
  const line = (row: number) => store.line[row] ?? 0;
  if (format === 'json') writeChromeJson(tables, threadName, line, write);
  else writePerfetto(tables, threadName, line, write);
}
