// `kvm-spin annotate FILE.c [--run RUNFILE|TRACE] [--json]`

import { analyzeTraceFile } from '../core/pipeline';
import { annotate, formatAnnotated, toAnnotateJson, type RunStats } from '../core/source/annotate';
import { recognize } from '../core/source/recognizer';
import { readSourceFile, SourceFileError } from '../core/source/sourceFile';
import { readRunFileSiteCounts } from '../core/sim/runFileSites';
import { InputError } from './simulate';

export async function annotateCommand(args: string[], signal: AbortSignal): Promise<number> {
  for (const a of args) if (a.startsWith('--') && a !== '--run' && a !== '--json') throw new InputError(`unknown option ${a}: expected --run, --json`);
  const runAt = args.indexOf('--run');
  const runFile = runAt >= 0 ? args[runAt + 1] : undefined;
  if (runAt >= 0 && (!runFile || runFile.startsWith('--'))) throw new InputError('--run needs a run file or trace');
  const files = args.filter((a, i) => !a.startsWith('--') && !(runAt >= 0 && i === runAt + 1));
  if (files.length !== 1) throw new InputError('annotate takes exactly one C source FILE');
  const source = readSource(files[0]);
  const recognition = recognize(source);
  let run: RunStats | null = null;
  if (runFile) {
    const counts = readRunFileSiteCounts(runFile);
    run = counts ? { kind: 'simulator', counts } : { kind: 'trace', label: runFile, analysis: (await analyzeTraceFile(runFile, { signal })).analysis };
  }
  const annotation = annotate(source, run, recognition);
  process.stdout.write(args.includes('--json') ? JSON.stringify(toAnnotateJson(annotation), null, 2) + '\n' : formatAnnotated(source, annotation, recognition));
  return 0;
}

/** The C file, too large or binary input refused as bad input (exit 2). */
function readSource(path: string): string {
  try {
    return readSourceFile(path);
  } catch (err) {
    if (err instanceof SourceFileError) throw new InputError(err.message);
    throw err;
  }
}
