// A simulator run file carries its per-site counters in one header comment, so that the
// source annotations can show the simulator's own counts for a run file opened later.

import { closeSync, openSync, readSync } from 'node:fs';
import type { SimSiteCounts } from '../source/annotate';

const KEY = 'kvm-spin-sites ';

export function siteCountsHeader(counts: SimSiteCounts): string {
  return KEY + JSON.stringify(counts);
}

/** The counters of a run file, or null for a trace that is not a simulator run file. */
export function readRunFileSiteCounts(path: string): SimSiteCounts | null {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(1 << 16);
  let text: string;
  try {
    text = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    const at = line.indexOf(KEY);
    if (at < 0) continue;
    try {
      const parsed = JSON.parse(line.slice(at + KEY.length)) as SimSiteCounts;
      if (parsed && typeof parsed.label === 'string' && Array.isArray(parsed.vcpus) && typeof parsed.sites === 'object') return parsed;
    } catch {
      return null;
    }
  }
  return null;
}
