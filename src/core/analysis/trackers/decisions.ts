// Yield decisions: one per PAUSE exit (the kvm_vcpu_on_spin call it leads to), its outcome
// and the three problems of the seed talk. With yield_to probes the outcome is observed;
// without them it is inferred from the scheduler: yield_to calls schedule() after a
// successful boost, so a spinner that gave up its CPU had boosted someone, and a sibling that
// was ready at the exit and ran within the boost window was the target.

import { DECISION_OUTCOMES, ProblemFlag, type DecisionColumns } from '../tables';
import { VcpuState, type AnalysisOptions, type DecisionOutcome } from '../result';
import { addRow, newDecisionColumns, trimmed } from './columns';
import type { Lanes } from './lanes';
import type { VcpuStateTracker } from './vcpuState';
import type { IpiTracker } from './ipis';

const ESRCH = -3;

const OUTCOME_CODE = new Map<DecisionOutcome, number>(DECISION_OUTCOMES.map((name, code) => [name, code]));

interface OpenDecision {
  /** Row in the decision table. */
  at: number;
  /** Position in its VM's list of decisions. */
  pos: number;
  closed: boolean;
  spinner: number;
  ts: number;
  /** Loop position of the PAUSE exit: candidates are the lanes ready then. */
  seq: number;
  /** Ready siblings at the exit (the spinner itself is in the host then). */
  candidates: number;
  /** Receivers of the spinner's IPIs not taken yet at the exit, and those of them preempted. */
  pendingReceivers: readonly number[] | null;
  preemptedReceivers: number[] | null;
  /** The spinner's wait this decision belongs to (see waitOf). */
  wait: number;
  /** Preempted receivers a probe showed in user mode. */
  userModeReceivers: number[] | null;
  target: number;
  targetWasWoken: boolean;
  spinnerSwitchedOut: boolean;
  probeAttempts: number;
  /** yield_to's return value, NaN when none was seen. */
  probeResult: number;
  probeTargetTid: number;
  /** The vCPU the probe named was woken from halt, not preempted, at the exit. */
  probeTargetWoken: boolean;
  /** The first pick on the target's pCPU after the boost chose the target (probes only). */
  ranAtPick: boolean;
}

/** A VM's decisions in exit order; those before `head` are past the boost window and closed. */
interface VmDecisions {
  list: OpenDecision[];
  /** Skip list over `list`: parent[i] === i while decision i waits for a candidate to run. */
  parent: number[];
  head: number;
  /** Open decisions whose yield_to probe named a target, by the target's thread id. */
  byProbeTarget: Map<number, OpenDecision[]>;
}

const POOL_LIMIT = 1 << 14;
/**
 * yield_to reschedules the target's pCPU at once (resched_curr: an IPI, a VM exit if a guest
 * runs there), so the pick that decides a boost follows within microseconds. A pick that keeps
 * what ran there leaves no event when that task stays in the host or the guest keeps running,
 * so a switch to the target later than this was a later pick, not the one that honoured it.
 */
const PICK_LATENCY_NS = 50_000;

function newOpenDecision(): OpenDecision {
  return {
    at: 0,
    pos: 0,
    closed: true,
    spinner: 0,
    ts: 0,
    seq: 0,
    candidates: 0,
    pendingReceivers: null,
    preemptedReceivers: null,
    wait: 0,
    userModeReceivers: null,
    target: -1,
    targetWasWoken: false,
    spinnerSwitchedOut: false,
    probeAttempts: 0,
    probeResult: NaN,
    probeTargetTid: -1,
    probeTargetWoken: false,
    ranAtPick: false,
  };
}

