// Row-by-row comparison of two event stores (the trace.dat oracle: our binary reader against
// our text parser reading `trace-cmd report` of the same file).
import type { EventStore } from '../../src/core/trace/model';
import { EventKind } from '../../src/core/trace/model';

const KIND_NAMES = Object.fromEntries(Object.entries(EventKind).map(([k, v]) => [v, k]));

/** The first differences (at most `limit`), each in one readable line; [] when equal. */
export function diffStores(expected: EventStore, actual: EventStore, limit = 10): string[] {
  const out: string[] = [];
  if (expected.length !== actual.length) out.push(`event count: expected ${expected.length}, got ${actual.length}`);
  const n = Math.min(expected.length, actual.length);
  const same = (p: number, q: number) => p === q || (Number.isNaN(p) && Number.isNaN(q));
  const col = (s: EventStore, name: 'a' | 'b' | 'c', i: number) => (s.kind[i] === EventKind.KvmExit && name === 'b') || (s.kind[i] === EventKind.Probe && name === 'a') ? s.strings.get(s[name][i]) : s[name][i];
  for (let i = 0; i < n && out.length < limit; i++) {
    const diffs: string[] = [];
    for (const name of ['ts', 'cpu', 'tid', 'kind', 'x', 'y'] as const) if (!same(expected[name][i], actual[name][i])) diffs.push(`${name} ${expected[name][i]} vs ${actual[name][i]}`);
    for (const name of ['a', 'b', 'c'] as const) if (col(expected, name, i) !== col(actual, name, i)) diffs.push(`${name} ${col(expected, name, i)} vs ${col(actual, name, i)}`);
    if (diffs.length) out.push(`row ${i} (${KIND_NAMES[expected.kind[i]]} at ${expected.ts[i]} ns, line ${expected.line[i]}): ${diffs.join(', ')}`);
  }
  for (const [tid, t] of expected.threads) {
    if (out.length >= limit) break;
    const got = actual.threads.get(tid);
    if (!got || got.comm !== t.comm) out.push(`thread ${tid}: expected "${t.comm}", got ${got ? `"${got.comm}"` : 'nothing'}`);
  }
  const others = (s: EventStore) => JSON.stringify([...s.otherEvents].sort());
  if (others(expected) !== others(actual)) out.push(`other events: expected ${others(expected)}, got ${others(actual)}`);
  const lost = (s: EventStore) => JSON.stringify(s.lost.map((l) => [l.cpu, l.count]));
  if (lost(expected) !== lost(actual)) out.push(`lost events: expected ${lost(expected)}, got ${lost(actual)}`);
  return out;
}
