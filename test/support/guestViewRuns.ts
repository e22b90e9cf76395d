// Simulator runs with their guest view, shared by the tests of one process (a scenario and
// policy at seed 3, 0.1 s is simulated once), and the check that the labels read from the guest
// events (guestTruth.ts) match the simulator's label of each decision.
import * as assert from 'node:assert/strict';
import { simulate, type SimResult } from '../../src/core/sim/simulator';
import { policyByName } from '../../src/core/sim/policies';
import { builtinScenario } from '../../src/core/sim/scenario';
import { guestTruth } from '../../src/core/analysis/guestTruth';
import { placeGuest, type GuestTrace } from '../../src/core/guestTraces';
import { analyze } from '../../src/core/analysis/analyze';

export interface GuestViewRun {
  r: SimResult;
  view: NonNullable<SimResult['guestView']>;
  truth: ReturnType<typeof guestTruth>;
}

const cache = new Map<string, GuestViewRun>();

/** seed 3, 0.1 s, recorded with the guest view; timestamps whole ns as the run file prints them. */
export function guestViewRun(scenario: string, policy: string): GuestViewRun {
  const key = `${scenario}/${policy}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const p = policyByName(policy);
  const r = simulate({ scenario: builtinScenario(scenario), policy: p, seed: 3, durationNs: 0.1e9, record: true, guestView: true });
  const view = r.guestView!;
  // As the run file prints them: whole nanoseconds (the guest's are rounded when placed).
  for (let i = 0; i < r.store!.length; i++) r.store!.ts[i] = Math.round(r.store!.ts[i]);
  const guests: GuestTrace[] = view.vms.map((vm) => {
    vm.store.origin = { traceId: vm.traceId, guests: [], timeShift: vm.timeShift, tsc2nsec: null };
    return placeGuest(vm.store, { traceId: vm.traceId, name: vm.name, vcpus: vm.vcpus }, vm.name);
  });
  const run = { r, view, truth: guestTruth(r.store!, guests, p) };
  cache.set(key, run);
  return run;
}

/** Over more than half of the decisions judged, at least 99 % get the simulator's label. */
export function assertGuestLabelsMatch(scenario: string, policy: string): void {
  const { r, view, truth } = guestViewRun(scenario, policy);
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
}
