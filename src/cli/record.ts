// `kvm-spin record --duration SECONDS --out FILE.dat`: record the host into a trace.dat.
// `kvm-spin record --print-commands [--guest NAME[@CID]]`: print the trace-cmd command lines
// (of a host + guest session with --guest) and what the guest needs, recording nothing.

import { hostGuestCommands, manualRecordCommand, parseGuestTarget, recordHostTrace } from '../core/trace/record';
import { stringValue, UsageError, ValueChecker, type CommandSpec } from './args';
import type { Command } from './command';

/** The longest recording recordHostTrace accepts. */
const MAX_RECORD_SECONDS = 3600;

const spec: CommandSpec = {
  name: 'record',
  usage: `usage: kvm-spin record --duration SECONDS --out FILE.dat
       kvm-spin record --print-commands [--guest NAME[@CID]] [--duration SECONDS] [--out FILE.dat]

  on a KVM host, as root: record the sched and kvm events (and the yield_to probes when they
  are defined) into a trace.dat through a private tracefs instance, removed on exit, on
  Ctrl-C, SIGTERM and SIGHUP
  --duration S     how long to record, up to ${MAX_RECORD_SECONDS} s
  --out FILE.dat   where to write the trace.dat
  --print-commands print the trace-cmd command line instead of recording (no root needed)
  --guest NAME[@CID]  with --print-commands: a host + guest session with that guest's
                   trace-cmd agent over vsock, its events, and what the guest needs`,
  options: { duration: { type: 'string' }, out: { type: 'string' }, 'print-commands': { type: 'boolean' }, guest: { type: 'string' } },
  positionals: { min: 0, max: 0, what: 'FILE (use --out)' },
};

export const recordCommand: Command = {
  spec,
  summary: `  record           on a KVM host, as root: record the sched and kvm events (and yield_to
                   probes when defined) into a trace.dat through a private tracefs instance`,
  async run(args, { io, signal }) {
    const durationText = stringValue(args, 'duration');
    const out = stringValue(args, 'out');
    const guestText = stringValue(args, 'guest');
    if (args.values['print-commands'] === true) {
      const durationS = durationText === undefined ? 10 : new ValueChecker(spec).seconds('duration', durationText, 1e-6, MAX_RECORD_SECONDS);
      io.stdout.write(printedCommands(guestText, durationS, out || (guestText === undefined ? 'host.dat' : 'trace.dat')));
      return 0;
    }
    if (guestText !== undefined) throw new UsageError('record: --guest goes with --print-commands (a host + guest session runs trace-cmd itself)', spec.usage);
    if (durationText === undefined) throw new UsageError('record: needs --duration SECONDS', spec.usage);
    if (out === undefined || out === '') throw new UsageError('record: needs --out FILE.dat', spec.usage);
    const durationS = new ValueChecker(spec).seconds('duration', durationText, 1e-6, MAX_RECORD_SECONDS);
    let shown = -1;
    let result;
    try {
      result = await recordHostTrace({
        durationS,
        out,
        signal,
        onProgress: (elapsed, total) => {
          const second = Math.floor(elapsed);
          if (!io.progress || second === shown) return;
          shown = second;
          io.stderr.write(`\rrecording: ${second} of ${total} s`);
        },
      });
    } finally {
      // The progress line ends before any message after it, cancelled or not.
      if (shown >= 0) io.stderr.write('\n');
    }
    io.stdout.write(`${result.file}: ${(result.bytes / 1048576).toFixed(1)} MiB, events ${result.enabled.join(', ')}\n`);
    return 0;
  },
};

function printedCommands(guestText: string | undefined, durationS: number, out: string): string {
  if (guestText === undefined) return `# on the host, as root:\n${manualRecordCommand(durationS, out)}\n`;
  let guest;
  try {
    guest = parseGuestTarget(guestText);
  } catch (err) {
    throw new UsageError(`record: ${(err as Error).message}`, spec.usage);
  }
  const { commands, guestNeeds } = hostGuestCommands(guest, durationS, out);
  return [...commands, '', 'the guest needs:', ...guestNeeds.map((n) => `  - ${n}`), ''].join('\n');
}
