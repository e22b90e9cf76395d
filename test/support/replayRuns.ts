// A recorded simulator run replayed under the policy the simulated host ran: how often the
// replay picks the target the host boosted.
import { importTraceText } from '../../src/core/trace/textImporter';
import { buildStateModel } from '../../src/core/analysis/analyze';
import { replayTrace, NO_TARGET } from '../../src/core/replay/replay';
import { policyByName } from '../../src/core/sim/policies';
import { simulate } from '../../src/core/sim/simulator';
import { builtinScenario } from '../../src/core/sim/scenario';
import { writeTraceCmdText } from '../../src/core/export/traceCmdText';

/** With `roundTrip`, the run goes through trace-cmd report text and the importer first. */
export const replayRun = (scenario: string, policy: string, roundTrip = false, seed = 7) => {
  const run = simulate({ scenario: builtinScenario(scenario), policy: policyByName(policy), seed, durationNs: 0.04e9, record: true });
  let store = run.store!;
  if (roundTrip) {
    let text = '';
    writeTraceCmdText(store, (t) => (text += t));
    store = importTraceText(text).store;
  }
  const r = replayTrace(buildStateModel(store), { policies: [policyByName(policy)] });
  return { share: r.policies[0].agree / r.policies[0].decisions, decisions: r.policies[0].decisions, boosts: [...r.observed].filter((t) => t !== NO_TARGET).length };
};
