// `kvm-spin export FILE --format perfetto|json --out OUT`: the timeline's tracks (vCPU states,
// pCPU runs, PAUSE exits, boosts and IPIs) for ui.perfetto.dev, written whole or not at all.

import { EXPORT_FORMATS, isExportFormat, writeTraceExport, type ExportFormat } from '../core/export/perfettoExport';
import { checkOutputFile, writeFileWhole } from '../core/outputFile';
import { stringValue, ValueChecker, type CommandSpec } from './args';
import type { Command } from './command';
import { openTraceFile } from './traceFile';

const spec: CommandSpec = {
  name: 'export',
  usage: `usage: kvm-spin export FILE --format perfetto|json --out OUT

  FILE             a trace (any format analyze reads) or a simulator run file
  --format F       perfetto: Perfetto's protobuf trace; json: Chrome trace-event JSON
  --out OUT        the file to write (written under a temporary name, renamed when whole)`,
  options: { format: { type: 'string' }, out: { type: 'string' } },
  positionals: { min: 1, max: 1, what: 'FILE' },
};

export const exportCommand: Command = {
  spec,
  summary: `  export FILE      write the timeline's vCPU and pCPU tracks, PAUSE exits and boosts for
                   ui.perfetto.dev: Perfetto protobuf or Chrome JSON trace events`,
  async run(args, { io, signal }) {
    const check: ValueChecker = new ValueChecker(spec); // typed, so that refuse() (never) narrows
    const formatText = stringValue(args, 'format') ?? '';
    if (!isExportFormat(formatText)) check.refuse('format', formatText, `must be ${EXPORT_FORMATS.join(' or ')}`);
    const format: ExportFormat = formatText;
    const out = stringValue(args, 'out') ?? '';
    if (out === '') check.refuse('out', out, 'needs the file to write');
    checkOutputFile(out);
    const file = args.positionals[0];
    const analysis = await openTraceFile(io, file, signal);
    const { tables, store } = analysis.session;
    let bytes = 0;
    writeFileWhole(out, (write) =>
      writeTraceExport(format, tables, store, (chunk) => {
        bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
        write(chunk);
      }),
    );
    io.stdout.write(`${out}: ${format}, ${(bytes / 1048576).toFixed(1)} MiB (${tables.vcpuLanes.length} vCPU and ${tables.cpuLanes.length} pCPU tracks)\n`);
    return 0;
  },
};
