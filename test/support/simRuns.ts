// Simulator runs shared by the tests of one process: a scenario, policy, seed and length is
// simulated once however many tests ask for it.
import { simulate, type SimResult } from '../../src/core/sim/simulator';
import { builtinScenario } from '../../src/core/sim/scenario';
import { policyByName } from '../../src/core/sim/policies';

const cache = new Map<string, SimResult>();

export function cachedRun(scenario: string, policy: string, seed = 1, seconds = 0.4): SimResult {
  const key = `${scenario}/${policy}/${seed}/${seconds}`;
  let r = cache.get(key);
  if (!r) {
    r = simulate({ scenario: builtinScenario(scenario), policy: policyByName(policy), seed, durationNs: seconds * 1e9 });
    cache.set(key, r);
  }
  return r;
}
