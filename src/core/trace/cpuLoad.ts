// How many of the machine's cores other work keeps busy, for the import's thread count. The
// 1-minute load average lags both ways: a burst that ended seconds ago (a build, an earlier
// import) still counts, one that started has not yet; what is runnable now says more of the
// next second or two, which is what an import of a large trace lasts.

import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** Looks at the runnable count, this far apart: one look sees a neighbour at half duty half the time. */
const LOOKS = 5;
const LOOK_GAP_MS = 2;

/**
 * Tasks runnable now on Linux, less this thread: the first number of /proc/loadavg's fourth
 * field ("running/total", nr_running summed over CPUs), averaged over LOOKS looks LOOK_GAP_MS
 * apart; null where the file is absent or unreadable.
 */
export function runnableNow(read: () => string = () => readFileSync('/proc/loadavg', 'utf8')): number | null {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let sum = 0;
  for (let i = 0; i < LOOKS; i++) {
    if (i > 0) Atomics.wait(pause, 0, 0, LOOK_GAP_MS);
    let text: string;
    try {
      text = read();
    } catch {
      return null;
    }
    const running = /^\S+ \S+ \S+ (\d+)\//.exec(text);
    if (!running) return null;
    sum += Math.max(0, Number(running[1]) - 1);
  }
  return sum / LOOKS;
}

/** Cores busy with other work: what is runnable now, or the 1-minute load average where that cannot be read. */
export function busyCores(now: number | null = runnableNow(), minuteLoad = loadavg()[0]): number {
  return now ?? minuteLoad;
}
