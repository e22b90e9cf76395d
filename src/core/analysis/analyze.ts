// One pass over the event store in timestamp order: per-vCPU state timeline, PAUSE exits,
// continuous-PLE episodes, PLE window history, yield decisions with their outcomes, and the
// three problems of the seed talk (scheduler mismatch, lost opportunity, overboost) as far
// as the events allow. Every count that is inferred rather than observed says so in
// `inference` and `warnings`.

import { EventKind, PrevState, type EventStore } from '../trace/model';
import { mapVcpus, type VcpuThread } from './vcpuMap';
import { isPauseExitReason, siteOfProbe } from './sites';

export interface AnalysisOptions {
  /** Two PAUSE exits of one vCPU belong to one continuous-PLE episode when the vCPU spent at most this long in the guest between them (and did not halt). */
  episodeMaxGuestGapNs: number;
  /** An episode has at least this many PAUSE exits. */
  episodeMinExits: number;
  /** A ready sibling that starts running this soon after a PAUSE exit (and before the spinner's next one) counts as the yield's target. */
  boostWindowNs: number;
  /** Only events in [startNs, endNs] are analysed (a time-range selection). */
  range?: { startNs: number; endNs: number };
}

export const DEFAULT_ANALYSIS_OPTIONS: AnalysisOptions = {
  episodeMaxGuestGapNs: 100_000,
  episodeMinExits: 3,
  boostWindowNs: 1_000_000,
};

/** vCPU states of the timeline. */
export const VcpuState = { Unknown: 0, Guest: 1, Host: 2, Preempted: 3, Halted: 4, Woken: 5 } as const;
export type VcpuState = (typeof VcpuState)[keyof typeof VcpuState];
export const VCPU_STATE_NAMES = ['unknown', 'guest', 'host', 'preempted', 'halted', 'woken'] as const;

export type DecisionOutcome = 'boostedRan' | 'boostedNotRun' | 'esrch' | 'notBoosted' | 'noCandidate';

export interface DecisionOutcomes {
  /** A ready sibling was boosted and ran within the boost window. */
  boostedRan: number;
  /** A boost was made (yield_to > 0, or the spinner gave up its CPU) but no ready sibling ran: the scheduler ignored it. */
  boostedNotRun: number;
  /** yield_to returned -ESRCH (probes only). */
  esrch: number;
  /** Ready siblings existed but none was boosted (filtered, not eligible, yield_to returned 0, or -ESRCH without probes). */
  notBoosted: number;
  /** No sibling was ready: nothing to boost. */
  noCandidate: number;
}

export interface VcpuSummary {
  vcpu: number;
  tid: number;
  comm: string;
  vcpuSource: VcpuThread['vcpuSource'];
  kvmExits: number;
  pleExits: number;
  haltExits: number;
  exitReasons: Record<string, number>;
  /** Nanoseconds in each timeline state. */
  time: { guest: number; host: number; preempted: number; halted: number; woken: number };
  /** Time handling PAUSE exits, kvm_exit to the next kvm_entry (perf kvm stat's definition). */
  pleTimeNs: number;
  /** PAUSE-exit time plus guest time between back-to-back PAUSE exits of an episode. */
  spinTimeNs: number;
  episodes: number;
  ipisSent: number;
  window: { grows: number; shrinks: number; last: number; max: number };
  decisions: DecisionOutcomes;
}

export interface VmSummary {
  id: string;
  tgid: number;
  name: string;
  vcpus: VcpuSummary[];
  /** boosts[i][j]: decisions of vCPU i whose target was vCPU j (by position in vcpus). */
  targetMatrix: number[][];
}

export interface Episode {
  vm: string;
  vcpu: number;
  tid: number;
  startNs: number;
  endNs: number;
  pleExits: number;
  firstLine: number;
  lastLine: number;
}

export interface ProblemCounts {
  schedulerMismatch: number;
  lostOpportunity: number;
  overboost: number;
}

