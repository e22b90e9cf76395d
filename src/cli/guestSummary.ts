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
  return lines.join('\n') + '\n';
}
