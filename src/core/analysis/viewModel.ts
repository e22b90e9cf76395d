// Aggregates sized for the screen: everything a dashboard draws, and nothing more (a webview
// never receives raw events). Time series are binned to at most `bins` points.

import type { EventStore } from '../trace/model';
import { isPauseExitReason } from './sites';
import { buildStateModel, type AnalysisOptions, type AnalysisResult, type StateModel } from './analyze';
import { analyzeModelRange } from './rangeAnalysis';
import { rowsIn } from './timeIndex';
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
  const model = buildStateModel(store, options.analysis);
  const range = options.range;
  return dashboardFromAnalysis(model, analyzeModelRange(model, range?.startNs ?? -Infinity, range?.endNs ?? Infinity), options);
}

/** The dashboard of an analysis already made over `options.range` (or the whole trace); reads only the rows in the range. */
export function dashboardFromAnalysis(model: StateModel, a: AnalysisResult, options: DashboardOptions): DashboardModel {
  const bins = Math.max(1, Math.min(options.bins ?? 1000, 4000));
  const { store, exits, windows } = model;
  const traceStart = model.startNs;
  const traceEnd = model.endNs;
  const rangeStart = a.startNs;
  const rangeEnd = a.endNs;
  const lo = options.range && options.range.startNs > traceStart ? options.range.startNs : -Infinity;
  const hi = options.range && options.range.endNs < traceEnd ? options.range.endNs : Infinity;
  const binNs = Math.max(1, Math.ceil((rangeEnd - rangeStart + 1) / bins));
  const nBins = Math.max(1, Math.ceil((rangeEnd - rangeStart + 1) / binNs));
  const binOf = (t: number) => Math.min(nBins - 1, Math.floor((t - rangeStart) / binNs));
  const ple = new Array<number>(nBins).fill(0);
  const windowMax = new Array<number>(nBins).fill(0);
  const pauseIds = new Set<number>();
  store.strings.strings.forEach((text, id) => {
    if (isPauseExitReason(text)) pauseIds.add(id);
  });
  const [exitFrom, exitTo] = rowsIn(exits.count, (i) => store.ts[exits.row[i]], lo, hi);
  for (let k = exitFrom; k < exitTo; k++) {
    const row = exits.row[k];
    if (pauseIds.has(store.b[row])) ple[binOf(store.ts[row])]++;
  }
  const [windowFrom, windowTo] = rowsIn(windows.count, (i) => windows.ts[i], lo, hi);
  for (let k = windowFrom; k < windowTo; k++) {
    const bin = binOf(windows.ts[k]);
    if (windows.window[k] > windowMax[bin]) windowMax[bin] = windows.window[k];
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
