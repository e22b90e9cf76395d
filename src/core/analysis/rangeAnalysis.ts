// The assembly of an analysis over a time range from the state model's tables. Instants
// (exits, decisions, IPIs, window updates, probes, episodes) count in the range that holds
// their timestamp, half-open [start, end) so that adjacent ranges add up; intervals (vCPU
// states) count by their overlap with the range. A decision's outcome was resolved in the
// one pass, with everything after it, so a range never judges it from a cold start.

import type { StateModel } from './analyze';
import { isPauseExitReason, siteOfProbe } from './sites';
import { VcpuState, type AnalysisResult, type BoostTarget, type DecisionOutcomes, type ProblemCounts, type VcpuSummary, type VmSummary } from './result';
import { DECISION_OUTCOMES, IntervalFlag, ProblemFlag } from './tables';
import { firstIntervalEndingAfter, rowsIn } from './timeIndex';
import { judged, notJudged } from './judgement';
import { ExitTimeStats, exitStatsTable } from './exitStats';

type Counts<T> = { [K in keyof T]: number };
type Outcomes = Counts<DecisionOutcomes>;
const emptyOutcomes = (): Outcomes => ({ boostedRan: 0, boostedNotRun: 0, esrch: 0, notBoosted: 0, noCandidate: 0 });

/** Each outcome, or null where the trace cannot judge it. */
const judgedOutcomes = (o: Outcomes, reasons: Record<string, string>): DecisionOutcomes => ({
  boostedRan: judged(reasons, 'decisions.boostedRan', o.boostedRan),
  boostedNotRun: judged(reasons, 'decisions.boostedNotRun', o.boostedNotRun),
  esrch: judged(reasons, 'decisions.esrch', o.esrch),
  notBoosted: judged(reasons, 'decisions.notBoosted', o.notBoosted),
  noCandidate: judged(reasons, 'decisions.noCandidate', o.noCandidate),
});

interface LaneFigures {
  time: Float64Array;
  pleTimeNs: number;
  spinTimeNs: number;
  preemptedInExitNs: number;
  kvmExits: number;
  pleExits: number;
  haltExits: number;
  exitReasons: Map<number, number>;
  /** Exit time per reason id (exits with their kvm_entry only). */
  exitTimes: Map<number, ExitTimeStats>;
  decisions: Outcomes;
  episodes: number;
  ipisSent: number;
  window: { grows: number; shrinks: number; last: number | null; max: number | null };
}

const newLaneFigures = (): LaneFigures => ({
  time: new Float64Array(6),
  pleTimeNs: 0,
  spinTimeNs: 0,
  preemptedInExitNs: 0,
  kvmExits: 0,
  pleExits: 0,
  haltExits: 0,
  exitReasons: new Map(),
  exitTimes: new Map(),
  decisions: emptyOutcomes(),
  episodes: 0,
  ipisSent: 0,
  window: { grows: 0, shrinks: 0, last: null, max: null },
});

/**
 * The analysis of [startNs, endNs) (the end is inclusive when it reaches the end of the
 * trace); ±Infinity bounds mean the trace's own.
 */
