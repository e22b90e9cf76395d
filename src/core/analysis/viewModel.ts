// Aggregates sized for the screen: everything a dashboard draws, and nothing more (a webview
// never receives raw events). Time series are binned to at most `bins` points.

import type { EventStore } from '../trace/model';
import { isPauseExitReason } from './sites';
import { buildStateModel, type AnalysisOptions, type AnalysisResult, type StateModel, type VmSummary } from './analyze';
import { analyzeModelRange } from './rangeAnalysis';
import { rowsIn } from './timeIndex';
import type { BoostMatrix, DashboardModel, Series } from '../../shared/protocol';

export interface DashboardOptions {
  title: string;
  format: string;
  bins?: number;
  range?: { startNs: number; endNs: number };
  maxEpisodes?: number;
  /** At most this many vCPU rows (the busiest by PAUSE exits); the rest summed. */
  maxVcpuRows?: number;
  /** At most this many sources and targets per boost matrix; the rest summed as "other". */
  maxMatrixVcpus?: number;
  analysis?: Partial<AnalysisOptions>;
}

/** A screen shows a few hundred vCPU rows at most; a VM may have 4,096 vCPUs. */
export const MAX_VCPU_ROWS = 256;
/** A readable matrix: the busiest sources and targets, the rest summed as "other". */
export const MAX_MATRIX_VCPUS = 16;
/** PLE window series per vCPU and per VM: at most this many of each (the most updated) … */
export const MAX_WINDOW_SERIES = 64;
/** … of at most this many bins … */
export const MAX_WINDOW_BINS = 400;
/** … and this many values in all (≈ 130 KB of JSON at worst, beside the rest of a message kept under 1 MB). */
export const MAX_WINDOW_VALUES = 16_384;

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
    notJudged: a.notJudged,
    warnings: [...a.warnings],
    ...vcpuRows(a, options.maxVcpuRows ?? MAX_VCPU_ROWS),
    matrices: a.vms.map((vm) => boostMatrix(vm, options.maxMatrixVcpus ?? MAX_MATRIX_VCPUS)),
    pleExitsOverTime: series(ple),
    windowOverTime: series(windowMax),
    ...windowSeries(model, rangeStart, rangeEnd, nBins, windowFrom, windowTo),
    episodes: a.episodes.slice(0, maxEpisodes).map((e) => ({ vm: e.vm, vcpu: e.vcpu, startNs: e.startNs, endNs: e.endNs, pleExits: e.pleExits, firstLine: e.firstLine, lastLine: e.lastLine })),
    episodesTotal: a.episodes.length,
  };
}

/** The largest PLE window per bin of each vCPU and each VM with updates in windows rows [from, to) (the most updated first, capped). */
function windowSeries(model: StateModel, rangeStart: number, rangeEnd: number, bins: number, from: number, to: number): Pick<DashboardModel, 'windowPerVcpu' | 'windowPerVm'> {
  const { windows, vcpuLanes } = model;
  const mostUpdated = (keyOf: (lane: number) => string | number) => {
    const counts = new Map<string | number, number>();
    for (let k = from; k < to; k++) counts.set(keyOf(windows.lane[k]), (counts.get(keyOf(windows.lane[k])) ?? 0) + 1);
    return [...counts].sort((p, q) => q[1] - p[1]).slice(0, MAX_WINDOW_SERIES).map(([key]) => key);
  };
  const lanesShown = mostUpdated((lane) => lane);
  const vmsShown = mostUpdated((lane) => vcpuLanes[lane].vm);
  const perSeries = Math.floor(MAX_WINDOW_VALUES / Math.max(1, lanesShown.length + vmsShown.length));
  const binNs = Math.max(1, Math.ceil((rangeEnd - rangeStart + 1) / Math.max(1, Math.min(bins, MAX_WINDOW_BINS, perSeries))));
  const nBins = Math.max(1, Math.ceil((rangeEnd - rangeStart + 1) / binNs));
  const perLane = new Map(lanesShown.map((key) => [key, new Array<number>(nBins).fill(0)]));
  const perVm = new Map(vmsShown.map((key) => [key, new Array<number>(nBins).fill(0)]));
  for (let k = from; k < to; k++) {
    const bin = Math.min(nBins - 1, Math.floor((windows.ts[k] - rangeStart) / binNs));
    for (const values of [perLane.get(windows.lane[k]), perVm.get(vcpuLanes[windows.lane[k]].vm)]) if (values && windows.window[k] > values[bin]) values[bin] = windows.window[k];
  }
  const series = (values: number[]): Series => ({ startNs: rangeStart, binNs, values });
  const lanes = [...perLane.keys()].sort((p, q) => (p as number) - (q as number)) as number[];
  return {
    windowPerVcpu: lanes.map((lane) => ({ vm: vcpuLanes[lane].vm, vcpu: vcpuLanes[lane].vcpu, series: series(perLane.get(lane)!) })),
    windowPerVm: [...perVm].map(([vm, values]) => ({ vm: vm as string, series: series(values) })).sort((p, q) => (p.vm < q.vm ? -1 : p.vm > q.vm ? 1 : 0)),
  };
}

