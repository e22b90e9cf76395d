// Aggregates sized for the screen: everything a dashboard draws, and nothing more (a webview
// never receives raw events). Time series are binned to at most `bins` points.

import { EventKind, type EventStore } from '../trace/model';
import { isPauseExitReason } from './sites';
import { analyze, type AnalysisOptions, type AnalysisResult } from './analyze';
import type { DashboardModel, Series } from '../../protocol';

export interface DashboardOptions {
  title: string;
  format: string;
  bins?: number;
  range?: { startNs: number; endNs: number };
  maxEpisodes?: number;
  analysis?: Partial<AnalysisOptions>;
}

export function buildDashboard(store: EventStore, options: DashboardOptions): DashboardModel {
  return dashboardFromAnalysis(store, analyze(store, { ...options.analysis, range: options.range }), options);
}

/** The dashboard of an analysis already made over `options.range` (or the whole store). */
export function dashboardFromAnalysis(store: EventStore, a: AnalysisResult, options: DashboardOptions): DashboardModel {
  const bins = Math.max(1, Math.min(options.bins ?? 1000, 4000));
  let traceStart = Infinity;
  let traceEnd = -Infinity;
  for (let i = 0; i < store.length; i++) {
    const t = store.ts[i];
    if (t < traceStart) traceStart = t;
    if (t > traceEnd) traceEnd = t;
  }
  if (store.length === 0) traceStart = traceEnd = 0;
  const rangeStart = options.range ? Math.max(traceStart, options.range.startNs) : traceStart;
  const rangeEnd = options.range ? Math.min(traceEnd, options.range.endNs) : traceEnd;
  const binNs = Math.max(1, Math.ceil((rangeEnd - rangeStart + 1) / bins));
  const nBins = Math.max(1, Math.ceil((rangeEnd - rangeStart + 1) / binNs));
  const ple = new Array<number>(nBins).fill(0);
  const windowMax = new Array<number>(nBins).fill(0);
  const pauseIds = new Set<number>();
  store.strings.strings.forEach((text, id) => {
    if (isPauseExitReason(text)) pauseIds.add(id);
  });
  for (let i = 0; i < store.length; i++) {
    const t = store.ts[i];
    if (t < rangeStart || t > rangeEnd) continue;
    const bin = Math.min(nBins - 1, Math.floor((t - rangeStart) / binNs));
    const kind = store.kind[i];
    if (kind === EventKind.KvmExit && pauseIds.has(store.b[i])) ple[bin]++;
    else if (kind === EventKind.PleWindow && store.y[i] > windowMax[bin]) windowMax[bin] = store.y[i];
  }
  const series = (values: number[]): Series => ({ startNs: rangeStart, binNs, values });
  const maxEpisodes = options.maxEpisodes ?? 5000;
  return {
    title: options.title,
    format: options.format,
    traceStartNs: traceStart,
    traceEndNs: traceEnd,
    rangeStartNs: rangeStart,
    rangeEndNs: rangeEnd,
    totals: {
      events: a.totals.events,
      kvmExits: a.totals.kvmExits,
      pleExits: a.totals.pleExits,
      boosts: a.totals.boosts,
      yieldAttempts: a.totals.yieldAttempts,
      episodes: a.totals.episodes,
      lostEvents: a.totals.lostEvents,
    },
    problems: a.problems,
    inference: a.inference,
    warnings: [...a.warnings],
    vcpus: a.vms.flatMap((vm) =>
      vm.vcpus.map((v) => ({
        vm: vm.id,
        vcpu: v.vcpu,
        comm: v.comm,
        pleExits: v.pleExits,
        spinNs: v.spinTimeNs,
        pleNs: v.pleTimeNs,
        preemptedNs: v.time.preempted,
        ...v.decisions,
      })),
    ),
    matrices: a.vms.map((vm) => ({ vm: vm.id, labels: vm.vcpus.map((v) => `vCPU ${v.vcpu}`), boosts: vm.targetMatrix })),
    pleExitsOverTime: series(ple),
    windowOverTime: series(windowMax),
    episodes: a.episodes.slice(0, maxEpisodes).map((e) => ({ vm: e.vm, vcpu: e.vcpu, startNs: e.startNs, endNs: e.endNs, pleExits: e.pleExits, firstLine: e.firstLine, lastLine: e.lastLine })),
    episodesTotal: a.episodes.length,
  };
}