export function analyzeModelRange(model: StateModel, startNs: number, endNs: number): AnalysisResult {
  const { store } = model;
  const lo = startNs <= model.startNs ? -Infinity : startNs;
  const hi = endNs >= model.endNs ? Infinity : endNs;
  const lanes = model.lanesInfo;
  const figures = lanes.lanes.map(newLaneFigures);
  const reasons = notJudged(model.seen);

  addStateTime(model, figures, lo, hi);
  const totals = addExits(model, figures, lo, hi);
  const { decisions, problems, yieldAttempts, boosts, targets } = addDecisions(model, figures, lo, hi);
  const targetsByVm = sparseTargets(model, targets);

  const [ipiFrom, ipiTo] = rowsIn(model.ipiSends.count, (i) => store.ts[model.ipiSends.row[i]], lo, hi);
  for (let i = ipiFrom; i < ipiTo; i++) figures[model.ipiSends.lane[i]].ipisSent++;

  const w = model.windows;
  const [wFrom, wTo] = rowsIn(w.count, (i) => w.ts[i], lo, hi);
  for (let i = wFrom; i < wTo; i++) {
    const win = figures[w.lane[i]].window;
    if (w.grow[i]) win.grows++;
    else win.shrinks++;
    win.last = w.window[i];
    if (win.max === null || w.window[i] > win.max) win.max = w.window[i];
  }

  const probes = new Map<string, number>();
  const sites = new Map<string, number>();
  const [pFrom, pTo] = rowsIn(model.probes.count, (i) => store.ts[model.probes.row[i]], lo, hi);
  for (let k = pFrom; k < pTo; k++) {
    const i = model.probes.row[k];
    const name = store.strings.get(store.a[i]);
    probes.set(name, (probes.get(name) ?? 0) + 1);
    const site = siteOfProbe(name, store.b[i] === 1, store.x[i]);
    if (site) sites.set(site, (sites.get(site) ?? 0) + 1);
  }

  const [eFrom, eTo] = rowsIn(model.episodes.length, (i) => model.episodes[i].startNs, lo, hi);
  const episodes = model.episodes.slice(eFrom, eTo);
  for (const e of episodes) figures[lanes.ofTid(e.tid)].episodes++;

  const order = model.order;
  const [rowFrom, rowTo] = rowsIn(store.length, (k) => store.ts[order ? order[k] : k], lo, hi);

  const vms: VmSummary[] = lanes.map.vms.map((vm) => {
    const vmLanes = lanes.ofVm[vm.index];
    const vmExitTimes = new Map<string, ExitTimeStats>();
    for (const lane of vmLanes) {
      for (const [id, stats] of figures[lane].exitTimes) {
        const name = store.strings.get(id);
        let merged = vmExitTimes.get(name);
        if (!merged) vmExitTimes.set(name, (merged = new ExitTimeStats()));
        merged.merge(stats);
      }
    }
    const vcpus = vmLanes.map((lane) => vcpuSummary(model, lane, figures[lane], reasons));
    return { id: vm.id, tgid: vm.tgid, name: vm.name, vcpus, exitStats: exitStatsTable(vmExitTimes), targets: judged(reasons, 'targets', targetsByVm[vm.index]) };
  });

  // A range beside the trace is empty (never a negative duration).
  const rangeEnd = Math.max(model.startNs, hi === Infinity ? model.endNs : Math.min(model.endNs, hi));
  const rangeStart = Math.min(rangeEnd, lo === -Infinity ? model.startNs : Math.max(model.startNs, lo));
  const lostEvents = store.lost.reduce((sum, l) => sum + Math.max(0, l.count), 0);
  const inference: AnalysisResult['inference'] =
    totals.pleExits === 0 ? 'not judged' : model.seen.hasYieldProbes ? 'yield_to probes' : model.seen.switches > 0 ? 'inferred from sched_switch' : 'not judged';
  return {
    startNs: rangeStart,
    endNs: rangeEnd,
    durationNs: rangeEnd - rangeStart,
    vms,
    totals: {
      events: rowTo - rowFrom,
      kvmExits: totals.kvmExits,
      pleExits: totals.pleExits,
      yieldAttempts: judged(reasons, 'totals.yieldAttempts', yieldAttempts),
      boosts: judged(reasons, 'totals.boosts', boosts),
      lostEvents,
      ipis: judged(reasons, 'totals.ipis', ipiTo - ipiFrom),
      episodes: episodes.length,
    },
    decisions: judgedOutcomes(decisions, reasons),
    problems: {
      schedulerMismatch: judged(reasons, 'problems.schedulerMismatch', problems.schedulerMismatch),
      lostOpportunity: judged(reasons, 'problems.lostOpportunity', problems.lostOpportunity),
      overboost: judged(reasons, 'problems.overboost', problems.overboost),
    },
    inference,
    episodes,
    sites: Object.fromEntries(sites),
    probes: Object.fromEntries(probes),
    vmGrouping: lanes.map.grouping,
    notJudged: reasons,
    warnings: rangeWarnings(model, totals.pleExits),
  };
}

/** State time per vCPU: each lane's intervals overlapping [lo, hi), clipped to it. */
function addStateTime(model: StateModel, figures: LaneFigures[], lo: number, hi: number): void {
  const t = model.vcpuStates;
  for (let lane = 0; lane < figures.length; lane++) {
    const last = t.laneStart[lane + 1];
    const f = figures[lane];
    for (let i = firstIntervalEndingAfter(t, lane, lo); i < last && t.startNs[i] < hi; i++) {
      const ns = Math.min(t.endNs[i], hi) - Math.max(t.startNs[i], lo);
      if (!(ns > 0)) continue;
      f.time[t.state[i]] += ns;
      const flags = t.flags[i];
      if (flags & IntervalFlag.Spin) f.spinTimeNs += ns;
      if (flags & IntervalFlag.InPauseExit) {
        f.pleTimeNs += ns;
        if (t.state[i] === VcpuState.Preempted) f.preemptedInExitNs += ns;
      }
    }
  }
}

