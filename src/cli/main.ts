// `kvm-spin`: the command-line entry over src/core. Exit codes: 0 ok, 1 internal error,
// 2 bad input or usage (one line on stderr, never a stack trace), 130 cancelled (Ctrl-C).

import { analyzeTraceFile } from '../core/pipeline';
import { toAnalyzeJson } from '../core/analysis/report';
import { formatSummary } from './summary';
import { NotATraceError } from '../core/trace/sniff';
import { CancelledError } from '../core/trace/textImporter';
import { SimulationCancelled } from '../core/sim/simulator';
import { InputError, simulateCommand } from './simulate';
import { annotateCommand } from './annotate';
import { EXPORT_USAGE, exportCommand } from './export';
import { RecordPermissionError, recordHostTrace } from '../core/trace/record';

const USAGE = `usage: kvm-spin analyze FILE [--json]
       kvm-spin annotate FILE.c [--run RUNFILE|TRACE] [--json]
       kvm-spin simulate [--scenario NAME|FILE] [--policy P[,P...]|all] [--seed N]
                         [--duration SECONDS] [--out DIR] [--json] [--jobs N]
       kvm-spin record --duration SECONDS --out FILE.dat
       ${EXPORT_USAGE}

  analyze FILE   read a trace.dat, trace-cmd report, raw ftrace or perf script file and print
                 PAUSE exits, yield decisions and the three directed-yield problems per VM
  annotate FILE  find kvm_vcpu_on_spin and the PLE handlers in kernel source and print each
                 site's count from a simulator run file or a trace in the margin
  simulate       run directed-yield policies on a simulated oversubscribed host and compare
                 them (scenarios: paper, lock-2vm, ipi-tlb, undercommit, mixed-idle,
                 shared-rq, sync-mix, or a JSON file; default paper, all policies, seed 1, 1 s);
                 --out writes one run file per policy
  record         on a KVM host, as root: record the sched and kvm events (and yield_to
                 probes when defined) into a trace.dat through a private tracefs instance
  export FILE    write the timeline's vCPU and pCPU tracks, PAUSE exits and boosts for
                 ui.perfetto.dev: Perfetto protobuf or Chrome JSON trace events
  --json         print JSON instead of a readable summary`;

export class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  try {
    if (command === 'analyze') return await analyzeCommand(rest);
    if (command === 'simulate') return await withSigint((signal) => simulateCommand(rest, signal));
    if (command === 'annotate') return await withSigint((signal) => annotateCommand(rest, signal));
    if (command === 'record') return await withSigint((signal) => recordCommand(rest, signal));
    if (command === 'export') return await withSigint((signal) => exportCommand(rest, signal));
    throw new UsageError(`unknown command '${command}': expected analyze, annotate, simulate or record`);
  } catch (err) {
    return reportError(err);
  }
}

async function analyzeCommand(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const unknown = args.filter((a) => a.startsWith('-') && a !== '--json');
  if (unknown.length) throw new UsageError(`unknown option ${unknown[0]}: expected --json`);
  const files = args.filter((a) => !a.startsWith('-'));
  if (files.length !== 1) throw new UsageError('analyze takes exactly one FILE');
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const progress = stderrProgress(files[0]);
  try {
    const result = await analyzeTraceFile(files[0], { signal: controller.signal, onProgress: progress.update });
    progress.done();
    process.stdout.write(json ? JSON.stringify(toAnalyzeJson(result), null, 2) + '\n' : formatSummary(result));
    return 0;
  } finally {
    progress.done();
    process.off('SIGINT', onSigint);
  }
}

async function recordCommand(args: string[], signal: AbortSignal): Promise<number> {
  const value = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0 || i + 1 >= args.length) throw new UsageError(`record needs ${name}`);
    return args[i + 1];
  };
  const durationS = Number(value('--duration'));
  const out = value('--out');
  const unknown = args.filter((a, i) => a.startsWith('-') && a !== '--duration' && a !== '--out' && !['--duration', '--out'].includes(args[i - 1]));
  if (unknown.length) throw new UsageError(`unknown option ${unknown[0]}: expected --duration and --out`);
  let shown = -1;
  const showProgress = Boolean(process.stderr.isTTY) || process.env.KVM_SPIN_PROGRESS === '1';
  const result = await recordHostTrace({
    durationS,
    out,
    signal,
    onProgress: (elapsed, total) => {
      const second = Math.floor(elapsed);
      if (!showProgress || second === shown) return;
      shown = second;
      process.stderr.write(`\rrecording: ${second} of ${total} s`);
    },
  });
  if (shown >= 0) process.stderr.write('\n');
  process.stdout.write(`${result.file}: ${(result.bytes / 1048576).toFixed(1)} MiB, events ${result.enabled.join(', ')}\n`);
  return 0;
}

/** Progress on stderr for files large enough to take a moment, only when stderr is a terminal or forced. */
function stderrProgress(file: string) {
  const enabled = Boolean(process.stderr.isTTY) || process.env.KVM_SPIN_PROGRESS === '1';
  let lastPercent = -1;
  let shown = false;
  return {
    update(read: number, total: number) {
      if (!enabled || total < 32 << 20) return;
      const percent = Math.floor((read / total) * 100);
      if (percent === lastPercent) return;
      lastPercent = percent;
      shown = true;
      process.stderr.write(`\rreading ${file}: ${percent}% (${(read / 1048576).toFixed(0)} of ${(total / 1048576).toFixed(0)} MiB)`);
    },
    done() {
      if (shown) process.stderr.write('\n');
      shown = false;
    },
  };
}

async function withSigint(run: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CancelledError || err instanceof SimulationCancelled) {
    process.stderr.write('kvm-spin: cancelled\n');
    return 130;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`kvm-spin: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  if (err instanceof NotATraceError || err instanceof InputError || err instanceof RangeError || err instanceof RecordPermissionError) {
    process.stderr.write(`kvm-spin: ${err.message}\n`);
    return 2;
  }
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
    process.stderr.write(`kvm-spin: cannot read ${(err as NodeJS.ErrnoException).path ?? 'file'}: ${code}\n`);
    return 2;
  }
  process.stderr.write(`kvm-spin: internal error: ${(err as Error)?.message ?? String(err)}\n`);
  return 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
