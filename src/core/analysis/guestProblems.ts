// The three problems counted from the guest's truth (guestTruth.ts), beside the host-only
// inference of the same trace and how far apart they are. Scheduler mismatch is a host
// matter (did the pick after the boost choose the target?), so it is the host's count in both.

import type { AnalysisResult } from './result';
import { guestTruth, type FilterPolicy, type GuestTruthCounts } from './guestTruth';
import type { EventStore } from '../trace/model';
import type { GuestTrace } from '../guestTraces';

export interface GuestProblems {
  /** The user-mode filter the lost opportunities were judged with. */
  filter: string;
  decisions: number;
  judged: number;
  notJudged: number;
  waits: GuestTruthCounts['waits'];
  labels: { helpful: number; overboost: number; unhelpful: number; noBoost: number };
  /** Counted over the judged decisions; schedulerMismatch is the host's (null when it cannot tell). */
  problems: { schedulerMismatch: number | null; lostOpportunity: number; overboost: number };
  hostInference: AnalysisResult['problems'];
  /** Host inference − guest truth, and that as a share of the truth (null when the truth is 0 or the host cannot tell). */
  difference: { lostOpportunity: number | null; overboost: number | null };
  relativeDifference: { lostOpportunity: number | null; overboost: number | null };
}

/** The vanilla filter (≤ 5.12) when the trace does not say which kernel recorded it. */
export const VANILLA_FILTER: FilterPolicy & { name: string } = { name: 'vanilla (assumed: the trace does not name its kernel or policy)', pendingInterruptRule: false, strictBoost: 'off' };

export function guestProblems(host: EventStore, analysis: AnalysisResult, guests: GuestTrace[], filter: FilterPolicy & { name: string }): GuestProblems {
  const c = guestTruth(host, guests, filter).counts;
  const inferred = analysis.problems;
  const diff = (inf: number | null, truth: number) => (inf === null ? null : inf - truth);
  const rel = (inf: number | null, truth: number) => (inf === null || truth === 0 ? null : (inf - truth) / truth);
  return {
    filter: filter.name,
    decisions: c.decisions,
    judged: c.judged,
    notJudged: c.decisions - c.judged,
    waits: c.waits,
    labels: { helpful: c.helpful, overboost: c.overboost, unhelpful: c.unhelpful, noBoost: c.noBoost },
    problems: { schedulerMismatch: inferred.schedulerMismatch, lostOpportunity: c.lostOpportunity, overboost: c.overboost },
    hostInference: inferred,
    difference: { lostOpportunity: diff(inferred.lostOpportunity, c.lostOpportunity), overboost: diff(inferred.overboost, c.overboost) },
    relativeDifference: { lostOpportunity: rel(inferred.lostOpportunity, c.lostOpportunity), overboost: rel(inferred.overboost, c.overboost) },
  };
}
