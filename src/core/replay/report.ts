// The JSON of `kvm-spin replay --json`: per policy the shares of decisions where it agrees with
// the host, picks another vCPU or picks none, and what could not be judged.

import type { ReplayResult } from './replay';
import type { ReplayTruth, TruthCounts } from './replayTruth';

/** What a replay is, said wherever it shows. */
export const COUNTERFACTUAL = "per decision: the state of that moment, the policy's choice; after the first different choice the real future would have differed";

/** Why a replay leaves a figure unjudged. */
export const REPLAY_NOT_JUDGED = {
  helpful: 'needs what each spinner waited for (guest lock and IPI events, --guest); a host trace does not say',
  honoured: 'needs the vruntimes of the run queues; sched events do not carry them',
};

/** Where guests were given but a decision is not judged. */
export const TRUTH_NOT_JUDGED = 'a decision is judged only where the guest events say what the spinner waited for (the lock holder unknown, or possible holders that disagree, are not judged)';

/** A policy's helpful figure: the count with its denominator; null without guests (judged null) or where none is judged (judged 0). */
export function helpfulOf(c: TruthCounts | undefined) {
  if (!c) return { helpful: null, judged: null, helpfulShare: null };
  if (c.judged === 0) return { helpful: null, judged: 0, helpfulShare: null };
  return { helpful: c.helpful, judged: c.judged, helpfulShare: c.helpfulShare, labels: { helpful: c.helpful, overboost: c.overboost, unhelpful: c.unhelpful, noBoost: c.noBoost } };
}

export function toReplayJson(r: ReplayResult, truth?: ReplayTruth) {
  return {
    decisions: r.observed.length,
    observedFrom: r.observedFrom,
    counterfactual: COUNTERFACTUAL,
    /** The host's own decisions judged against the guest's truth (absent without guests). */
    observedTruth: truth ? { withGuest: truth.withGuest, ...helpfulOf(truth.observed) } : undefined,
    policies: r.policies.map((p, i) => ({
      policy: p.policy,
      decisions: p.decisions,
      agree: p.agree,
      other: p.other,
      none: p.none,
      esrch: p.esrch,
      /** Whether the target would have helped: judged against guest events (--guest); null without them. */
      ...helpfulOf(truth?.policies[i]),
      /** Whether the host scheduler would have honoured the boost needs vruntimes, not in the trace. */
      honoured: p.honoured,
      assumptions: r.assumptions,
    })),
    notReplayable: r.notReplayable,
    notJudged: truth ? { ...REPLAY_NOT_JUDGED, helpful: TRUTH_NOT_JUDGED } : REPLAY_NOT_JUDGED,
  };
}
