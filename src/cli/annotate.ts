// `kvm-spin annotate FILE.c [--run RUNFILE|TRACE] [--json]`

import { analyzeTraceFile } from '../core/pipeline';
import { annotate, formatAnnotated, toAnnotateJson, type RunStats } from '../core/source/annotate';
import { recognize } from '../core/source/recognizer';
import { readSourceFile, SourceFileError } from '../core/source/sourceFile';
import { wholeRunFileSiteCounts } from '../core/sim/runFileCheck';
import { stringValue, type CommandSpec } from './args';
import type { Command } from './command';
import { InputError } from './errors';

const spec: CommandSpec = {
  name: 'annotate',
  usage: `usage: kvm-spin annotate FILE.c [--run RUNFILE|TRACE] [--json]

  FILE.c           kernel source holding kvm_vcpu_on_spin (virt/kvm/kvm_main.c) or a PLE
                   handler (arch/x86/kvm/vmx/vmx.c, svm/svm.c)
  --run FILE       show each site's count from a simulator run file or from a trace
  --json           print JSON instead of the annotated source`,
  options: { run: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1, what: 'C source FILE' },
};

export const annotateCommand: Command = {
  spec,
  summary: `  annotate FILE.c  find kvm_vcpu_on_spin and the PLE handlers in kernel source and print each
                   site's count from a simulator run file or a trace in the margin`,
  async run(args, { io, signal }) {
    const runFile = stringValue(args, 'run');
    const file = args.positionals[0];
    const source = readSource(file);
    const recognition = recognize(source);
    let run: RunStats | null = null;
    if (runFile) {
      const counts = wholeRunFileSiteCounts(runFile);
      run = counts ? { kind: 'simulator', counts } : { kind: 'trace', label: runFile, analysis: (await analyzeTraceFile(runFile, { signal })).analysis };
    }
    const annotation = annotate(source, run, recognition);
    io.stdout.write(args.values.json ? JSON.stringify(toAnnotateJson(annotation), null, 2) + '\n' : formatAnnotated(source, annotation, recognition));
    return 0;
  },
};

/** The C file; too large, binary or a directory is bad input (exit 2). */
function readSource(path: string): string {
  try {
    return readSourceFile(path);
  } catch (err) {
    if (err instanceof SourceFileError) throw new InputError(err.message);
    throw err;
  }
}
