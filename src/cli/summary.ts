// The readable summary printed by `kvm-spin analyze`.

import type { TraceAnalysis } from '../core/pipeline';
import type { TraceClock } from '../core/trace/clock';

/** A duration in the trace's unit: ms for ns clocks, whole counts for raw counters. */
const durationIn = (clock: TraceClock) => (clock.unit === 'ns' ? (ns: number) => `${(ns / 1e6).toFixed(3)} ms` : (counts: number) => `${counts} cycles`);

/** "clock x86-tsc (ns via TSC2NSEC)", "clock not in the trace (raw counter values, cycles)". */
export function describeClock(result: TraceAnalysis): string {
  const { clock, origin } = result;
  const name = clock.name === null ? 'not in the trace' : clock.name;
  const how = clock.unit === 'cycles' ? 'raw counter values, cycles: give the counter frequency with --clock-hz for ns' : origin.tsc2nsec && origin.tsc2nsec.mult !== 0 ? 'ns via TSC2NSEC' : 'ns';
  return `clock ${name} (${how})`;
}

/** Which host or guests the trace names (trace.dat GUEST, TRACEID, TIME_SHIFT). */
function describeOrigin(result: TraceAnalysis): string[] {
  const { origin } = result;
  const out: string[] = [];
  if (origin.timeShift) out.push(`  guest trace${origin.traceId ? ` ${origin.traceId}` : ''} of host trace ${origin.timeShift.peerTraceId} (TIME_SHIFT for ${origin.timeShift.cpus.length} guest CPU(s))`);
  for (const g of origin.guests) out.push(`  guest ${g.traceId}${g.name ? ` (${g.name})` : ''}: ${g.vcpus.length} vCPU(s), host threads ${g.vcpus.map((v) => v.hostTid).join(', ')}`);
  return out;
}
const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '-');

export function formatSummary(result: TraceAnalysis): string {
  const a = result.analysis;
  const ms = durationIn(result.clock);
  const out: string[] = [];
  out.push(`${result.source}: ${result.format}, ${a.totals.events} events kept of ${result.importStats.eventLines} event lines, ${ms(a.durationNs)}, ${describeClock(result)}`);
  out.push(...describeOrigin(result));
  out.push(
    `  kvm exits ${a.totals.kvmExits}, PAUSE exits ${a.totals.pleExits}, continuous-PLE episodes ${a.totals.episodes}, IPIs ${a.totals.ipis}, lost events ${result.lostEventsExact}`,
  );
  const d = a.decisions;
  out.push(
    `  yield decisions (${a.inference}): boosted and ran ${d.boostedRan}, boosted but did not run ${d.boostedNotRun}, -ESRCH ${d.esrch}, ready but not boosted ${d.notBoosted}, no candidate ${d.noCandidate}`,
  );
  out.push(
    `  problems: scheduler mismatch ${a.problems.schedulerMismatch}, lost opportunity ${a.problems.lostOpportunity}, overboost ${a.problems.overboost}`,
  );
  for (const vm of a.vms) {
    out.push('');
    out.push(`${vm.id} (${vm.name}): ${vm.vcpus.length} vCPU(s)`);
    out.push('  vcpu      tid  PAUSE exits  spin time     spin %  preempted    episodes  window max  thread');
    for (const v of vm.vcpus) {
      const total = v.time.guest + v.time.host + v.time.preempted + v.time.halted + v.time.woken;
      out.push(
        `  ${String(v.vcpu).padStart(4)} ${String(v.tid).padStart(8)} ${String(v.pleExits).padStart(12)}  ${ms(v.spinTimeNs).padStart(12)} ${pct(v.spinTimeNs, total).padStart(8)}  ${ms(v.time.preempted).padStart(12)} ${String(v.episodes).padStart(8)} ${String(v.window.max).padStart(11)}  ${v.comm}`,
      );
    }
  }
  if (a.warnings.length) {
    out.push('');
    out.push('warnings:');
    for (const w of a.warnings) out.push(`  - ${w}`);
  }
  return out.join('\n') + '\n';
}
