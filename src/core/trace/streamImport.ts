// A text trace read from a stream (standard input, a FIFO, /sys/kernel/tracing/trace_pipe):
// no size is known and nothing can be re-read, so the chunks go straight into one importer,
// until the end of input or, for a pipe that never ends, until `durationMs` has passed.

import { isTraceDat } from './dat/datImporter';
import { NotATraceError } from './sniff';
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
