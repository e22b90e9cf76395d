// The JSON of `kvm-spin replay --json`: per policy the shares of decisions where it agrees with
// the host, picks another vCPU or picks none, and what could not be judged.

import type { ReplayResult } from './replay';

/** What a replay is, said wherever it shows. */
export const COUNTERFACTUAL = "per decision: the state of that moment, the policy's choice; after the first different choice the real future would have differed";

/** Why a replay leaves a figure unjudged. */
export const REPLAY_NOT_JUDGED = {
  helpful: 'needs what each spinner waited for (guest lock and IPI events); a host trace does not say',
  honoured: 'needs the vruntimes of the run queues; sched events do not carry them',
};

export function toReplayJson(r: ReplayResult) {
  return {
    decisions: r.observed.length,
    observedFrom: r.observedFrom,
    counterfactual: COUNTERFACTUAL,
    policies: r.policies.map((p) => ({
      policy: p.policy,
      decisions: p.decisions,
      agree: p.agree,
      other: p.other,
      none: p.none,
      esrch: p.esrch,
      /** Whether the target would have helped needs what the spinner waited for: guest events, not in a host trace. */
      helpful: null,
      /** Whether the host scheduler would have honoured the boost needs vruntimes, not in the trace. */
      honoured: p.honoured,
      assumptions: r.assumptions,
    })),
    notReplayable: r.notReplayable,
    notJudged: REPLAY_NOT_JUDGED,
  };
}
