// cfs_rq->avg_vruntime and avg_load kept incrementally (avg_vruntime_add/sub from
// __enqueue_entity/__dequeue_entity, avg_vruntime_update when min_vruntime moves), as
// kernel/sched/fair.c keeps them since 6.6: they must equal a recount over the queue at every
// read, through whole runs of every EEVDF policy, task groups and migrations included.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EevdfScheduler } from '../../src/core/sim/host/eevdf';
import type { CfsRq, SchedEntity } from '../../src/core/sim/host/entity';
import { simulate } from '../../src/core/sim/simulator';
import { builtinScenario, BUILTIN_SCENARIOS } from '../../src/core/sim/scenario';
import { POLICIES } from '../../src/core/sim/policies';
import { countedSums, eevdf, ms, queue, task } from './hostHelpers';

test('the kept sums equal a recount over the queue at every eligibility test, on every scenario and EEVDF policy', () => {
  const proto = EevdfScheduler.prototype;
  const original = proto.eligible;
  let checks = 0;
  proto.eligible = function (this: EevdfScheduler, q: CfsRq, se: SchedEntity): boolean {
    this.avgVruntime(q); // brings the sums to the current min_vruntime
    const counted = countedSums(q);
    assert.deepEqual({ sum: q.avgVruntime, load: q.avgLoad, base: q.avgBase }, counted);
    checks++;
    return original.call(this, q, se);
  };
  try {
    for (const policy of POLICIES.filter((p) => p.scheduler.kind === 'eevdf')) {
      for (const name of Object.keys(BUILTIN_SCENARIOS)) {
        simulate({ scenario: builtinScenario(name), policy, seed: 3, durationNs: 4e6 });
      }
      const balanced = builtinScenario('lock-2vm');
      simulate({ scenario: { ...balanced, host: { ...balanced.host, balance: 'balanced' } }, policy, seed: 5, durationNs: 2e7 });
    }
  } finally {
    proto.eligible = original;
  }
  assert.ok(checks > 10_000, `${checks} checks`);
});

test('place_entity() truncates the inflated lag as div_s64() does: 1 ns of lag on a queue of load 2048 stays 1 ns', () => {
  const s = eevdf() as unknown as EevdfScheduler;
  const a = task(1, 9 * ms);
  const b = task(2, 11 * ms);
  queue(s, [a, b]);
  const c = task(3, 0);
  c.vlag = 1;
  s.attach(c, null);
  s.enqueueWakeup(c, 0);
  // 1 · 3072 / 2048 = 1.5 ns, truncated to 1: V (10 ms) - 1.
  assert.equal(c.vruntime, 10 * ms - 1);
});

test('keys are whole nanoseconds, as the kernel\'s u64 vruntimes are: 0.4 ns apart is a tie, both eligible', () => {
  const s = eevdf() as unknown as EevdfScheduler;
  const x = task(1, 5 * ms);
  const y = task(2, 5 * ms + 0.4);
  queue(s, [x, y]);
  const q = x.cfsRq;
  assert.equal(s.avgVruntime(q), 5 * ms);
  assert.deepEqual([s.eligible(q, x), s.eligible(q, y)], [true, true]);
});