/** Per-vCPU rows: all of them up to `max`, else the busiest by PAUSE exits (in VM and vCPU order) and the rest summed. */
function vcpuRows(a: AnalysisResult, max: number): Pick<DashboardModel, 'vcpus' | 'vcpusOmitted'> {
  const all = a.vms.flatMap((vm) => vm.vcpus.map((v) => ({ vm, v })));
  const keep = new Set(all.length <= max ? all : [...all].sort((p, q) => q.v.pleExits - p.v.pleExits || q.v.spinTimeNs - p.v.spinTimeNs).slice(0, max));
  const omitted = all.filter((x) => !keep.has(x));
  return {
    vcpus: all
      .filter((x) => keep.has(x))
      .map(({ vm, v }) => ({
        vm: vm.id,
        vcpu: v.vcpu,
        comm: v.comm,
        pleExits: v.pleExits,
        spinNs: v.spinTimeNs,
        pleNs: v.pleTimeNs,
        preemptedNs: v.time.preempted,
        preemptedInExitNs: v.preemptedInExitNs,
        ...v.decisions,
      })),
    vcpusOmitted: omitted.length
      ? { count: omitted.length, pleExits: omitted.reduce((n, x) => n + x.v.pleExits, 0), spinNs: omitted.reduce((n, x) => n + x.v.spinTimeNs, 0) }
      : null,
  };
}

/** The boosts between the busiest sources and targets of a VM, the rest summed as "other". */
function boostMatrix(vm: VmSummary, max: number): BoostMatrix {
  const targets = vm.targets ?? [];
  const top = (side: 0 | 1) => {
    const totals = new Map<number, number>();
    for (const t of targets) totals.set(t[side], (totals.get(t[side]) ?? 0) + t[2]);
    const busiest = [...totals].sort((p, q) => q[1] - p[1] || p[0] - q[0]);
    const shown = busiest.slice(0, max).map(([vcpu]) => vcpu).sort((p, q) => p - q);
    return { shown, other: busiest.length > max };
  };
  const rows = top(0);
  const cols = top(1);
  const rowAt = new Map(rows.shown.map((v, i) => [v, i]));
  const colAt = new Map(cols.shown.map((v, i) => [v, i]));
  const labels = (side: { shown: number[]; other: boolean }) => [...side.shown.map((v) => `vCPU ${v}`), ...(side.other ? ['other'] : [])];
  const sources = labels(rows);
  const targetLabels = labels(cols);
  const boosts = sources.map(() => new Array<number>(targetLabels.length).fill(0));
  for (const [src, dst, count] of targets) boosts[rowAt.get(src) ?? rows.shown.length][colAt.get(dst) ?? cols.shown.length] += count;
  return { vm: vm.id, sources, targets: targetLabels, boosts, judged: vm.targets !== null };
}