/** First position whose decision's loop position is > seq. */
function lowerBoundSeq(list: readonly OpenDecision[], seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class DecisionTracker {
  private readonly table: DecisionColumns;
  private readonly byVm: VmDecisions[];
  private userModeReceiverBoosted = false;
  /** Per pCPU: boosts of a vCPU queued there, waiting for the pick that decides them. */
  private readonly awaitingPick = new Map<number, OpenDecision[]>();
  /** How many boosts awaitingPick holds. */
  private boostsAwaitingPick = 0;
  /**
   * Per target lane: boosts of a vCPU with no sched event yet (queued since before the trace
   * began, its pCPU unknown), judged where it first runs; `picks` is the pick count at the boost.
   */
  private readonly awaitingFirstRun = new Map<number, { d: OpenDecision; at: number; picks: number }[]>();
  /** Picks seen so far (switches and vCPU entries, on every pCPU), and per pCPU the count at its last one. */
  private picks = 0;
  private readonly lastPickOn = new Float64Array(1 << 16); // pCPU numbers are 16-bit in the store
  /** Per lane with no event yet: the decisions that named it, until it shows whether it was halted. */
  private readonly awaitingFirstEvent = new Map<number, { d: OpenDecision; at: number }[]>();
  /**
   * Per lane: the trace has shown it send an IPI. Before that, whom it waits for is unknown (an
   * IPI sent before the trace began), so a boost of a vCPU not seen yet is not judged woken.
   */
  private readonly sentIpis: Uint8Array;
  private readonly cpuOf: Int32Array;
  /**
   * Per spinner: its current wait, counted up when a continuous-PLE chain starts or it sends IPIs
   * (a new wait for their acknowledgement), and the last wait that counted a lost opportunity.
   */
  private readonly waitOf: Uint32Array;
  private readonly lostWait: Int32Array;
  /** Per lane: guest mode at its last preemption from a probe (1 kernel, 0 user, -1 unknown). */
  private readonly guestMode: Int8Array;
  private readonly openOf: (OpenDecision | null)[];
  private waitingEntry: Int32Array;
  private readonly pool: OpenDecision[] = [];
  /** receiversAt's answer, reused (its arrays are handed to the decision). */
  private readonly receivers: { pending: readonly number[] | null; preempted: number[] | null; userMode: number[] | null } = { pending: null, preempted: null, userMode: null };

  constructor(
    private readonly lanes: Lanes,
    private readonly states: VcpuStateTracker,
    private readonly ipis: IpiTracker,
    private readonly opts: AnalysisOptions,
    /**
     * Decided before the pass, so that decisions before the first probe event are judged the
     * same way; without probes and sched events no outcome is judged (outcome 255).
     */
    private readonly judge: { hasYieldProbes: boolean; judgesOutcomes: boolean },
    capacity: number,
    /** The store's timestamps, read by row (see VcpuStateTracker). */
    private readonly tsOf: Float64Array,
  ) {
    this.table = newDecisionColumns(capacity);
    this.byVm = lanes.map.vms.map(() => ({ list: [], parent: [], head: 0, byProbeTarget: new Map() }));
    this.openOf = new Array(lanes.count).fill(null);
    this.waitOf = new Uint32Array(lanes.count);
    this.cpuOf = new Int32Array(lanes.count).fill(-1);
    this.lostWait = new Int32Array(lanes.count).fill(-1);
    this.guestMode = new Int8Array(lanes.count).fill(-1);
    this.sentIpis = new Uint8Array(lanes.count);
    this.waitingEntry = new Int32Array(lanes.count).fill(-1);
  }

  /** After the state change of a PAUSE exit. */
  onPauseExit(spinner: number, seq: number, row: number, newWait: boolean): void {
    const ts = this.tsOf[row];
    const previous = this.openOf[spinner];
    if (previous) this.close(previous);
    this.compact(this.byVm[this.lanes.vmOf[spinner]]);
    const t = this.table;
    const at = addRow(t, t.ts);
    t.ts[at] = ts;
    t.endNs[at] = NaN;
    t.spinnerLane[at] = spinner;
    t.targetLane[at] = -1;
    t.outcome[at] = 255;
    t.row[at] = row;
    t.attempts[at] = 0;
    t.problems[at] = 0;
    this.waitingEntry[spinner] = at;
    const receivers = this.receiversAt(spinner, seq);
    const vm = this.byVm[this.lanes.vmOf[spinner]];
    // Reused from decisions compacted away: one object per open decision, not per PAUSE exit.
    const d = this.pool.pop() ?? newOpenDecision();
    d.at = at;
    d.pos = vm.list.length;
    d.closed = false;
    d.spinner = spinner;
    d.ts = ts;
    d.seq = seq;
    d.candidates = this.states.readyInVm[this.lanes.vmOf[spinner]];
    d.pendingReceivers = receivers.pending;
    d.preemptedReceivers = receivers.preempted;
    if (newWait) this.waitOf[spinner]++;
    d.wait = this.waitOf[spinner];
    d.userModeReceivers = receivers.userMode;
    d.target = -1;
    d.targetWasWoken = false;
    d.spinnerSwitchedOut = false;
    d.probeAttempts = 0;
    d.probeResult = NaN;
    d.probeTargetTid = -1;
    d.probeTargetWoken = false;
    d.ranAtPick = false;
    this.openOf[spinner] = d;
    vm.list.push(d);
    vm.parent.push(d.pos);
  }

  /**
   * The receivers of the spinner's IPIs not taken yet at the exit (loop position `seq`); of them
   * the preempted ones the user-mode filter would skip — all unless a probe said the receiver was
   * preempted in kernel mode (kvm_arch_vcpu_put's preempted_in_kernel) — and of those the ones a
   * probe showed in user mode. One walk over the receivers; arrays only for the preempted ones, when there are any.
   */
  private receiversAt(spinner: number, seq: number): { pending: readonly number[] | null; preempted: number[] | null; userMode: number[] | null } {
    const out = this.receivers;
    out.pending = out.preempted = out.userMode = null;
    const pending = this.ipis.pendingReceivers(spinner);
    if (pending === null) return out;
    out.pending = pending; // shared with the tracker until its set changes: read only
    for (const r of pending) {
      if (!this.states.wasPreemptedAt(r, seq + 1) || this.guestMode[r] === 1) continue;
      (out.preempted ??= []).push(r);
      if (this.guestMode[r] === 0) (out.userMode ??= []).push(r);
    }
    return out;
  }

  onEntry(lane: number, row: number): void {
    if (this.awaitingFirstEvent.size > 0) this.awaitingFirstEvent.delete(lane); // no kvm_vcpu_wakeup first: it was not halted
    const at = this.waitingEntry[lane];
    if (at < 0) return;
    this.table.endNs[at] = this.tsOf[row];
    this.waitingEntry[lane] = -1;
  }

  /** `prev` leaves its CPU (before its state change); `inPauseExit`: inside a PAUSE exit. */
  onSwitchOut(prev: number, inPauseExit: boolean): void {
    const d = this.openOf[prev];
    if (d && inPauseExit) d.spinnerSwitchedOut = true;
  }

  /**
   * `next` starts to run (before its state change): it is the target of the first open
   * decision (in exit order) that named it in a yield_to probe or, without one, at whose exit
   * it was ready. Amortized O(log n) per switch: decisions past the boost window are closed
   * from the front, and a skip list jumps over decisions already matched.
   */
  onSwitchIn(next: number, row: number): void {
    const ts = this.tsOf[row];
    const vm = this.byVm[this.lanes.vmOf[next]];
    const { list } = vm;
    while (vm.head < list.length && ts - list[vm.head].ts > this.opts.boostWindowNs) this.close(list[vm.head++]);
    this.compact(vm);
    // The first open decision inside one of next's ready periods, oldest first (someReadyPeriod's
    // walk, written out: a closure per switch was an allocation each).
    let best: OpenDecision | null = null;
    let woken = false;
    const past = this.states.pastReadyOf(next);
    for (let p = past.head; p < past.tail && best === null; p++) {
      best = this.firstLiveIn(vm, past.from[p], past.to[p]);
      woken = past.woken[p] === 1;
    }
    if (best === null && this.states.readyNow(next)) {
      best = this.firstLiveIn(vm, this.states.sinceSeq[next], Infinity);
      woken = this.states.state[next] === VcpuState.Woken;
    }
    // Probes name the target: every open decision that boosted it is honoured when it runs (one
    // pick can answer several spinners' boosts of the same vCPU, as at the kernel's pick).
    const named = vm.byProbeTarget.size > 0 ? vm.byProbeTarget.get(this.lanes.lanes[next].tid) : undefined;
    const byName = named?.filter((d) => !d.closed && d.target < 0 && d.spinner !== next && d.pos >= vm.head) ?? [];
    if (byName.length > 0) {
      for (const d of byName) {
        d.target = next;
        d.targetWasWoken = this.states.someReadyPeriod(next, (from, to, wasWoken) => wasWoken && from < d.seq && d.seq < to);
        this.retire(vm, d);
      }
      return;
    }
    const target = best as OpenDecision | null;
    if (!target || target.spinner === next) return;
    target.target = next;
    target.targetWasWoken = woken;
    this.retire(vm, target);
  }

  /** The first decision of `vm` still waiting for a candidate whose exit is in loop positions [from, to), or null. */
  private firstLiveIn(vm: VmDecisions, from: number, to: number): OpenDecision | null {
    const d = vm.list[this.live(vm, Math.max(vm.head, lowerBoundSeq(vm.list, from)))];
    return d && d.seq < to ? d : null;
  }

  /** Drops the closed decisions at the front (memory stays bounded by the open ones). */
  private compact(vm: VmDecisions): void {
    while (vm.head < vm.list.length && vm.list[vm.head].closed) vm.head++;
    if (vm.head < 1024 || vm.head * 2 < vm.list.length) return;
    const cut = vm.head;
    if (this.pool.length < POOL_LIMIT) this.pool.push(...vm.list.slice(0, Math.min(cut, POOL_LIMIT - this.pool.length)));
    vm.list = vm.list.slice(cut);
    vm.parent = vm.parent.slice(cut).map((p) => p - cut);
    for (const d of vm.list) d.pos -= cut;
    vm.head = 0;
  }

  /** The first position ≥ i whose decision still waits for a candidate to run (list length when none). */
  private live(vm: VmDecisions, i: number): number {
    const p = vm.parent;
    while (i < p.length && p[i] !== i) {
      const up = p[i];
      if (up < p.length) p[i] = p[up];
      i = up;
    }
    return i;
  }

  /** The decision no longer waits for a candidate (matched, named a target, or closed). */
  private retire(vm: VmDecisions, d: OpenDecision): void {
    vm.parent[d.pos] = d.pos + 1;
    if (d.probeTargetTid >= 0) {
      const named = vm.byProbeTarget.get(d.probeTargetTid);
      const at = named?.indexOf(d) ?? -1;
      if (at >= 0) named!.splice(at, 1);
    }
  }

  /** `sender` sent IPIs: what it spins on from now on is a new wait. */
  onIpiSent(sender: number): void {
    this.sentIpis[sender] = 1;
    this.waitOf[sender]++;
  }

  /** Where `lane` is queued: the pCPU it was switched out on, or woken onto. */
  noteCpu(lane: number, cpu: number): void {
    this.cpuOf[lane] = cpu;
  }

  /**
   * The first switch on a pCPU after a boost of a vCPU queued there is the pick that decides the
   * boost: honoured when it switches to the target. A vCPU re-entering the guest on that pCPU
   * first means the pick kept what ran there.
   */
  onPick(cpu: number, nextTid: number | null, row: number): void {
    const ts = this.tsOf[row];
    if (nextTid !== null && this.awaitingFirstRun.size > 0) this.firstRun(cpu, nextTid, ts);
    this.lastPickOn[cpu] = ++this.picks;
    if (this.boostsAwaitingPick === 0) return; // most picks: no Map look-up
    const waiting = this.awaitingPick.get(cpu);
    if (!waiting || waiting.length === 0) return;
    for (const d of waiting) d.ranAtPick = nextTid !== null && nextTid === d.probeTargetTid && ts - d.ts <= PICK_LATENCY_NS;
    this.boostsAwaitingPick -= waiting.length;
    waiting.length = 0;
  }

  /**
   * A boosted vCPU whose pCPU was unknown runs for the first time: on that pCPU, this is the pick
   * after the boost when nothing was picked there since (and it came within the pick latency).
   */
  private firstRun(cpu: number, nextTid: number, ts: number): void {
    const lane = this.lanes.ofTid(nextTid);
    const boosts = lane >= 0 ? this.awaitingFirstRun.get(lane) : undefined;
    if (!boosts) return;
    this.awaitingFirstRun.delete(lane);
    const since = this.lastPickOn[cpu];
    for (const { d, at, picks } of boosts) if (d.at === at && !d.closed) d.ranAtPick = since <= picks && ts - d.ts <= PICK_LATENCY_NS;
  }

  /**
   * kvm_vcpu_wakeup: the vCPU thread returns from kvm_vcpu_halt (virt/kvm/kvm_main.c), so it had
   * halted. For a boosted vCPU the trace had shown nothing of yet, this says it was woken from
   * halt, not preempted.
   */
  onVcpuWakeup(lane: number): void {
    const named = this.awaitingFirstEvent.get(lane);
    if (!named) return;
    this.awaitingFirstEvent.delete(lane);
    for (const { d, at } of named) if (d.at === at && !d.closed) d.probeTargetWoken = true;
  }

  private awaitFirstEvent(lane: number, d: OpenDecision): void {
    let named = this.awaitingFirstEvent.get(lane);
    if (!named) this.awaitingFirstEvent.set(lane, (named = []));
    named.push({ d, at: d.at });
  }

  /** kvm_arch_vcpu_put's preempted_in_kernel for `lane`, read by a probe as it is scheduled out. */
  onGuestModeProbe(lane: number, inKernel: number): void {
    if (!Number.isNaN(inKernel)) this.guestMode[lane] = inKernel ? 1 : 0;
  }

  /**
   * A yield_to (or kvm_vcpu_yield_to) probe on a vCPU thread. Only one inside the PAUSE exit
   * (before the spinner's next kvm_entry) is its decision's: a paravirtual kick or yield
   * hypercall (KVM_HC_KICK_CPU, KVM_HC_SCHED_YIELD → kvm_sched_yield in arch/x86/kvm/x86.c)
   * calls kvm_vcpu_yield_to from a VMCALL exit.
   */
  onYieldProbe(lane: number, isReturn: boolean, firstArg: number): void {
    const d = this.openOf[lane];
    if (!d || this.waitingEntry[lane] !== d.at) return;
    if (isReturn) {
      d.probeResult = firstArg;
      const target = firstArg > 0 && d.probeTargetTid >= 0 ? this.lanes.ofTid(d.probeTargetTid) : -1;
      if (target >= 0 && this.cpuOf[target] >= 0) {
        let waiting = this.awaitingPick.get(this.cpuOf[target]);
        if (!waiting) this.awaitingPick.set(this.cpuOf[target], (waiting = []));
        waiting.push(d);
        this.boostsAwaitingPick++;
      } else if (target >= 0) {
        let boosts = this.awaitingFirstRun.get(target);
        if (!boosts) this.awaitingFirstRun.set(target, (boosts = []));
        boosts.push({ d, at: d.at, picks: this.picks });
      }
    }
    else {
      d.probeAttempts++;
      if (!Number.isNaN(firstArg) && d.target < 0) {
        // Named by the probe: matched by thread id from now on, not by candidacy.
        const vm = this.byVm[this.lanes.vmOf[lane]];
        this.retire(vm, d);
        d.probeTargetTid = firstArg;
        const target = this.lanes.ofTid(firstArg);
        d.probeTargetWoken = target >= 0 && this.states.wasWokenAt(target, d.seq + 1);
        if (target >= 0 && this.states.state[target] === VcpuState.Unknown && this.sentIpis[lane]) this.awaitFirstEvent(target, d);
        const named = vm.byProbeTarget.get(firstArg) ?? [];
        named.push(d);
        vm.byProbeTarget.set(firstArg, named);
      }
    }
  }

  private close(d: OpenDecision): void {
    if (d.closed) return;
    d.closed = true;
    if (d.target < 0) this.retire(this.byVm[this.lanes.vmOf[d.spinner]], d);
    if (this.openOf[d.spinner] === d) this.openOf[d.spinner] = null;
    const ran = d.target >= 0;
    let outcome: DecisionOutcome;
    let attempts: number;
    if (this.judge.hasYieldProbes) {
      attempts = d.probeAttempts;
      if (Number.isNaN(d.probeResult)) outcome = d.probeAttempts > 0 ? 'notBoosted' : 'noCandidate';
      else if (d.probeResult > 0) outcome = ran ? 'boostedRan' : 'boostedNotRun';
      else if (d.probeResult === ESRCH) outcome = 'esrch';
      else outcome = 'notBoosted';
    } else {
      attempts = d.candidates > 0 ? 1 : 0;
      if (ran) outcome = 'boostedRan';
      else if (d.candidates === 0) outcome = 'noCandidate';
      else if (d.spinnerSwitchedOut) outcome = 'boostedNotRun';
      else outcome = 'notBoosted';
    }
    let problems = 0;
    // With probes, judged where the kernel decides it: was the target picked right after the boost?
    if (this.judge.hasYieldProbes ? d.probeResult > 0 && !d.ranAtPick : outcome === 'boostedNotRun') problems |= ProblemFlag.SchedulerMismatch;
    if (outcome === 'boostedRan' && d.userModeReceivers?.includes(d.target)) this.userModeReceiverBoosted = true;
    // Lost opportunity: the vCPU the spinner waits for (an IPI receiver that has not taken
    // the IPI yet) sat preempted where the user-mode filter skips it, and was not boosted.
    // Counted once per wait, at its first such decision.
    if (d.preemptedReceivers && !(ran && d.pendingReceivers!.includes(d.target)) && this.lostWait[d.spinner] !== d.wait) {
      problems |= ProblemFlag.LostOpportunity;
      this.lostWait[d.spinner] = d.wait;
    }
    // Overboost: the boost went to a vCPU woken from halt that the spinner does not wait for —
    // whether or not the scheduler then ran it (with probes the boost itself is seen).
    if (this.judge.hasYieldProbes) {
      const boosted = d.probeResult > 0 ? this.lanes.ofTid(d.probeTargetTid) : -1;
      if (boosted >= 0 && d.probeTargetWoken && !d.pendingReceivers?.includes(boosted)) problems |= ProblemFlag.Overboost;
    } else if (ran && d.targetWasWoken && !d.pendingReceivers?.includes(d.target)) problems |= ProblemFlag.Overboost;
    const t = this.table;
    t.outcome[d.at] = this.judge.judgesOutcomes ? OUTCOME_CODE.get(outcome)! : 255;
    t.targetLane[d.at] = d.target;
    t.attempts[d.at] = Math.min(attempts, 0xffff);
    t.problems[d.at] = problems;
  }

  finish(): DecisionColumns {
    for (const vm of this.byVm) for (let i = vm.head; i < vm.list.length; i++) this.close(vm.list[i]);
    // A host seen boosting a receiver of the spinner's IPI that was preempted in user mode does
    // not skip such receivers (5.13's pending-interrupt rule, or Strict Boost): it loses no
    // opportunity of that kind, whatever the vanilla filter would have done.
    if (this.userModeReceiverBoosted) {
      const t = this.table;
      for (let i = 0; i < t.count; i++) t.problems[i] &= ~ProblemFlag.LostOpportunity;
    }
    return trimmed(this.table);
  }

  /** Whether the host boosted a pending IPI receiver that a probe showed preempted in user mode. */
  get acceptsUserModeReceivers(): boolean {
    return this.userModeReceiverBoosted;
  }
}
