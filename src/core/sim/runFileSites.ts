// A simulator run file carries what the simulator knew in two header comments: its per-site
// counters (so that the source annotations show the simulator's own counts for a run file
// opened later) and its metrics (so that the comparison view can list it beside traces). The
// metrics also declare how many event lines follow, and the last line repeats that count:
// a file without it was cut short (runFileCheck.ts judges that).

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { SimSiteCounts } from '../source/annotate';
import type { SimMetrics } from './simulator';

const SITES_KEY = 'kvm-spin-sites ';
const METRICS_KEY = 'kvm-spin-metrics ';
const END_KEY = '# kvm-spin-end ';
/** The end marker is the last line; this much of the file's tail holds it. */
const TAIL_BYTES = 256;

export interface RunFileMetrics {
  scenario: string;
  policy: string;
  seed: number;
  durationNs: number;
  metrics: SimMetrics;
  /** Event lines after the header; absent in files of kvm-spin 0.1.0, which had no end marker. */
  events?: number;
}

export function siteCountsHeader(counts: SimSiteCounts): string {
  return SITES_KEY + JSON.stringify(counts);
}

export function metricsHeader(run: RunFileMetrics): string {
  return METRICS_KEY + JSON.stringify(run);
}

/** The last line of a complete run file, after its `events` event lines. */
export function runFileEndLine(events: number): string {
  return `${END_KEY}${JSON.stringify({ events })}\n`;
}

/** Up to `length` bytes of a file from `position` (negative: from the end) as UTF-8 text. */
function readText(path: string, length: number, position: number): string {
  const fd = openSync(path, 'r');
  try {
    const start = position >= 0 ? position : Math.max(0, fstatSync(fd).size + position);
    const buf = Buffer.alloc(length);
    return buf.subarray(0, readSync(fd, buf, 0, length, start)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The first 64 KiB, where the header comments are. */
export function readRunFileHead(path: string): string {
  return readText(path, 1 << 16, 0);
}

/** The event count of the end marker, or null when the file does not end with one. */
export function readRunFileEnd(path: string): number | null {
  const tail = readText(path, TAIL_BYTES, -TAIL_BYTES);
  if (!tail.endsWith('\n')) return null;
  const last = tail.slice(tail.lastIndexOf('\n', tail.length - 2) + 1, -1).replace(/\r$/, '');
  if (!last.startsWith(END_KEY)) return null;
  try {
    const events = (JSON.parse(last.slice(END_KEY.length)) as { events?: unknown }).events;
    return Number.isSafeInteger(events) && (events as number) >= 0 ? (events as number) : null;
  } catch {
    return null;
  }
}

/** Whether the head carries any of the simulator's header comments (damaged or not). */
export function looksLikeRunFile(head: string): boolean {
  return head.startsWith('# kvm-spin simulate:') || head.includes(`\n# ${SITES_KEY}`) || head.includes(`\n# ${METRICS_KEY}`);
}

/** The JSON after `key` in the leading `#` comment lines of a file, or null. */
function readHeaderJson(path: string, key: string): unknown {
  const text = readRunFileHead(path);
  // Only a line that starts with the key: the first comment line quotes the scenario's name.
  const prefix = `# ${key}`;
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    if (!line.startsWith(prefix)) continue;
    try {
      return JSON.parse(line.slice(prefix.length));
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
    Array.isArray(m.perVm) &&
    (parsed.events === undefined || (Number.isSafeInteger(parsed.events) && parsed.events >= 0));
  return ok ? parsed : null;
}
