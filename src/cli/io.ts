// What a command reads and writes, injected so that tests run the CLI in-process; the real
// process streams, with their write errors made one line and an exit code, for bin/kvm-spin.js.

import { constants } from 'node:os';

export interface Writer {
  write(text: string): unknown;
}

/** The signals a command listens to: `process`, or an EventEmitter in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface CliIo {
  stdout: Writer;
  stderr: Writer;
  /** Read for the input `-`. */
  stdin: NodeJS.ReadableStream;
  signals: SignalSource;
  /** Show progress on stderr (a terminal, or KVM_SPIN_PROGRESS=1). */
  progress: boolean;
  /** Where the bundled worker scripts (simWorker.js, importWorker.js) are. */
  workerDir: string;
}

export function processIo(workerDir = __dirname): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    signals: process,
    progress: Boolean(process.stderr.isTTY) || process.env.KVM_SPIN_PROGRESS === '1',
    workerDir,
  };
}

/**
 * A failed write to standard output becomes one line and exit 1 (a full disk: ENOSPC), or a
 * quiet exit 0 when the reader went away (EPIPE, `| head -1`), as Unix tools do — never an
 * unhandled 'error' event with a stack trace. Returns the exit code the failure asks for, if any.
 */
export function watchOutputErrors(): () => number | undefined {
  let failure: number | undefined;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (failure !== undefined) return;
    failure = err.code === 'EPIPE' ? 0 : 1;
    if (failure) process.stderr.write(`kvm-spin: cannot write to standard output: ${describeErrno(err)}\n`);
    process.exitCode = failure;
  });
  // Nothing can be reported when stderr itself fails; it must not crash either.
  process.stderr.on('error', () => undefined);
  return () => failure;
}

const ERRNO_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'a symbolic link loop',
  ENAMETOOLONG: 'file name too long',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EBADF: 'not open',
  ENXIO: 'no such device or address',
  EFBIG: 'file too large',
};

/** "no space left on device (ENOSPC)": the reason in words and the code to search for. */
export function describeErrno(err: NodeJS.ErrnoException): string {
  const code = err.code ?? '';
  const reason = Object.hasOwn(ERRNO_REASONS, code) ? ERRNO_REASONS[code] : err.message;
  return code ? `${reason} (${code})` : reason;
}

/** Errors of the file system that are the input's fault, not ours: exit 2. */
export const INPUT_ERRNOS = new Set(['ENOENT', 'EISDIR', 'ENOTDIR', 'EACCES', 'EPERM', 'ELOOP', 'ENAMETOOLONG', 'ENXIO']);

/** 128 + the signal's number, as a shell reports a process ended by it. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}