export interface AnalysisResult {
  startNs: number;
  endNs: number;
  durationNs: number;
  vms: VmSummary[];
  totals: {
    events: number;
    kvmExits: number;
    pleExits: number;
    yieldAttempts: number;
    boosts: number;
    lostEvents: number;
    ipis: number;
    episodes: number;
  };
  decisions: DecisionOutcomes;
  problems: ProblemCounts;
  /** Where decision outcomes and problems come from. */
  inference: 'yield_to probes' | 'inferred from sched_switch' | 'not judged';
  episodes: Episode[];
  /** Counts per KVM site (DESIGN.md site names) where probes observed them. */
  sites: Record<string, number>;
  /** Every probe event by name, including line probes. */
  probes: Record<string, number>;
  vmGrouping: string;
  warnings: string[];
}

interface Decision {
  spinner: VcpuRuntime;
  ts: number;
  /** Ready siblings at the moment of the exit and whether each was woken from halt (not preempted). */
  candidates: VcpuRuntime[];
  /** The candidates that were woken from halt (ready but not preempted). */
  woken: Set<VcpuRuntime>;
  pendingIpiReceivers: VcpuRuntime[];
  target: VcpuRuntime | null;
  targetRan: boolean;
  spinnerSwitchedOut: boolean;
  probeAttempts: number;
  probeResult: number; // NaN when no yield_to return was seen
  probeTargetTid: number;
  closed: boolean;
}

interface VcpuRuntime {
  thread: VcpuThread;
  vmIndex: number;
  state: VcpuState;
  since: number;
  time: Float64Array;
  kvmExits: number;
  pleExits: number;
  haltExits: number;
  exitReasons: Map<number, number>;
  inPauseExit: boolean;
  pauseExitStart: number;
  pleTimeNs: number;
  spinTimeNs: number;
  // continuous-PLE chain
  chainExits: number;
  chainStart: number;
  chainFirstLine: number;
  chainLastLine: number;
  chainLastExitEnd: number;
  chainBroken: boolean;
  chainPendingGuestNs: number;
  guestSince: number;
  episodes: number;
  ipisSent: number;
  /** Senders whose IPI this vCPU has not yet taken (it has not entered the guest since). */
  ipiFrom: Set<VcpuRuntime>;
  grows: number;
  shrinks: number;
  lastWindow: number;
  maxWindow: number;
  decisions: DecisionOutcomes;
  open: Decision | null;
  targets: Map<VcpuRuntime, number>;
}

function emptyOutcomes(): DecisionOutcomes {
  return { boostedRan: 0, boostedNotRun: 0, esrch: 0, notBoosted: 0, noCandidate: 0 };
}

const ESRCH = -3;
const YIELD_PROBE = /^(kvm_vcpu_)?yield_to(__return)?$/;

