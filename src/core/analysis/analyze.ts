// The analysis: one pass over the event store in timestamp order feeds the trackers (vCPU
// state, pCPU runs, exits, PAUSE exits and episodes, yield decisions, IPIs, PLE window,
// probes), which fill the interval and event tables of the state model; the result of any
// time range is then assembled from those tables (rangeAnalysis.ts), so that the whole trace
// and a range are read the same way and adjacent ranges add up.

import { EventKind, PrevState, type EventStore } from '../trace/model';
import { isPauseExitReason } from './sites';
import { DEFAULT_ANALYSIS_OPTIONS, VcpuState, type AnalysisOptions, type AnalysisResult, type Episode } from './result';
import type { CpuLane, DecisionColumns, ExitColumns, IntervalColumns, IpiColumns, TimelineTables, WindowColumns } from './tables';
import { Lanes } from './trackers/lanes';
import { VcpuStateTracker } from './trackers/vcpuState';
import { CpuRunTracker } from './trackers/cpuRuns';
import { ExitTracker } from './trackers/exitLatency';
import { PauseExitTracker } from './trackers/pauseExits';
import { DecisionTracker } from './trackers/decisions';
import { IpiTracker, type IpiSendColumns } from './trackers/ipis';
import { PleWindowTracker } from './trackers/pleWindow';
import { GUEST_MODE_PROBE, ProbeTracker, YIELD_PROBE, type ProbeColumns } from './trackers/probes';
import { analyzeModelRange } from './rangeAnalysis';
import { ReasonClass } from './reasonClass';
import { stateEventsOf, takeCensus, type TraceCensus } from './census';
import type { TraceContents } from './judgement';

export * from './result';

/** What the one pass leaves behind: the tables every range request and view reads. */
export interface StateModel extends TimelineTables {
  store: EventStore;
  options: AnalysisOptions;
  lanesInfo: Lanes;
  exits: ExitColumns;
  windows: WindowColumns;
  probes: ProbeColumns;
  ipiSends: IpiSendColumns;
  episodes: Episode[];
  /** Store rows in timestamp order (null: the store is already in order). */
  order: Uint32Array | null;
  /** What the trace holds, for what can be judged. */
  seen: TraceContents;
  /** Warnings about the whole trace (vCPU mapping, order, missing events, lost events). */
  warnings: string[];
}

export function analyze(store: EventStore, options: Partial<AnalysisOptions> = {}): AnalysisResult {
  const model = buildStateModel(store, options);
  return analyzeModelRange(model, options.range?.startNs ?? -Infinity, options.range?.endNs ?? Infinity);
}

/**
 * Each table's rows (or an upper bound), from the census: per vCPU lane the events that can
 * change its state, per pCPU its runs, so that the interval tables are laid out by lane before
 * the pass.
 */
function capacities(census: TraceCensus, lanes: Lanes) {
  // A lane counts its thread's events when the look-up by thread id finds that lane (as the loop's).
  const statesOfLane = Uint32Array.from(lanes.lanes, (l, lane) => (lanes.ofTid(l.tid) === lane ? stateEventsOf(census, l.tid) : 0));
  const perKind = census.perKind;
  return {
    statesOfLane,
    runsOfCpu: census.runsOfCpu,
    exits: perKind[EventKind.KvmExit],
    pauseExits: census.pauseExits,
    windows: perKind[EventKind.PleWindow],
    switches: perKind[EventKind.SchedSwitch],
    wakeups: perKind[EventKind.SchedWakeup] + perKind[EventKind.SchedWaking] + perKind[EventKind.SchedWakeupNew],
    ipiEvents: perKind[EventKind.ApicIpi],
  };
}

/**
 * The one pass: every row, in timestamp order, to the trackers that need it. `census`: the
 * store's census when the importer took it (a parallel import counts each part on its thread).
 */
