// `kvm-spin export FILE --format perfetto|json --out OUT`: the timeline's tracks (vCPU states,
// pCPU runs, PAUSE exits, boosts and IPIs) for ui.perfetto.dev, streamed to OUT.

import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { importTraceFileParallel } from '../core/trace/parallelImport';
import { TraceSession } from '../core/session';
import { EXPORT_FORMATS, isExportFormat, writeTraceExport } from '../core/export/perfettoExport';
import { InputError } from './simulate';

export const EXPORT_USAGE = 'kvm-spin export FILE --format perfetto|json --out OUT';

export async function exportCommand(args: string[], signal?: AbortSignal): Promise<number> {
  const value = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0 || i + 1 >= args.length) throw new InputError(`export needs ${name} (${EXPORT_USAGE})`);
    return args[i + 1];
  };
  const format = value('--format');
  const out = value('--out');
  if (!isExportFormat(format)) throw new InputError(`export --format must be ${EXPORT_FORMATS.join(' or ')}, got '${format}'`);
  const files = args.filter((a, i) => !a.startsWith('-') && args[i - 1] !== '--format' && args[i - 1] !== '--out');
  const unknown = args.find((a, i) => a.startsWith('-') && a !== '--format' && a !== '--out' && args[i - 1] !== '--format' && args[i - 1] !== '--out');
  if (unknown) throw new InputError(`unknown option ${unknown}: expected --format and --out`);
  if (files.length !== 1) throw new InputError(`export takes exactly one FILE (${EXPORT_USAGE})`);
  const trace = await importTraceFileParallel(files[0], { signal });
  const session = new TraceSession(trace.store);
  const fd = openSync(out, 'w');
  let bytes = 0;
  try {
    writeTraceExport(format, session.tables, session.store, (chunk) => {
      bytes += typeof chunk === 'string' ? writeSync(fd, chunk) : writeSync(fd, chunk);
    });
  } catch (err) {
    closeSync(fd);
    rmSync(out, { force: true });
    throw err;
  }
  closeSync(fd);
  process.stdout.write(`${out}: ${format}, ${(bytes / 1048576).toFixed(1)} MiB (${session.tables.vcpuLanes.length} vCPU and ${session.tables.cpuLanes.length} pCPU tracks)\n`);
  return 0;
}