export function analyze(store: EventStore, options: Partial<AnalysisOptions> = {}): AnalysisResult {
  const opts = { ...DEFAULT_ANALYSIS_OPTIONS, ...options };
  const map = mapVcpus(store);
  const warnings = [...map.warnings];
  const runtimes = new Map<number, VcpuRuntime>();
  const byVm: VcpuRuntime[][] = map.vms.map(() => []);
  for (const vm of map.vms) {
    for (const t of vm.vcpus) {
      const rt = newRuntime(t);
      runtimes.set(t.tid, rt);
      byVm[vm.index].push(rt);
    }
  }
  const vcpuById = (vmIndex: number, id: number) => byVm[vmIndex].find((r) => r.thread.vcpu === id);

  // Rows in timestamp order: a permutation only when the file was out of order.
  const order = store.outOfOrder > 0 ? store.order() : null;
  const rowCount = store.length;
  // vCPU by thread id through a dense table: a Map lookup per event is the loop's main cost.
  let maxTid = 0;
  for (const tid of runtimes.keys()) if (tid > maxTid) maxTid = tid;
  const byTid: (VcpuRuntime | undefined)[] = new Array(maxTid + 1);
  for (const [tid, rt] of runtimes) byTid[tid] = rt;
  const vcpuOf = (tid: number) => (tid >= 0 && tid <= maxTid ? byTid[tid] : undefined);
  if (store.outOfOrder > 0) {
    warnings.push(
      `${store.outOfOrder} event(s) had a timestamp earlier than the event before (first at line ${store.firstOutOfOrderLine}); they were analysed in timestamp order`,
    );
  }
  const firstNs = rowCount ? store.ts[order ? order[0] : 0] : 0;
  const lastNs = rowCount ? store.ts[order ? order[rowCount - 1] : rowCount - 1] : 0;
  const startNs = options.range ? Math.max(firstNs, options.range.startNs) : firstNs;
  const endNs = options.range ? Math.min(lastNs, options.range.endNs) : lastNs;

  const reasonIsPause = new Map<number, boolean>();
  const reasonIsHalt = new Map<number, boolean>();
  const isPause = (id: number) => {
    let v = reasonIsPause.get(id);
    if (v === undefined) reasonIsPause.set(id, (v = isPauseExitReason(store.strings.get(id))));
    return v;
  };
  const isHalt = (id: number) => {
    let v = reasonIsHalt.get(id);
    if (v === undefined) reasonIsHalt.set(id, (v = /^hlt$/i.test(store.strings.get(id))));
    return v;
  };

  const totals = { kvmExits: 0, pleExits: 0, ipis: 0 };
  const decisions = emptyOutcomes();
  const problems: ProblemCounts = { schedulerMismatch: 0, lostOpportunity: 0, overboost: 0 };
  const episodes: Episode[] = [];
  const probes = new Map<string, number>();
  const sites = new Map<string, number>();
  // Decided before the pass, so that decisions before the first probe event are judged the same way.
  const hasYieldProbes = store.strings.strings.some((name) => YIELD_PROBE.test(name));
  let switches = 0;
  let wakeups = 0;
  let ipiEvents = 0;
  let yieldAttempts = 0;
  let boosts = 0;
  const openDecisions: Decision[][] = map.vms.map(() => []);

  const setState = (rt: VcpuRuntime, state: VcpuState, ts: number) => {
    if (rt.state !== VcpuState.Unknown && ts > rt.since) rt.time[rt.state] += ts - rt.since;
    if (rt.state === VcpuState.Guest && ts > rt.guestSince) rt.chainPendingGuestNs += ts - rt.guestSince;
    rt.state = state;
    rt.since = ts;
    if (state === VcpuState.Guest) rt.guestSince = ts;
  };

  const closeEpisode = (rt: VcpuRuntime) => {
    if (rt.chainExits >= opts.episodeMinExits) {
      rt.episodes++;
      episodes.push({
        vm: map.vms[rt.vmIndex].id,
        vcpu: rt.thread.vcpu,
        tid: rt.thread.tid,
        startNs: rt.chainStart,
        endNs: rt.chainLastExitEnd,
        pleExits: rt.chainExits,
        firstLine: rt.chainFirstLine,
        lastLine: rt.chainLastLine,
      });
    }
    rt.chainExits = 0;
  };

  const closeDecision = (d: Decision) => {
    if (d.closed) return;
    d.closed = true;
    const rt = d.spinner;
    const list = openDecisions[rt.vmIndex];
    const at = list.indexOf(d);
    if (at >= 0) list.splice(at, 1);
    if (rt.open === d) rt.open = null;
    let outcome: DecisionOutcome;
    if (hasYieldProbes) {
      // Observed: yield_to's return value says what KVM achieved.
      if (d.probeAttempts > 0) yieldAttempts += d.probeAttempts;
      if (Number.isNaN(d.probeResult)) outcome = d.probeAttempts > 0 ? 'notBoosted' : 'noCandidate';
      else if (d.probeResult > 0) outcome = d.targetRan ? 'boostedRan' : 'boostedNotRun';
      else if (d.probeResult === ESRCH) outcome = 'esrch';
      else outcome = 'notBoosted';
    } else {
      if (d.candidates.length > 0) yieldAttempts++;
      // Inferred: yield_to calls schedule() after a successful boost, so a spinner that gave
      // up its CPU had boosted someone; if no ready sibling then ran, the hint was ignored.
      if (d.target && d.targetRan) outcome = 'boostedRan';
      else if (d.candidates.length === 0) outcome = 'noCandidate';
      else if (d.spinnerSwitchedOut) outcome = 'boostedNotRun';
      else outcome = 'notBoosted';
    }
    rt.decisions[outcome]++;
    decisions[outcome]++;
    if (outcome === 'boostedRan' || outcome === 'boostedNotRun') boosts++;
    if (outcome === 'boostedNotRun') problems.schedulerMismatch++;
    if (d.target && d.targetRan) rt.targets.set(d.target, (rt.targets.get(d.target) ?? 0) + 1);
    // Lost opportunity: the vCPU the spinner waits for (an IPI receiver that has not taken
    // the IPI yet) sat preempted, and the decision did not boost it.
    const preemptedReceivers = d.pendingIpiReceivers.filter((r) => d.candidates.includes(r) && !d.woken.has(r));
    if (preemptedReceivers.length > 0 && !(d.target && d.targetRan && preemptedReceivers.includes(d.target))) {
      problems.lostOpportunity++;
    }
    // Overboost: the boost went to a vCPU woken from halt that the spinner does not wait for.
    if (d.target && d.targetRan && d.woken.has(d.target) && !d.pendingIpiReceivers.includes(d.target)) {
      problems.overboost++;
    }
  };

  let eventsInRange = 0;
  const rangeStart = opts.range?.startNs ?? -Infinity;
  const rangeEnd = opts.range?.endNs ?? Infinity;
  for (let k = 0; k < rowCount; k++) {
    const i = order ? order[k] : k;
    const ts = store.ts[i];
    if (ts < rangeStart || ts > rangeEnd) continue;
    eventsInRange++;
    const kind = store.kind[i];
    switch (kind) {
      case EventKind.KvmExit: {
        const rt = vcpuOf(store.tid[i]);
        if (!rt) break;
        totals.kvmExits++;
        rt.kvmExits++;
        const reason = store.b[i];
        rt.exitReasons.set(reason, (rt.exitReasons.get(reason) ?? 0) + 1);
        setState(rt, VcpuState.Host, ts);
        if (isPause(reason)) {
          totals.pleExits++;
          rt.pleExits++;
          rt.inPauseExit = true;
          rt.pauseExitStart = ts;
          if (rt.open) closeDecision(rt.open);
          // continuous-PLE chain
          if (rt.chainExits > 0 && !rt.chainBroken && rt.chainPendingGuestNs <= opts.episodeMaxGuestGapNs) {
            rt.chainExits++;
            rt.spinTimeNs += rt.chainPendingGuestNs;
          } else {
            closeEpisode(rt);
            rt.chainExits = 1;
            rt.chainStart = ts;
            rt.chainFirstLine = store.line[i];
          }
          rt.chainLastLine = store.line[i];
          rt.chainBroken = false;
          rt.chainPendingGuestNs = 0;
          // the decision kvm_vcpu_on_spin is about to make
          const candidates: VcpuRuntime[] = [];
          const woken = new Set<VcpuRuntime>();
          for (const other of byVm[rt.vmIndex]) {
            if (other === rt) continue;
            if (other.state === VcpuState.Preempted || other.state === VcpuState.Woken) {
              candidates.push(other);
              if (other.state === VcpuState.Woken) woken.add(other);
            }
          }
          const pendingIpiReceivers = byVm[rt.vmIndex].filter((r) => r !== rt && r.ipiFrom.has(rt));
          const d: Decision = {
            spinner: rt,
            ts,
            candidates,
            woken,
            pendingIpiReceivers,
            target: null,
            targetRan: false,
            spinnerSwitchedOut: false,
            probeAttempts: 0,
            probeResult: NaN,
            probeTargetTid: -1,
            closed: false,
          };
          rt.open = d;
          openDecisions[rt.vmIndex].push(d);
        } else if (isHalt(reason)) {
          rt.haltExits++;
          rt.chainBroken = true;
        }
        break;
      }
      case EventKind.KvmEntry: {
        const rt = vcpuOf(store.tid[i]);
        if (!rt) break;
        if (rt.inPauseExit) {
          const spent = ts - rt.pauseExitStart;
          rt.pleTimeNs += spent;
          rt.spinTimeNs += spent;
          rt.inPauseExit = false;
          rt.chainLastExitEnd = ts;
        }
        rt.ipiFrom.clear();
        setState(rt, VcpuState.Guest, ts);
        break;
      }
      case EventKind.SchedSwitch: {
        switches++;
        const prev = vcpuOf(store.a[i]);
        const next = vcpuOf(store.c[i]);
        if (prev) {
          const runnable = (store.b[i] & 3) === PrevState.Runnable;
          setState(prev, runnable ? VcpuState.Preempted : VcpuState.Halted, ts);
          if (prev.open && prev.inPauseExit) prev.open.spinnerSwitchedOut = true;
        }
        if (next) {
          // A ready sibling starting to run inside an open decision's window is its target.
          for (const d of [...openDecisions[next.vmIndex]]) {
            if (ts - d.ts > opts.boostWindowNs) {
              closeDecision(d);
              continue;
            }
            if (d.spinner === next || d.targetRan) continue;
            const wanted = d.probeTargetTid >= 0 ? d.probeTargetTid === next.thread.tid : d.candidates.includes(next);
            if (wanted) {
              d.target = next;
              d.targetRan = true;
              break;
            }
          }
          setState(next, VcpuState.Host, ts);
        }
        break;
      }
      case EventKind.SchedWakeup:
      case EventKind.SchedWaking:
      case EventKind.SchedWakeupNew: {
        wakeups++;
        const rt = vcpuOf(store.a[i]);
        if (rt && rt.state === VcpuState.Halted) setState(rt, VcpuState.Woken, ts);
        break;
      }
      case EventKind.ApicIpi: {
        ipiEvents++;
        const sender = vcpuOf(store.tid[i]);
        if (!sender) break;
        totals.ipis++;
        sender.ipisSent++;
        const shorthand = store.c[i];
        const receivers =
          shorthand === 0
            ? [vcpuById(sender.vmIndex, store.a[i])]
            : shorthand === 1
              ? []
              : byVm[sender.vmIndex].filter((r) => shorthand === 2 || r !== sender);
        for (const r of receivers) if (r && r !== sender) r.ipiFrom.add(sender);
        break;
      }
      case EventKind.PleWindow: {
        const rt = vcpuOf(store.tid[i]);
        if (!rt) break;
        if (store.b[i] === 1) rt.grows++;
        else rt.shrinks++;
        rt.lastWindow = store.y[i];
        if (store.y[i] > rt.maxWindow) rt.maxWindow = store.y[i];
        break;
      }
      case EventKind.Probe: {
        const name = store.strings.get(store.a[i]);
        const isReturn = store.b[i] === 1;
        probes.set(name, (probes.get(name) ?? 0) + 1);
        const site = siteOfProbe(name, isReturn, store.x[i]);
        if (site) sites.set(site, (sites.get(site) ?? 0) + 1);
        if (!YIELD_PROBE.test(name)) break;
        const rt = vcpuOf(store.tid[i]);
        const d = rt?.open;
        if (!d) break;
        if (isReturn) d.probeResult = store.x[i];
        else {
          d.probeAttempts++;
          if (!Number.isNaN(store.x[i])) d.probeTargetTid = store.x[i];
        }
        break;
      }
      default:
        break;
    }
  }
  for (const list of openDecisions) for (const d of [...list]) closeDecision(d);
  for (const rt of runtimes.values()) {
    setState(rt, rt.state, endNs);
    closeEpisode(rt);
  }
  episodes.sort((p, q) => p.startNs - q.startNs);

  // What could not be judged, and why.
  const inference: AnalysisResult['inference'] =
    totals.pleExits === 0 ? 'not judged' : hasYieldProbes ? 'yield_to probes' : switches > 0 ? 'inferred from sched_switch' : 'not judged';
  if (map.vms.length === 0) warnings.push('no vCPU threads: the trace has no kvm_exit or kvm_entry events');
  else if (totals.pleExits === 0) warnings.push('no PAUSE exits (kvm_exit reason PAUSE_INSTRUCTION or pause): nothing spun long enough to trigger pause-loop exiting, or PLE is off');
  if (switches === 0 && map.vms.length > 0) {
    warnings.push('no sched_switch events: vCPU states, yield outcomes and the three problems cannot be judged (record sched:sched_switch and sched:sched_wakeup)');
  } else if (!hasYieldProbes && totals.pleExits > 0) {
    warnings.push(
      'yield decisions are inferred from scheduler events (a spinner that gave up its CPU after a PAUSE exit boosted someone; a ready sibling that ran within the window was the target); add yield_to entry/return probes for observed outcomes',
    );
  }
  if (wakeups === 0 && switches > 0) warnings.push('no sched_wakeup events: vCPUs woken from halt cannot be told apart, so overboost is not judged');
  if (ipiEvents === 0 && totals.pleExits > 0) warnings.push('no kvm_apic_ipi events: IPI senders and receivers are unknown, so lost opportunity is not judged and overboost counts every boost of a woken vCPU');
  const lostEvents = store.lost.reduce((sum, l) => sum + Math.max(0, l.count), 0);
  if (store.lost.length > 0) {
    warnings.push(
      `the recorder lost events ${store.lost.length} time(s) (${store.lostEventsText()} events counted; first at line ${store.lost[0].line}): timelines around those points may be wrong`,
    );
  }

  const vms: VmSummary[] = map.vms.map((vm) => {
    const rts = byVm[vm.index];
    return {
      id: vm.id,
      tgid: vm.tgid,
      name: vm.name,
      vcpus: rts.map((rt) => summary(rt, store)),
      targetMatrix: rts.map((src) => rts.map((dst) => src.targets.get(dst) ?? 0)),
    };
  });
  return {
    startNs,
    endNs,
    durationNs: endNs - startNs,
    vms,
    totals: {
      events: eventsInRange,
      kvmExits: totals.kvmExits,
      pleExits: totals.pleExits,
      yieldAttempts,
      boosts,
      lostEvents,
      ipis: totals.ipis,
      episodes: episodes.length,
    },
    decisions,
    problems,
    inference,
    episodes,
    sites: Object.fromEntries(sites),
    probes: Object.fromEntries(probes),
    vmGrouping: map.grouping,
    warnings,
  };
}