function addExits(model: StateModel, figures: LaneFigures[], lo: number, hi: number) {
  const { store, exits } = model;
  const totals = { kvmExits: 0, pleExits: 0 };
  // Reasons are few: each gets a slot, in order of first appearance, and is counted per lane in
  // one typed array by (lane, slot), not in a map per exit.
  const slotOfId = new Int32Array(store.strings.strings.length).fill(-1);
  const idOfSlot: number[] = [];
  const [from, to] = rowsIn(exits.count, (i) => store.ts[exits.row[i]], lo, hi);
  const slotOfExit = new Int32Array(to - from);
  for (let k = from; k < to; k++) {
    const reason = store.b[exits.row[k]];
    let slot = slotOfId[reason];
    if (slot < 0) {
      slot = slotOfId[reason] = idOfSlot.length;
      idOfSlot.push(reason);
    }
    slotOfExit[k - from] = slot;
  }
  const slots = idOfSlot.length;
  const counts = new Float64Array(figures.length * slots);
  const times: (ExitTimeStats | undefined)[] = new Array(figures.length * slots);
  for (let k = from; k < to; k++) {
    const cell = exits.lane[k] * slots + slotOfExit[k - from];
    counts[cell]++;
    const end = exits.endNs[k];
    if (end === end) (times[cell] ??= new ExitTimeStats()).add(end - store.ts[exits.row[k]]);
  }
  const isPause = idOfSlot.map((id) => isPauseExitReason(store.strings.get(id)));
  const isHalt = idOfSlot.map((id) => /^hlt$/i.test(store.strings.get(id)));
  figures.forEach((f, lane) => {
    for (let slot = 0; slot < slots; slot++) {
      const n = counts[lane * slots + slot];
      if (n === 0) continue;
      const id = idOfSlot[slot];
      f.exitReasons.set(id, n);
      f.kvmExits += n;
      if (isPause[slot]) f.pleExits += n;
      if (isHalt[slot]) f.haltExits += n;
      const stats = times[lane * slots + slot];
      if (stats) f.exitTimes.set(id, stats);
    }
    totals.kvmExits += f.kvmExits;
    totals.pleExits += f.pleExits;
  });
  return totals;
}

function addDecisions(model: StateModel, figures: LaneFigures[], lo: number, hi: number) {
  const d = model.decisions;
  const problems: Counts<ProblemCounts> = { schedulerMismatch: 0, lostOpportunity: 0, overboost: 0 };
  /** Boosts whose target ran, by spinner lane × lane count + target lane. */
  const targets = new Map<number, number>();
  let yieldAttempts = 0;
  const laneCount = figures.length;
  const outcomes = DECISION_OUTCOMES.length;
  // Per lane, per outcome code: a typed-array increment (an outcome's name as a key was a keyed property look-up twice per decision).
  const byLane = new Float64Array(laneCount * outcomes);
  const [from, to] = rowsIn(d.count, (i) => d.ts[i], lo, hi);
  for (let i = from; i < to; i++) {
    const code = d.outcome[i];
    yieldAttempts += d.attempts[i];
    if (d.targetLane[i] >= 0) {
      const key = d.spinnerLane[i] * laneCount + d.targetLane[i];
      targets.set(key, (targets.get(key) ?? 0) + 1);
    }
    if (code >= outcomes) continue;
    byLane[d.spinnerLane[i] * outcomes + code]++;
    const p = d.problems[i];
    if (p & ProblemFlag.SchedulerMismatch) problems.schedulerMismatch++;
    if (p & ProblemFlag.LostOpportunity) problems.lostOpportunity++;
    if (p & ProblemFlag.Overboost) problems.overboost++;
  }
  const decisions = emptyOutcomes();
  figures.forEach((f, lane) =>
    DECISION_OUTCOMES.forEach((outcome, code) => {
      const n = byLane[lane * outcomes + code];
      f.decisions[outcome] += n;
      decisions[outcome] += n;
    }),
  );
  const boosts = decisions.boostedRan + decisions.boostedNotRun;
  return { decisions, problems, yieldAttempts, boosts, targets };
}

