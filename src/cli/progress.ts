// Progress of reading a trace, on stderr, only when stderr is a terminal or it is forced.

import type { CliIo } from './io';

const MIB = 1 << 20;
/** Files smaller than this are read too fast for progress to help. */
const FILE_PROGRESS_MIN_BYTES = 32 * MIB;

export interface Progress {
  update(read: number, total: number): void;
  done(): void;
}

/** A file shows its percentage; a stream (total 0: unknown) the MiB read so far. */
export function readingProgress(io: CliIo, name: string): Progress {
  let last = -1;
  let shown = false;
  return {
    update(read, total) {
      if (!io.progress || (total > 0 && total < FILE_PROGRESS_MIN_BYTES)) return;
      const step = total > 0 ? Math.floor((read / total) * 100) : Math.floor(read / MIB);
      if (step === last) return;
      last = step;
      shown = true;
      const mib = (n: number) => (n / MIB).toFixed(0);
      io.stderr.write(total > 0 ? `\rreading ${name}: ${step}% (${mib(read)} of ${mib(total)} MiB)` : `\rreading ${name}: ${mib(read)} MiB`);
    },
    done() {
      if (shown) io.stderr.write('\n');
      shown = false;
    },
  };
}