function newRuntime(thread: VcpuThread): VcpuRuntime {
  return {
    thread,
    vmIndex: thread.vm,
    state: VcpuState.Unknown,
    since: 0,
    time: new Float64Array(6),
    kvmExits: 0,
    pleExits: 0,
    haltExits: 0,
    exitReasons: new Map(),
    inPauseExit: false,
    pauseExitStart: 0,
    pleTimeNs: 0,
    spinTimeNs: 0,
    chainExits: 0,
    chainStart: 0,
    chainFirstLine: 0,
    chainLastLine: 0,
    chainLastExitEnd: 0,
    chainBroken: false,
    chainPendingGuestNs: 0,
    guestSince: 0,
    episodes: 0,
    ipisSent: 0,
    ipiFrom: new Set(),
    grows: 0,
    shrinks: 0,
    lastWindow: 0,
    maxWindow: 0,
    decisions: emptyOutcomes(),
    open: null,
    targets: new Map(),
  };
}

function summary(rt: VcpuRuntime, store: EventStore): VcpuSummary {
  const exitReasons: Record<string, number> = {};
  for (const [id, n] of [...rt.exitReasons].sort((p, q) => q[1] - p[1])) exitReasons[store.strings.get(id)] = n;
  return {
    vcpu: rt.thread.vcpu,
    tid: rt.thread.tid,
    comm: rt.thread.comm,
    vcpuSource: rt.thread.vcpuSource,
    kvmExits: rt.kvmExits,
    pleExits: rt.pleExits,
    haltExits: rt.haltExits,
    exitReasons,
    time: {
      guest: rt.time[VcpuState.Guest],
      host: rt.time[VcpuState.Host],
      preempted: rt.time[VcpuState.Preempted],
      halted: rt.time[VcpuState.Halted],
      woken: rt.time[VcpuState.Woken],
    },
    pleTimeNs: rt.pleTimeNs,
    spinTimeNs: rt.spinTimeNs,
    episodes: rt.episodes,
    ipisSent: rt.ipisSent,
    window: { grows: rt.grows, shrinks: rt.shrinks, last: rt.lastWindow, max: rt.maxWindow },
    decisions: rt.decisions,
  };
}
