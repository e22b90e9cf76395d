// The guest part of `kvm-spin analyze`'s readable summary: each guest trace given with the
// host, on the host clock.

import type { TraceAnalysis } from '../core/pipeline';

const ms = (ns: number) => `${(ns / 1e6).toFixed(3)} ms`;

export function formatGuests(result: TraceAnalysis): string {
  if (result.guests.length === 0) return '';
  const lines = ['', 'guest traces (on the host clock):'];
  for (const g of result.guests) {
    const span = g.firstNs === null || g.lastNs === null ? 'no events' : `${ms(g.firstNs)} to ${ms(g.lastNs)}`;
    lines.push(`  ${g.name || '(no name)'} ${g.traceId}: ${g.events} events, ${span}, ${g.vcpus.length} vCPU(s) — ${g.source}`);
  }
  const g = result.problemsFromGuest;
  if (g) {
    const pct = (n: number) => `${((100 * n) / Math.max(1, g.decisions)).toFixed(1)} %`;
    const vs = (what: string, truth: number | null, inferred: number | null, rel: number | null) =>
      `  ${what}: ${truth ?? 'not judged'} from the guest, ${inferred ?? 'not judged'} inferred from the host${rel === null ? '' : ` (${rel >= 0 ? '+' : ''}${(rel * 100).toFixed(0)} %)`}`;
    lines.push(
      '',
      `problems from the guest's events (${g.judged} of ${g.decisions} decisions judged, ${pct(g.notJudged)} not: lock holder unknown ${g.waits.lockHolderUnknown}; user-mode filter ${g.filter}):`,
      `  decisions: helpful ${g.labels.helpful}, overboost ${g.labels.overboost}, unhelpful ${g.labels.unhelpful}, no boost ${g.labels.noBoost}; waits: IPI ${g.waits.ipi}, lock ${g.waits.lock}, nothing awaited ${g.waits.none}`,
      vs('lost opportunity', g.problems.lostOpportunity, g.hostInference.lostOpportunity, g.relativeDifference.lostOpportunity),
      vs('overboost', g.problems.overboost, g.hostInference.overboost, g.relativeDifference.overboost),
      `  scheduler mismatch: ${g.problems.schedulerMismatch ?? 'not judged'} (a host matter: the pick after the boost, from host events alone)`,
    );
  }
  return lines.join('\n') + '\n';
}