/** Boost counts by (spinner lane, target lane) key, per VM as [source vCPU, target vCPU, count], most first. */
function sparseTargets(model: StateModel, targets: Map<number, number>): BoostTarget[][] {
  const lanes = model.lanesInfo;
  const byVm: BoostTarget[][] = lanes.map.vms.map(() => []);
  for (const [key, count] of targets) {
    const src = Math.floor(key / lanes.count);
    const dst = key % lanes.count;
    byVm[lanes.vmOf[src]].push([lanes.lanes[src].vcpu, lanes.lanes[dst].vcpu, count]);
  }
  for (const list of byVm) list.sort((p, q) => q[2] - p[2] || p[0] - q[0] || p[1] - q[1]);
  return byVm;
}

function vcpuSummary(model: StateModel, lane: number, f: LaneFigures, reasons: Record<string, string>): VcpuSummary {
  const thread = model.lanesInfo.threads[lane];
  const exitReasons: Record<string, number> = {};
  for (const [id, n] of [...f.exitReasons].sort((p, q) => q[1] - p[1])) exitReasons[model.store.strings.get(id)] = n;
  return {
    vcpu: thread.vcpu,
    tid: thread.tid,
    comm: thread.comm,
    vcpuSource: thread.vcpuSource,
    kvmExits: f.kvmExits,
    pleExits: f.pleExits,
    haltExits: f.haltExits,
    exitReasons,
    exitStats: exitStatsTable(new Map([...f.exitTimes].map(([id, stats]) => [model.store.strings.get(id), stats]))),
    time: {
      guest: f.time[VcpuState.Guest],
      host: f.time[VcpuState.Host],
      preempted: judged(reasons, 'vcpus.time.preempted', f.time[VcpuState.Preempted]),
      halted: judged(reasons, 'vcpus.time.halted', f.time[VcpuState.Halted]),
      woken: judged(reasons, 'vcpus.time.woken', f.time[VcpuState.Woken]),
    },
    pleTimeNs: f.pleTimeNs,
    spinTimeNs: f.spinTimeNs,
    preemptedInExitNs: judged(reasons, 'vcpus.preemptedInExitNs', f.preemptedInExitNs),
    episodes: f.episodes,
    ipisSent: judged(reasons, 'vcpus.ipisSent', f.ipisSent),
    window: judged(reasons, 'vcpus.window', f.window),
    decisions: judgedOutcomes(f.decisions, reasons),
  };
}

/** What could not be judged, and why. */
function rangeWarnings(model: StateModel, pleExits: number): string[] {
  const { seen, store } = model;
  const hasVcpus = model.vcpuLanes.length > 0;
  const warnings = [...model.warnings];
  if (!hasVcpus) warnings.push('no vCPU threads: the trace has no kvm_exit or kvm_entry events');
  else if (pleExits === 0) warnings.push('no PAUSE exits (kvm_exit reason PAUSE_INSTRUCTION or pause): nothing spun long enough to trigger pause-loop exiting, or PLE is off');
  if (seen.switches === 0 && hasVcpus) {
    warnings.push('no sched_switch events: vCPU states, yield outcomes and the three problems cannot be judged (record sched:sched_switch and sched:sched_wakeup)');
  } else if (!seen.hasYieldProbes && pleExits > 0) {
    warnings.push(
      'yield decisions are inferred from scheduler events (a spinner that gave up its CPU after a PAUSE exit boosted someone; a ready sibling that ran within the window was the target); add yield_to entry/return probes for observed outcomes',
    );
  }
  if (seen.wakeups === 0 && seen.switches > 0) warnings.push('no sched_wakeup events: vCPUs woken from halt cannot be told apart, so overboost is not judged');
  if (seen.ipiEvents === 0 && pleExits > 0) warnings.push('no kvm_apic_ipi events: IPI senders and receivers are unknown, so lost opportunity and overboost are not judged');
  if (store.lost.length > 0) {
    warnings.push(
      `the recorder lost events ${store.lost.length} time(s) (${store.lostEventsText()} events counted; first at line ${store.lost[0].line}): timelines around those points may be wrong`,
    );
  }
  return warnings;
}
