// A simulator run file carries what the simulator knew in two header comments: its per-site
// counters (so that the source annotations show the simulator's own counts for a run file
// opened later) and its metrics (so that the comparison view can list it beside traces).

import { closeSync, openSync, readSync } from 'node:fs';
import type { SimSiteCounts } from '../source/annotate';
import type { SimMetrics } from './simulator';

const SITES_KEY = 'kvm-spin-sites ';
const METRICS_KEY = 'kvm-spin-metrics ';

export interface RunFileMetrics {
  scenario: string;
  policy: string;
  seed: number;
  durationNs: number;
  metrics: SimMetrics;
}

export function siteCountsHeader(counts: SimSiteCounts): string {
  return SITES_KEY + JSON.stringify(counts);
}

export function metricsHeader(run: RunFileMetrics): string {
  return METRICS_KEY + JSON.stringify(run);
}

/** The JSON after `key` in the leading `#` comment lines of a file, or null. */
function readHeaderJson(path: string, key: string): unknown {
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
    const at = line.indexOf(key);
    if (at < 0) continue;
    try {
      return JSON.parse(line.slice(at + key.length));
    } catch {
      return null;
    }
  }
  return null;
}

/** The counters of a run file, or null for a trace that is not a simulator run file. */
export function readRunFileSiteCounts(path: string): SimSiteCounts | null {
  const parsed = readHeaderJson(path, SITES_KEY) as SimSiteCounts | null;
  return parsed && typeof parsed.label === 'string' && Array.isArray(parsed.vcpus) && typeof parsed.sites === 'object' ? parsed : null;
}

/** The simulator's metrics of a run file, or null. */
export function readRunFileMetrics(path: string): RunFileMetrics | null {
  const parsed = readHeaderJson(path, METRICS_KEY) as RunFileMetrics | null;
  const m = parsed?.metrics;
  const ok =
    parsed &&
    typeof parsed.scenario === 'string' &&
    typeof parsed.policy === 'string' &&
    Number.isFinite(parsed.durationNs) &&
    m &&
    ['throughput', 'spinTimeShare', 'pleExits', 'yieldAttempts', 'boosts', 'esrch', 'decisions', 'helpfulBoosts', 'continuousPleEpisodes', 'fairness'].every((k) => Number.isFinite((m as unknown as Record<string, number>)[k])) &&
    m.problems &&
    Array.isArray(m.perVm);
  return ok ? parsed : null;
}
