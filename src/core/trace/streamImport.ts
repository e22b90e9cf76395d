// A text trace read from a stream (standard input, a FIFO, /sys/kernel/tracing/trace_pipe):
// no size is known and nothing can be re-read, so the chunks go straight into one importer,
// until the end of input or, for a pipe that never ends, until `durationMs` has passed.

import { constants, openSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { isTraceDat } from './dat/datImporter';
import { EXPECTED_FORMATS, NotATraceError } from './sniff';
import { CancelledError, TextTraceImporter, type ImportedTrace, type ImportOptions } from './textImporter';

export interface StreamImportOptions extends ImportOptions {
  /** Stop reading after this long (a live trace_pipe has no end). */
  durationMs?: number;
}

/** The bytes a trace.dat needs before its magic can be told apart from text. */
const HEAD_BYTES = 16;

export const TRACE_DAT_NEEDS_FILE =
  'a trace-cmd trace.dat cannot be read from a stream (it is read by seeking): save it to a file and run kvm-spin analyze FILE';

/** Imports a text trace from a readable stream; progress reports bytes read with a total of 0 (unknown). */
export function importTraceStream(stream: NodeJS.ReadableStream, options: StreamImportOptions = {}): Promise<ImportedTrace> {
  const importer = new TextTraceImporter(options);
  let head: Buffer | null = Buffer.alloc(0);
  let read = 0;
  let timer: NodeJS.Timeout | undefined;
  return new Promise<ImportedTrace>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => ImportedTrace) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      stream.off('data', onData).off('end', onEnd).off('error', onError);
      stream.pause();
      try {
        resolve(outcome());
      } catch (err) {
        reject(err);
      }
    };
    const push = (bytes: Buffer) => {
      importer.push(bytes);
      read += bytes.length;
      options.onProgress?.(read, 0);
    };
    // The head is held back until it is long enough to tell a trace.dat from text.
    const flushHead = () => {
      if (head === null) return;
      if (isTraceDat(head)) throw new NotATraceError(TRACE_DAT_NEEDS_FILE);
      const bytes = head;
      head = null;
      if (bytes.length) push(bytes);
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
      try {
        if (head !== null) {
          head = Buffer.concat([head, bytes]);
          if (head.length >= HEAD_BYTES) flushHead();
        } else push(bytes);
      } catch (err) {
        settle(() => {
          throw err;
        });
      }
    };
    const finish = () =>
      settle(() => {
        flushHead();
        // A quiet trace_pipe is not an empty file (which the importer reports as such).
        if (read === 0 && options.durationMs !== undefined) throw new NotATraceError(`nothing was read in ${options.durationMs / 1000} s: ${EXPECTED_FORMATS}`);
        return importer.finish();
      });
    const onEnd = () => finish();
    const onError = (err: Error) => settle(() => {
      throw err;
    });
    const onAbort = () => settle(() => {
      throw new CancelledError();
    });
    if (options.durationMs !== undefined) timer = setTimeout(finish, options.durationMs);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

const QUIET_POLL_MS = 50;
/** trace_pipe hands out at most what its ring buffer pages hold per read. */
const POLL_CHUNK_BYTES = 1 << 16;

/**
 * A stream over a FIFO, a character device or a pseudo-file such as trace_pipe, read without
 * ever blocking a thread-pool thread: a blocking read of a quiet trace_pipe (or an open of a
 * FIFO no writer has opened) would outlive --duration and Ctrl-C, and even hold the process at
 * exit. A FIFO is opened O_NONBLOCK and read through the event loop (it ends when its writer
 * closes it); anything else is read O_NONBLOCK and polled while it has nothing (EAGAIN).
 */
export function openTraceStream(path: string): NodeJS.ReadableStream {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK;
  if (statSync(path).isFIFO()) return new Socket({ fd: openSync(path, flags), readable: true, writable: false });
  return pollingStream(path, flags);
}

/** Reads `path` a chunk at a time, waiting QUIET_POLL_MS whenever it has nothing yet. */
function pollingStream(path: string, flags: number): Readable {
  let file: Promise<FileHandle> | undefined;
  let destroyed = false;
  const sleep = () => new Promise((resolve) => setTimeout(resolve, QUIET_POLL_MS));
  return new Readable({
    async read() {
      try {
        const handle = await (file ??= open(path, flags));
        while (!destroyed) {
          const chunk = Buffer.allocUnsafe(POLL_CHUNK_BYTES);
          const bytesRead = await handle.read(chunk, 0, chunk.length, null).then(
            (r) => r.bytesRead,
            (err: NodeJS.ErrnoException) => (err.code === 'EAGAIN' ? -1 : Promise.reject(err)),
          );
          if (bytesRead >= 0) return void (destroyed || this.push(bytesRead === 0 ? null : chunk.subarray(0, bytesRead)));
          await sleep();
        }
      } catch (err) {
        this.destroy(err as Error);
      }
    },
    destroy(err, callback) {
      destroyed = true;
      // A read in flight returns at once (O_NONBLOCK); close waits for it.
      (file ?? Promise.resolve(undefined)).then((handle) => handle?.close()).then(() => callback(err), () => callback(err));
    },
  });
}
