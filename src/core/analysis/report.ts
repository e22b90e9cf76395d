// The JSON shape of `kvm-spin analyze --json` (a stable, documented contract).

import type { TraceAnalysis } from '../pipeline';

export function toAnalyzeJson(result: TraceAnalysis) {
  const a = result.analysis;
  return {
    source: result.source,
    format: result.format,
    /** Every *Ns field is in this unit: ns, or raw counter values ('cycles') when the trace gives no conversion. */
    clock: { name: result.clock.name, unit: result.clock.unit },
    traceId: result.origin.traceId,
    /** A guest trace: the host trace it belongs to (trace.dat TIME_SHIFT); null otherwise. */
    hostTraceId: result.origin.timeShift?.peerTraceId ?? null,
    /** events, firstNs, lastNs (host clock): of a guest trace given with the host (--guest), else null. */
    guests: result.origin.guests.map((g) => {
      const read = result.guests.find((x) => x.traceId === g.traceId);
      return { traceId: g.traceId, name: g.name, vcpus: g.vcpus.map((v) => ({ vcpu: v.vcpu, hostTid: v.hostTid })), events: read?.events ?? null, firstNs: read?.firstNs ?? null, lastNs: read?.lastNs ?? null };
    }),
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
    /** lostEvents is a JSON number (rounded past 2^53); lostEventsExact the same count as exact decimal text. */
    totals: { ...a.totals, lostEventsExact: result.lostEventsExact },
    decisions: a.decisions,
    problems: a.problems,
    /** With --guest: the problems counted from the guests' lock / ipi / csd events, beside the host-only inference. */
    problemsFromGuest: result.problemsFromGuest,
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
