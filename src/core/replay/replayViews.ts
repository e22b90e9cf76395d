// What the trace editor shows of a replay: the whole trace's summary for the "What if" panel
// (counts and shares per policy, no per-decision arrays), and the target each policy would
// have boosted at one PAUSE exit, for the timeline's details.

import type { ComparisonReplay, ReplayPolicyRow, ReplaySummary } from '../../shared/protocol';
import type { TimelineTables } from '../analysis/tables';
import { laneName } from '../views/timelineDetails';
import { ESRCH_ONLY, inKernelText, NO_TARGET, type ReplayResult } from './replay';
import { COUNTERFACTUAL, REPLAY_NOT_JUDGED, TRUTH_NOT_JUDGED } from './report';
import type { ReplayTruth } from './replayTruth';
import type { InKernelAssumption } from './stateSweep';

/** With `truth` (guest events beside the trace) each policy's row and the host's say how often the target was helpful. */
export function replaySummary(r: ReplayResult, inKernel: InKernelAssumption, truth?: ReplayTruth): ReplaySummary {
  return {
    inKernel,
    inKernelText: inKernelText(inKernel),
    decisions: r.observed.length,
    observedFrom: r.observedFrom,
    counterfactual: COUNTERFACTUAL,
    ...(truth ? { observedTruth: truth.observed } : {}),
    policies: r.policies.map((p, i): ReplayPolicyRow => {
      const share = (n: number) => (p.decisions > 0 ? n / p.decisions : null);
      return {
        policy: p.policy,
        decisions: p.decisions,
        agree: p.agree,
        other: p.other,
        none: p.none,
        esrch: p.esrch,
        shares: { agree: share(p.agree), other: share(p.other), none: share(p.none), esrch: share(p.esrch) },
        ...(truth ? { truth: truth.policies[i] } : {}),
      };
    }),
    notReplayable: r.notReplayable,
    assumptions: r.assumptions,
    notJudged: truth ? { ...REPLAY_NOT_JUDGED, helpful: TRUTH_NOT_JUDGED } : REPLAY_NOT_JUDGED,
  };
}

/** The part of a summary the comparison view lists beside the runs. */
export function comparisonReplay(s: ReplaySummary): ComparisonReplay {
  return { inKernel: s.inKernel, inKernelText: s.inKernelText, observedFrom: s.observedFrom, counterfactual: s.counterfactual, policies: s.policies, ...(s.observedTruth ? { observedTruth: s.observedTruth } : {}) };
}

/** A decision's target code as the screen says it: a vCPU, none, or none after -ESRCH. */
export function targetLabel(tables: TimelineTables, code: number): string {
  if (code === NO_TARGET) return 'none';
  if (code === ESRCH_ONLY) return 'none (-ESRCH)';
  return laneName(tables, code);
}

/** Detail fields of decision k: what each replayed policy would have boosted there. */
export function decisionTargetFields(tables: TimelineTables, r: ReplayResult, k: number, inKernel: InKernelAssumption): [string, string][] {
  if (k < 0 || k >= r.observed.length) return [];
  return [
    ['what if (per decision)', `the target each policy would have boosted at this moment, a vCPU preempted where no probe tells taken to be ${inKernelText(inKernel)}; after the first different choice the real future would have differed`],
    ...r.policies.map((p): [string, string] => [`${p.policy} would boost`, targetLabel(tables, p.targets[k])]),
  ];
}
