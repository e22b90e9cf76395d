// The calling thread's own CPU time: what a reply or an import on this thread waits for, without
// V8's compiler and collector threads that the process's CPU time adds.

import { readFileSync } from 'node:fs';

/** This thread's on-CPU time in ns (Linux /proc/thread-self/schedstat, ns resolution); NaN elsewhere. */
export function threadCpuNs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]);
  } catch {
    return NaN;
  }
}
