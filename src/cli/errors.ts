// How an error ends a command: one line on stderr (plus the usage after a usage mistake) and
// the exit code — 2 for bad input or usage, 1 for anything else ("internal error").

import { NotATraceError } from '../core/trace/sniff';
import { RecordPermissionError } from '../core/trace/record';
import { OutputError } from '../core/outputFile';
import { GuestTraceError } from '../core/guestTraces';
import { UsageError } from './args';
import { describeErrno, INPUT_ERRNOS, type CliIo } from './io';

/** Input that cannot be used (a scenario file, a trace path): one line, exit 2. */
export class InputError extends Error {}

export function reportError(err: unknown, io: CliIo): number {
  if (err instanceof UsageError) {
    io.stderr.write(`kvm-spin: ${err.message}\n${err.usage}\n`);
    return 2;
  }
  if (err instanceof NotATraceError || err instanceof InputError || err instanceof RangeError || err instanceof RecordPermissionError || err instanceof OutputError || err instanceof GuestTraceError) {
    io.stderr.write(`kvm-spin: ${err.message}\n`);
    return 2;
  }
  const errno = err as NodeJS.ErrnoException;
  if (typeof errno?.code === 'string' && INPUT_ERRNOS.has(errno.code)) {
    io.stderr.write(`kvm-spin: cannot read ${errno.path ?? 'input'}: ${describeErrno(errno)}\n`);
    return 2;
  }
  io.stderr.write(`kvm-spin: internal error: ${(err as Error)?.message ?? String(err)}\n`);
  return 1;
}
