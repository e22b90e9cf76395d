// The readable summary printed by `kvm-spin analyze`.

import type { TraceAnalysis } from '../core/pipeline';

const ms = (ns: number) => `${(ns / 1e6).toFixed(3)} ms`;
const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '-');

export function formatSummary(result: TraceAnalysis): string {
  const a = result.analysis;
  const out: string[] = [];
  out.push(`${result.source}: ${result.format}, ${a.totals.events} events kept of ${result.importStats.eventLines} event lines, ${ms(a.durationNs)}`);
  out.push(
    `  kvm exits ${a.totals.kvmExits}, PAUSE exits ${a.totals.pleExits}, continuous-PLE episodes ${a.totals.episodes}, IPIs ${a.totals.ipis}, lost events ${a.totals.lostEvents}`,
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
