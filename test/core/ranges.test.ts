// Ranges compose: for every additive figure, the analysis of [a, b) plus that of [b, c) is the
// analysis of [a, c) — exit counts, decision outcomes, problems, state time per vCPU.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as fc from 'fast-check';
import { importTraceText } from '../../src/core/trace/textImporter';
import { analyze, type AnalysisResult } from '../../src/core/analysis/analyze';
import { ROOT } from '../support/paths';
import { join } from 'node:path';

const samplePath = join(ROOT, 'samples', 'oversubscribed-4vm.report');

const store = importTraceText(readFileSync(samplePath, 'utf8')).store;
const traceStart = store.ts[0];
const traceEnd = store.ts[store.length - 1];
const ms = 1e6;

type Tree = number | null | { [key: string]: Tree };

/** The figures that add up over adjacent ranges, per VM and vCPU. */
function additive(a: AnalysisResult): Tree {
  const t = a.totals;
  return {
    totals: { events: t.events, kvmExits: t.kvmExits, pleExits: t.pleExits, yieldAttempts: t.yieldAttempts, boosts: t.boosts, ipis: t.ipis, episodes: t.episodes },
    decisions: { ...a.decisions },
    problems: { ...a.problems },
    vcpus: Object.fromEntries(
      a.vms.flatMap((vm) =>
        vm.vcpus.map((v) => [
          `${vm.id}/${v.vcpu}`,
          {
            kvmExits: v.kvmExits,
            pleExits: v.pleExits,
            haltExits: v.haltExits,
            exitReasons: { ...v.exitReasons },
            time: { ...v.time },
            pleTimeNs: v.pleTimeNs,
            spinTimeNs: v.spinTimeNs,
            decisions: { ...v.decisions },
            ipisSent: v.ipisSent,
            windowChanges: { grows: v.window?.grows ?? null, shrinks: v.window?.shrinks ?? null },
          },
        ]),
      ),
    ),
  };
}

function sum(x: Tree, y: Tree): Tree {
  if (x === null || y === null) return x === null && y === null ? null : NaN; // judged in one part only: a failure
  if (typeof x === 'number' && typeof y === 'number') return x + y;
  const out: { [key: string]: Tree } = {};
  const xs = x as { [key: string]: Tree };
  const ys = y as { [key: string]: Tree };
  for (const key of new Set([...Object.keys(xs), ...Object.keys(ys)])) {
    out[key] = key in xs && key in ys ? sum(xs[key], ys[key]) : (xs[key] ?? ys[key]);
  }
  return out;
}

const analyzeRange = (startNs: number, endNs: number) => analyze(store, { range: { startNs, endNs } });

/** Sorted keys, so that maps built in another order compare equal. */
const canonical = (t: Tree): Tree => (t === null || typeof t === 'number' ? t : Object.fromEntries(Object.keys(t).sort().map((k) => [k, canonical(t[k])])));

test('the bundled sample split in halves adds up to the whole (it lost 12 ms of state time and 9 boosts that ran)', () => {
  const mid = Math.round((traceStart + traceEnd) / 2);
  const whole = analyze(store);
  const halves = sum(additive(analyzeRange(traceStart, mid)), additive(analyzeRange(mid, traceEnd)));
  assert.deepEqual(canonical(halves), canonical(additive(whole)));
  assert.equal(whole.decisions.boostedRan, 143);
  assert.equal(whole.decisions.noCandidate, 240);
  const stateNs = whole.vms.flatMap((vm) => vm.vcpus).reduce((s, v) => s + v.time.guest + v.time.host + v.time.preempted! + v.time.halted! + v.time.woken!, 0);
  assert.equal(Math.round(stateNs / ms), 183);
});

test('property: analysis of [a, b) plus [b, c) equals [a, c) at random split points, event timestamps included', () => {
  const eventTs = Array.from({ length: 200 }, (_, i) => store.ts[Math.floor((i * store.length) / 200)]);
  const point = fc.oneof(fc.integer({ min: traceStart - 1000, max: traceEnd + 1000 }), fc.constantFrom(...eventTs));
  fc.assert(
    fc.property(fc.array(point, { minLength: 3, maxLength: 3 }), (points) => {
      const [a, b, c] = [...points].sort((p, q) => p - q);
      const parts = sum(additive(analyzeRange(a, b)), additive(analyzeRange(b, c)));
      assert.deepEqual(canonical(parts), canonical(additive(analyzeRange(a, c))));
    }),
    { numRuns: 60 },
  );
});
