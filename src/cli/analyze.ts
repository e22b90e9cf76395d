// `kvm-spin analyze FILE|-`: import a trace (a file, or a stream: `-`, a FIFO, trace_pipe),
// analyse it and print the summary or JSON.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeTraceFile, analyzeTraceStream, attachGuestTraces, type TraceAnalysis } from '../core/pipeline';
import { toAnalyzeJson } from '../core/analysis/report';
import { CancelledError } from '../core/trace/textImporter';
import { openTraceStream } from '../core/trace/streamImport';
import { stringValue, stringValues, UsageError, ValueChecker, type CommandSpec } from './args';
import type { Command } from './command';
import { InputError } from './errors';
import type { CliIo } from './io';
import { readingProgress } from './progress';
import { nextPoll } from './signals';
import { formatSummary } from './summary';
import { formatGuests } from './guestSummary';

/** The longest a stream is read for: an hour of trace_pipe. */
const MAX_STREAM_SECONDS = 3600;

const spec: CommandSpec = {
  name: 'analyze',
  usage: `usage: kvm-spin analyze FILE|- [--json] [--range T0:T1] [--clock-hz HZ] [--duration SECONDS]
                        [--guest GUEST_FILE]...

  FILE             a trace.dat, trace-cmd report, raw ftrace or perf script file; - reads
                   text from standard input (trace-cmd report | kvm-spin analyze -), and a
                   FIFO or /sys/kernel/tracing/trace_pipe is read as a stream too
  --json           print JSON instead of a readable summary
  --range T0:T1    analyse only events from T0 to T1, in trace seconds as the report prints
                   them; either bound may be left out (--range 1.5: or --range :2)
  --clock-hz HZ    ticks per second of a trace recorded with a counter clock (x86-tsc, counter)
  --duration S     for a stream: stop reading after S seconds (else at the end of input)
  --guest FILE     the trace of a guest of FILE (recorded with trace-cmd record -A / agent,
                   or written by simulate --guest-trace); may be given once per guest. It is
                   recognised by trace id, moved onto the host clock with its TIME_SHIFT,
                   and its lock, ipi and csd events decide what each spinner waited for`,
  options: { json: { type: 'boolean' }, range: { type: 'string' }, 'clock-hz': { type: 'string' }, duration: { type: 'string' }, guest: { type: 'string', multiple: true } },
  positionals: { min: 1, max: 1, what: 'FILE (or - for standard input)' },
};

type TraceInput = { kind: 'file'; path: string } | { kind: 'stream'; name: string; open: () => NodeJS.ReadableStream };

/**
 * A regular file is read by position (and trace.dat by seeking); anything else — `-`, a FIFO,
 * a character device, a tracefs/procfs file whose size reads 0 such as trace_pipe — as a stream.
 */
function traceInput(arg: string, io: CliIo): TraceInput {
  if (arg === '-') return { kind: 'stream', name: 'standard input', open: () => io.stdin };
  const st = statSync(arg); // ENOENT, ELOOP, EACCES: exit 2 with the reason
  if (st.isDirectory()) throw new InputError(`${arg} is a directory: expected a trace file, - (standard input) or a FIFO`);
  if (st.isFile() && st.size > 0) return { kind: 'file', path: arg };
  return { kind: 'stream', name: arg, open: () => openTraceStream(arg) };
}

export const analyzeCommand: Command = {
  spec,
  summary: `  analyze FILE|-   read a trace.dat, trace-cmd report, raw ftrace or perf script file (or
                   standard input) and print PAUSE exits, yield decisions and the three
                   directed-yield problems per VM`,
  async run(args, { io, signal }) {
    const check = new ValueChecker(spec);
    const rangeText = stringValue(args, 'range');
    const clockText = stringValue(args, 'clock-hz');
    const durationText = stringValue(args, 'duration');
    const range = rangeText === undefined ? undefined : check.timeRange('range', rangeText);
    const clockHz = clockText === undefined ? undefined : check.positive('clock-hz', clockText, 'trace clock ticks per second');
    const durationS = durationText === undefined ? undefined : check.seconds('duration', durationText, 1e-6, MAX_STREAM_SECONDS);
    const guestPaths = stringValues(args, 'guest');
    const input = traceInput(args.positionals[0], io);
    if (guestPaths.length > 0 && input.kind !== 'file') throw new UsageError('analyze: --guest pairs guest files with a host trace file, not with a stream', spec.usage);
    if (input.kind === 'file' && durationS !== undefined) {
      throw new UsageError(`analyze: --duration applies to a stream (-, a FIFO or trace_pipe); ${input.path} is a file, read to its end`, spec.usage);
    }
    const progress = readingProgress(io, input.kind === 'file' ? input.path : input.name);
    const options = { signal, clockHz, onProgress: progress.update, analysis: range ? { range } : undefined };
    let result: TraceAnalysis;
    try {
      result = await (input.kind === 'file'
        ? analyzeTraceFile(input.path, { ...options, workerScript: join(io.workerDir, 'importWorker.js') })
        : analyzeStream(input, { ...options, durationMs: durationS === undefined ? undefined : durationS * 1000 }));
    } finally {
      progress.done();
    }
    if (guestPaths.length > 0) await attachGuestTraces(result, guestPaths, { signal, workerScript: join(io.workerDir, 'importWorker.js') });
    // A Ctrl-C during the synchronous analysis is seen only now: no results after it.
    await nextPoll();
    if (signal.aborted) throw new CancelledError();
    io.stdout.write(args.values.json ? JSON.stringify(toAnalyzeJson(result), null, 2) + '\n' : formatSummary(result) + formatGuests(result));
    return 0;
  },
};

async function analyzeStream(input: Extract<TraceInput, { kind: 'stream' }>, options: Parameters<typeof analyzeTraceStream>[2]): Promise<TraceAnalysis> {
  const stream = input.open();
  try {
    return await analyzeTraceStream(stream, input.name, options);
  } finally {
    (stream as Partial<{ destroy(): void }>).destroy?.();
  }
}
