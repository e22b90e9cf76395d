// pick_eevdf() reads the queue's sums once per pick: it must pick what testing each entity with
// entity_eligible() picks — the eligible entity with the earliest deadline (then id), curr
// looked at first, else the smallest vruntime — on queues with and without a running entity.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { EevdfScheduler } from '../../src/core/sim/host/eevdf';
import type { CfsRq, SchedEntity } from '../../src/core/sim/host/entity';
import { eevdf, ms, queue, run, task } from './hostHelpers';

/** The pick as the definition states it, one entity_eligible() per entity. */
function referencePick(s: EevdfScheduler, q: CfsRq, curr: SchedEntity | null): SchedEntity | null {
  const all = curr ? [curr, ...q.queued] : [...q.queued];
  let best: SchedEntity | null = null;
  for (const t of all) {
    if (!s.eligible(q, t)) continue;
    if (!best || t.deadline < best.deadline || (t.deadline === best.deadline && t.id < best.id)) best = t;
  }
  if (!best) for (const t of all) if (!best || t.vruntime < best.vruntime) best = t;
  return best;
}

const entity = fc.record({
  vruntime: fc.integer({ min: 0, max: 40 }).map((k) => k * 0.25 * ms),
  slice: fc.integer({ min: 0, max: 12 }).map((k) => k * 0.5 * ms),
});

test('pick_eevdf with the sums read once picks what a per-entity eligibility test picks', () => {
  fc.assert(
    fc.property(fc.array(entity, { minLength: 1, maxLength: 6 }), fc.boolean(), (specs, withCurr) => {
      const s = eevdf() as EevdfScheduler;
      const tasks = specs.map((e, i) => {
        const t = task(i + 1, e.vruntime);
        t.deadline = e.vruntime + e.slice;
        return t;
      });
      queue(s, tasks);
      if (withCurr) run(s, tasks[0]);
      const q = tasks[0].cfsRq;
      const curr = withCurr ? tasks[0] : null;
      assert.equal(s.pickEevdf(q, true), referencePick(s, q, curr));
      assert.equal(s.pickEevdf(q, false), referencePick(s, q, null));
    }),
    { numRuns: 500 },
  );
});