export function buildStateModel(store: EventStore, options: Partial<AnalysisOptions> = {}, census: TraceCensus = takeCensus(store)): StateModel {
  if (census.rows !== store.length) throw new Error(`the census counts ${census.rows} rows, the store holds ${store.length}`);
  const opts = { ...DEFAULT_ANALYSIS_OPTIONS, ...options };
  delete opts.range;
  const lanes = new Lanes(store, census);
  const pauseReason = new ReasonClass(store, isPauseExitReason);
  const haltReason = new ReasonClass(store, (r) => /^hlt$/i.test(r));
  const cap = capacities(census, lanes);
  const hasYieldProbes = store.strings.strings.some((name) => YIELD_PROBE.test(name));
  const pause = new PauseExitTracker(lanes, opts, store.ts, store.line);
  const states = new VcpuStateTracker(lanes, cap.statesOfLane, pause.inPauseExit, opts.boostWindowNs, store.ts);
  pause.attach(states);
  const cpus = new CpuRunTracker(lanes, cap.runsOfCpu, store.ts);
  const exits = new ExitTracker(lanes.count, cap.exits);
  const ipis = new IpiTracker(lanes, store.ts);
  const decisions = new DecisionTracker(lanes, states, ipis, opts, { hasYieldProbes, judgesOutcomes: hasYieldProbes || cap.switches > 0 }, cap.pauseExits, store.ts);
  const windows = new PleWindowTracker(cap.windows, store.ts);
  const probes = new ProbeTracker();

  const order = store.outOfOrder > 0 ? store.order() : null;
  const n = store.length;
  // The columns as locals: the trackers' calls in between would make V8 reload them from the store per use.
  const { ts: tsOf, cpu: cpuOf, tid, kind, a, b, c, x, y } = store;
  const isPauseReason = pauseReason.byId;
  const isHaltReason = haltReason.byId;
  // The lane look-up inlined (dense table; the Map only for tids past it).
  const dense = lanes.byTid;
  const laneOf = (t: number) => (t >>> 0 < dense.length ? dense[t] : lanes.ofTid(t));
  for (let k = 0; k < n; k++) {
    const i = order ? order[k] : k;
    const ts = tsOf[i];
    const cpu = cpuOf[i];
    if (cpus.unseen > 0) cpus.onEvent(cpu, tid[i], i);
    switch (kind[i]) {
      case EventKind.KvmExit: {
        const t = tid[i];
        const lane = t >>> 0 < dense.length ? dense[t] : lanes.ofTid(t); // laneOf by hand: the commonest kinds, where a call per event shows
        if (lane < 0) break;
        const reason = b[i];
        const isPause = isPauseReason[reason] === 1;
        exits.onExit(lane, i);
        if (states.state[lane] === VcpuState.Guest) ipis.onGuestLeft(lane);
        pause.beginExit(lane, isPause);
        states.set(lane, VcpuState.Host, k, cpu, i);
        if (isPause) {
          pause.onPauseExit(lane, i);
          decisions.onPauseExit(lane, k, i, pause.isChainStart(lane));
        } else if (isHaltReason[reason] === 1) pause.onHaltExit(lane);
        break;
      }
      case EventKind.KvmEntry: {
        const t = tid[i];
        const lane = t >>> 0 < dense.length ? dense[t] : lanes.ofTid(t);
        if (lane < 0) break;
        exits.onEntry(lane, ts);
        decisions.onPick(cpu, null, i);
        decisions.onEntry(lane, i);
        pause.onEntry(lane, i);
        states.set(lane, VcpuState.Guest, k, cpu, i);
        pause.onGuestInterval(lane, states.open[lane]);
        break;
      }
      case EventKind.SchedSwitch: {
        cpus.onSwitch(cpu, c[i], i);
        decisions.onPick(cpu, c[i], i);
        const prev = laneOf(a[i]);
        const next = laneOf(c[i]);
        if (prev >= 0) {
          decisions.noteCpu(prev, cpu);
          decisions.onSwitchOut(prev, pause.inPauseExit[prev] === 1);
          const runnable = (b[i] & 3) === PrevState.Runnable;
          states.set(prev, runnable ? VcpuState.Preempted : VcpuState.Halted, k, -1, i);
        }
        if (next >= 0) {
          decisions.onSwitchIn(next, i);
          states.set(next, VcpuState.Host, k, cpu, i);
        }
        break;
      }
      case EventKind.SchedWakeup:
      case EventKind.SchedWaking:
      case EventKind.SchedWakeupNew: {
        const lane = laneOf(a[i]);
        if (lane >= 0 && states.state[lane] === VcpuState.Halted) {
          decisions.noteCpu(lane, b[i]);
          states.set(lane, VcpuState.Woken, k, -1, i);
        }
        break;
      }
      case EventKind.ApicIpi: {
        const sender = laneOf(tid[i]);
        if (sender >= 0) {
          ipis.onIpi(sender, a[i], c[i], i);
          decisions.onIpiSent(sender);
        }
        break;
      }
      case EventKind.VcpuWakeup: {
        const lane = laneOf(tid[i]);
        if (lane >= 0) decisions.onVcpuWakeup(lane);
        break;
      }
      case EventKind.PleWindow: {
        const lane = laneOf(tid[i]);
        if (lane >= 0) windows.onUpdate(lane, i, b[i] === 1, y[i]);
        break;
      }
      case EventKind.Probe: {
        probes.onProbe(i);
        const lane = laneOf(tid[i]);
        if (lane < 0) break;
        const name = store.strings.get(a[i]);
        if (YIELD_PROBE.test(name)) decisions.onYieldProbe(lane, b[i] === 1, x[i]);
        else if (name === GUEST_MODE_PROBE) decisions.onGuestModeProbe(lane, x[i]);
        break;
      }
      default:
        break;
    }
  }

  const startNs = n ? store.ts[order ? order[0] : 0] : 0;
  const endNs = n ? store.ts[order ? order[n - 1] : n - 1] : 0;
  const vcpuStates: IntervalColumns = states.finish(endNs);
  const { cpuLanes, cpuRuns }: { cpuLanes: CpuLane[]; cpuRuns: IntervalColumns } = cpus.finish(endNs);
  const decisionTable: DecisionColumns = decisions.finish();
  const { ipis: ipiTable, ipiSends }: { ipis: IpiColumns; ipiSends: IpiSendColumns } = ipis.finish();
  const seen = { switches: cap.switches, wakeups: cap.wakeups, ipiEvents: cap.ipiEvents, windowEvents: cap.windows, hasYieldProbes, hasGuestModeProbe: store.strings.lookup(GUEST_MODE_PROBE) !== undefined };
  return {
    store,
    options: opts,
    lanesInfo: lanes,
    vcpuLanes: lanes.lanes,
    cpuLanes,
    vcpuStates,
    cpuRuns,
    decisions: decisionTable,
    ipis: ipiTable,
    ipiSends,
    exits: exits.finish(),
    windows: windows.finish(),
    probes: probes.finish(),
    episodes: pause.finish(),
    startNs,
    endNs,
    order,
    seen,
    warnings: traceWarnings(store, lanes),
  };
}

function traceWarnings(store: EventStore, lanes: Lanes): string[] {
  const warnings = [...lanes.map.warnings];
  if (store.outOfOrder > 0) {
    warnings.push(
      `${store.outOfOrder} event(s) had a timestamp earlier than the event before (first at line ${store.firstOutOfOrderLine}); they were analysed in timestamp order`,
    );
  }
  return warnings;
}
