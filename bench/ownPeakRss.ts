// A bench child's own peak RSS. getrusage()'s ru_maxrss survives fork and exec, so a child
// spawned by a bench that has grown (the in-process parts of a full run reach ~400 MB) reports
// at least its parent's RSS at the fork: every size of the scale bench then peaked at 408 MB.
// VmHWM is the high-water mark of the process's own memory map, which exec starts afresh.

import { readFileSync } from 'node:fs';

export const KB_PER_MB = 1024;

/** VmHWM and VmRSS of /proc/self/status in MB; null where there is no /proc. */
export function procStatusMb(): { peakMb: number; rssMb: number } | null {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return null;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  const figures = { peakMb: kb('VmHWM') / KB_PER_MB, rssMb: kb('VmRSS') / KB_PER_MB };
  return Number.isNaN(figures.peakMb) || Number.isNaN(figures.rssMb) ? null : figures;
}

/** This process's peak RSS in MB since its exec (ru_maxrss, which may carry the parent's, without /proc). */
export function ownPeakRssMb(): number {
  return procStatusMb()?.peakMb ?? process.resourceUsage().maxRSS / KB_PER_MB;
}
