// The JSON shape of `kvm-spin analyze --json` (a stable, documented contract).

import type { TraceAnalysis } from '../pipeline';

export function toAnalyzeJson(result: TraceAnalysis) {
  const a = result.analysis;
  return {
    source: result.source,
    format: result.format,
    durationNs: a.durationNs,
    vms: a.vms.map((vm) => ({
      id: vm.id,
      tgid: vm.tgid,
      name: vm.name,
      vcpus: vm.vcpus.map((v) => ({
        vcpu: v.vcpu,
        tid: v.tid,
        comm: v.comm,
        pleExits: v.pleExits,
        kvmExits: v.kvmExits,
        haltExits: v.haltExits,
        pleTimeNs: v.pleTimeNs,
        spinTimeNs: v.spinTimeNs,
        preemptedInExitNs: v.preemptedInExitNs,
        episodes: v.episodes,
        timeNs: v.time,
        window: v.window,
        decisions: v.decisions,
        exitReasons: v.exitReasons,
        exitStats: v.exitStats,
      })),
      exitStats: vm.exitStats,
      targets: vm.targets,
    })),
    totals: a.totals,
    decisions: a.decisions,
    problems: a.problems,
    inference: a.inference,
    /** Figure path → why the trace cannot judge it; those figures are null, never 0. */
    notJudged: a.notJudged,
    episodes: a.episodes,
    sites: a.sites,
    probes: a.probes,
    lines: {
      total: result.importStats.lines,
      events: result.importStats.eventLines,
      malformed: result.importStats.malformedLines,
      malformedFields: result.importStats.malformedPayloads,
    },
    warnings: a.warnings,
  };
}
