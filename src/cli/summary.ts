// The readable summary printed by `kvm-spin analyze`.

import type { TraceAnalysis } from '../core/pipeline';
import type { AnalysisResult } from '../core/analysis/result';

const ms = (ns: number) => `${(ns / 1e6).toFixed(3)} ms`;
const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)} %` : '-');
/** A figure, or "not judged" with the reason the trace cannot tell. */
const judged = (value: number | null, reason: string | undefined) => (value === null ? `not judged [${reason ?? 'the trace cannot tell'}]` : String(value));
/** A figure for a column: "-" when not judged (the reasons are listed under the table). */
const cell = (value: number | null, format: (v: number) => string = String) => (value === null ? '-' : format(value));

export function formatSummary(result: TraceAnalysis): string {
  const a = result.analysis;
  const out: string[] = [];
  out.push(`${result.source}: ${result.format}, ${a.totals.events} events kept of ${result.importStats.eventLines} event lines, ${ms(a.durationNs)}`);
  out.push(
    `  kvm exits ${a.totals.kvmExits}, PAUSE exits ${a.totals.pleExits}, continuous-PLE episodes ${a.totals.episodes}, IPIs ${judged(a.totals.ipis, a.notJudged['totals.ipis'])}, lost events ${a.totals.lostEvents}`,
  );
  const d = a.decisions;
  const why = (figure: string) => a.notJudged[figure];
  out.push(
    `  yield decisions (${a.inference}): boosted and ran ${judged(d.boostedRan, why('decisions.boostedRan'))}, boosted but did not run ${judged(d.boostedNotRun, why('decisions.boostedNotRun'))}, -ESRCH ${judged(d.esrch, why('decisions.esrch'))}, ready but not boosted ${judged(d.notBoosted, why('decisions.notBoosted'))}, no candidate ${judged(d.noCandidate, why('decisions.noCandidate'))}`,
  );
  out.push(
    `  problems: scheduler mismatch ${judged(a.problems.schedulerMismatch, why('problems.schedulerMismatch'))}, lost opportunity ${judged(a.problems.lostOpportunity, why('problems.lostOpportunity'))}, overboost ${judged(a.problems.overboost, why('problems.overboost'))}`,
  );
  for (const vm of a.vms) {
    out.push('');
    out.push(`${vm.id} (${vm.name}): ${vm.vcpus.length} vCPU(s)`);
    out.push('  vcpu      tid  PAUSE exits  spin time     spin %  preempted    episodes  window max  thread');
    for (const v of vm.vcpus) {
      const total = v.time.guest + v.time.host + (v.time.preempted ?? 0) + (v.time.halted ?? 0) + (v.time.woken ?? 0);
      out.push(
        `  ${String(v.vcpu).padStart(4)} ${String(v.tid).padStart(8)} ${String(v.pleExits).padStart(12)}  ${ms(v.spinTimeNs).padStart(12)} ${pct(v.spinTimeNs, total).padStart(8)}  ${cell(v.time.preempted, ms).padStart(12)} ${String(v.episodes).padStart(8)} ${cell(v.window?.max ?? null).padStart(11)}  ${v.comm}`,
      );
    }
  }
  out.push(...formatExitStats(a));
  if (a.warnings.length) {
    out.push('');
    out.push('warnings:');
    for (const w of a.warnings) out.push(`  - ${w}`);
  }
  return out.join('\n') + '\n';
}

const us = (ns: number) => `${(ns / 1e3).toFixed(2)}us`;

/** Per VM, the exits by reason as `perf kvm stat report --event=vmexit` lays them out. */
export function formatExitStats(a: AnalysisResult): string[] {
  const out: string[] = [];
  for (const vm of a.vms) {
    if (vm.exitStats.length === 0) continue;
    const width = Math.max(20, ...vm.exitStats.map((r) => r.reason.length));
    out.push('');
    out.push(`${vm.id}: exits by reason (kvm_exit to the next kvm_entry, as perf kvm stat)`);
    out.push(`  ${'VM-EXIT'.padStart(width)} ${'Samples'.padStart(10)} ${'Samples%'.padStart(9)} ${'Time%'.padStart(9)} ${'Min Time'.padStart(11)} ${'Max Time'.padStart(11)} ${'Avg time'.padStart(16)}`);
    for (const r of vm.exitStats) {
      out.push(
        `  ${r.reason.padStart(width)} ${String(r.samples).padStart(10)} ${`${r.samplesPct.toFixed(2)}%`.padStart(9)} ${`${r.timePct.toFixed(2)}%`.padStart(9)} ${us(r.minNs).padStart(11)} ${us(r.maxNs).padStart(11)} ${us(r.meanNs).padStart(9)} ( +-${r.relStddevPct.toFixed(2).padStart(7)}% )`,
      );
    }
    const samples = vm.exitStats.reduce((n, r) => n + r.samples, 0);
    const timeNs = vm.exitStats.reduce((n, r) => n + r.timeNs, 0);
    out.push(`  Total Samples:${samples}, Total events handled time:${(timeNs / 1e3).toFixed(2)}us.`);
  }
  return out;
}
