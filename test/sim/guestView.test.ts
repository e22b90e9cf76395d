// The simulator's guest view against its own truth: the labels read from the guest events
// (guestTruth.ts) match the simulator's label of each decision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate } from '../../src/core/sim/simulator';
import { policyByName } from '../../src/core/sim/policies';
import { builtinScenario } from '../../src/core/sim/scenario';
import { guestTruth } from '../../src/core/analysis/guestTruth';
import { placeGuest, type GuestTrace } from '../../src/core/guestTraces';
import { analyze } from '../../src/core/analysis/analyze';

function run(scenario: string, policy: string) {
  const p = policyByName(policy);
  const r = simulate({ scenario: builtinScenario(scenario), policy: p, seed: 3, durationNs: 0.1e9, record: true, guestView: true });
  const view = r.guestView!;
  // As the run file prints them: whole nanoseconds (the guest's are rounded when placed).
  for (let i = 0; i < r.store!.length; i++) r.store!.ts[i] = Math.round(r.store!.ts[i]);
  const guests: GuestTrace[] = view.vms.map((vm) => {
    vm.store.origin = { traceId: vm.traceId, guests: [], timeShift: vm.timeShift, tsc2nsec: null };
    return placeGuest(vm.store, { traceId: vm.traceId, name: vm.name, vcpus: vm.vcpus }, vm.name);
  });
  const truth = guestTruth(r.store!, guests, p);
  return { r, view, truth };
}

for (const scenario of ['paper', 'lock-2vm', 'ipi-tlb']) {
  for (const policy of ['vanilla-5.6', 'strict-boost', 'vanilla-6.6']) {
    test(`${scenario} / ${policy}: labels from guest events match the simulator's per decision`, () => {
      const { r, view, truth } = run(scenario, policy);
      const sim = view.decisions;
      assert.equal(truth.decisions.length, sim.length, 'one decision per PAUSE exit');
      let same = 0;
      let judged = 0;
      const confusion = new Map<string, number>();
      for (let k = 0; k < sim.length; k++) {
        const g = truth.decisions[k];
        assert.equal(g.tid, sim[k].tid);
        if (g.label === null) continue;
        judged++;
        if (g.label === sim[k].label && g.lost === sim[k].lost) same++;
        else {
          const key = `${sim[k].label}/${sim[k].lost} -> ${g.label}/${g.lost} (${g.wait}) ${sim[k].waitedFor.join() === g.waitedFor.join() ? 'same wait' : 'other wait'}`;
          confusion.set(key, (confusion.get(key) ?? 0) + 1);
        }
      }
      const rate = same / judged;
      const figure = `${scenario} / ${policy}: ${same} of ${judged} judged decisions match (${(rate * 100).toFixed(2)} %), ${sim.length - judged} of ${sim.length} not judged; off: ${JSON.stringify([...confusion].sort((p, q) => q[1] - p[1]).slice(0, 3))}`;
      // The README's table: judged share, then per problem true / from the guest / host-only inference.
      if (process.env.GUEST_DEBUG) console.log(figure, truth.counts, { truth: r.metrics.problems, hostInference: analyze(r.store!).problems });
      assert.ok(judged > 0.5 * sim.length, figure);
      assert.ok(rate >= 0.99, figure);
    });
  }
}
