// Each replayed target judged against the guest's truth: at every PAUSE exit the guest's events
// say what the spinner waited for (guestTruth.ts, `awaited`), and a target is labelled as the
// simulator labels a boost (simulator.ts judgeBoost): helpful when awaited, overboost when woken
// from halt and not yet run, unhelpful otherwise, noBoost when none. The host's own decisions get
// the same label, so each policy's helpful share sits beside the host's.

import type { StateModel } from '../analysis/analyze';
import type { DecisionLabel, GuestDecision } from '../analysis/guestTruth';
import type { ReplayResult } from './replay';
import type { ReplayTruthRow } from '../../shared/protocol';

/** A policy's (or the host's) targets judged against the guest's truth: the protocol's row. */
export type TruthCounts = ReplayTruthRow;

export interface ReplayTruth {
  /** Decisions of the trace, and those with a guest decision at the same exit. */
  decisions: number;
  withGuest: number;
  /** The host's own decisions, labelled the same way. */
  observed: TruthCounts;
  /** Per replayed policy, in the replay's order. */
  policies: TruthCounts[];
}

/** A target's label against the awaited sets; null when the possible lock holders disagree. */
export function judgeTarget(targetTid: number | null, woken: boolean, awaited: number[][]): DecisionLabel | null {
  if (targetTid === null) return 'noBoost';
  const labels = new Set(awaited.map((set): DecisionLabel => (set.includes(targetTid) ? 'helpful' : woken ? 'overboost' : 'unhelpful')));
  return labels.size === 1 ? [...labels][0] : null;
}

function emptyCounts(): TruthCounts {
  return { judged: 0, helpful: 0, overboost: 0, unhelpful: 0, noBoost: 0, helpfulShare: null };
}

function add(c: TruthCounts, label: DecisionLabel | null): void {
  if (label === null) return;
  c.judged++;
  c[label]++;
}

export function judgeReplay(model: StateModel, replay: ReplayResult, guestDecisions: readonly GuestDecision[]): ReplayTruth {
  const byExit = new Map<string, GuestDecision>();
  for (const g of guestDecisions) byExit.set(`${g.tid}@${g.ts}`, g);
  const d = model.decisions;
  const tidOf = (lane: number) => (lane >= 0 ? model.vcpuLanes[lane].tid : null);
  const observed = emptyCounts();
  const policies = replay.policies.map(emptyCounts);
  let withGuest = 0;
  for (let k = 0; k < d.count; k++) {
    const g = byExit.get(`${tidOf(d.spinnerLane[k])}@${d.ts[k]}`);
    if (!g) continue;
    withGuest++;
    if (g.awaited === null) continue;
    add(observed, judgeTarget(tidOf(replay.observed[k]), replay.observedWoken[k] === 1, g.awaited));
    replay.policies.forEach((p, i) => add(policies[i], judgeTarget(tidOf(p.targets[k]), p.targetWoken[k] === 1, g.awaited!)));
  }
  for (const c of [observed, ...policies]) c.helpfulShare = c.judged > 0 ? c.helpful / c.judged : null;
  return { decisions: d.count, withGuest, observed, policies };
}
