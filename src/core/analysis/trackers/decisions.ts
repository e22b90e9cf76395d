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

/**
 * The state of each decision while it is open, by decision-table row: what its outcome and
 * problems are judged from at close. Columns, not an object per decision: a pooled object was a
 * cache miss at every PAUSE exit (the slowest load of the pass), rows are written in order.
 */
interface OpenColumns {
  count: number;
  /** Position in its VM's list of decisions. */
  pos: Uint32Array;
  closed: Uint8Array;
  /** Loop position of the PAUSE exit: candidates are the lanes ready then. */
  seq: Float64Array;
  /** Ready siblings at the exit (the spinner itself is in the host then). */
  candidates: Int32Array;
  /** The spinner's wait this decision belongs to (see waitOf). */
  wait: Uint32Array;
  targetWasWoken: Uint8Array;
  spinnerSwitchedOut: Uint8Array;
  probeAttempts: Uint32Array;
  /** yield_to's return value, NaN when none was seen. */
  probeResult: Float64Array;
  /** The thread id a yield_to probe named, -1 none. */
  probeTargetTid: Float64Array;
  /** The vCPU the probe named was woken from halt, not preempted, at the exit. */
  probeTargetWoken: Uint8Array;
  /** The first pick on the target's pCPU after the boost chose the target (probes only). */
  ranAtPick: Uint8Array;
}

function newOpenColumns(capacity: number): OpenColumns {
  const n = Math.max(16, capacity);
  return {
    count: 0,
    pos: new Uint32Array(n),
    closed: new Uint8Array(n),
    seq: new Float64Array(n),
    candidates: new Int32Array(n),
    wait: new Uint32Array(n),
    targetWasWoken: new Uint8Array(n),
    spinnerSwitchedOut: new Uint8Array(n),
    probeAttempts: new Uint32Array(n),
    probeResult: new Float64Array(n),
    probeTargetTid: new Float64Array(n),
    probeTargetWoken: new Uint8Array(n),
    ranAtPick: new Uint8Array(n),
  };
}

/** A VM's decisions (table rows) in exit order; those before `head` are past the boost window and closed. */
interface VmDecisions {
  list: number[];
  /** Skip list over `list`: parent[i] === i while decision list[i] waits for a candidate to run. */
  parent: number[];
  head: number;
  /** Open decisions whose yield_to probe named a target, by the target's thread id. */
  byProbeTarget: Map<number, number[]>;
}

/**
 * yield_to reschedules the target's pCPU at once (resched_curr: an IPI, a VM exit if a guest
 * runs there), so the pick that decides a boost follows within microseconds. A pick that keeps
 * what ran there leaves no event when that task stays in the host or the guest keeps running,
 * so a switch to the target later than this was a later pick, not the one that honoured it.
 */
const PICK_LATENCY_NS = 50_000;

/** First position whose decision's loop position is > seq. */
function lowerBoundSeq(list: readonly number[], seqOf: Float64Array, seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (seqOf[list[mid]] <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class DecisionTracker {
  private readonly table: DecisionColumns;
  /** Per decision row: its open state (the table's ts, spinnerLane and targetLane are its time, spinner and target). */
  private readonly open: OpenColumns;
  /** Per decision row: the receivers of its spinner's IPIs pending at the exit, of them the preempted, and of those the user-mode ones (null: none; dropped at close). */
  private readonly pendingOf: (readonly number[] | null)[];
  private readonly preemptedOf: (number[] | null)[];
  private readonly userModeOf: (number[] | null)[];
  private readonly byVm: VmDecisions[];
  private userModeReceiverBoosted = false;
  /** Per pCPU: boosts (decision rows) of a vCPU queued there, waiting for the pick that decides them. */
  private readonly awaitingPick = new Map<number, number[]>();
  /** How many boosts awaitingPick holds. */
  private boostsAwaitingPick = 0;
  /**
   * Per target lane: boosts of a vCPU with no sched event yet (queued since before the trace
   * began, its pCPU unknown), judged where it first runs; `picks` is the pick count at the boost.
   */
  private readonly awaitingFirstRun = new Map<number, { d: number; picks: number }[]>();
  /** Picks seen so far (switches and vCPU entries, on every pCPU), and per pCPU the count at its last one. */
  private picks = 0;
  private readonly lastPickOn = new Float64Array(1 << 16); // pCPU numbers are 16-bit in the store
  /** Per lane with no event yet: the decisions that named it, until it shows whether it was halted. */
  private readonly awaitingFirstEvent = new Map<number, number[]>();
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
  /** Per lane: its open decision's row, -1 none. */
  private readonly openOf: Int32Array;
  private waitingEntry: Int32Array;
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
    this.open = newOpenColumns(capacity);
    // Sized once (grown by push they were copied at every step of their growth).
    this.pendingOf = new Array(capacity).fill(null);
    this.preemptedOf = new Array(capacity).fill(null);
    this.userModeOf = new Array(capacity).fill(null);
    this.byVm = lanes.map.vms.map(() => ({ list: [], parent: [], head: 0, byProbeTarget: new Map() }));
    this.openOf = new Int32Array(lanes.count).fill(-1);
    this.waitOf = new Uint32Array(lanes.count);
    this.cpuOf = new Int32Array(lanes.count).fill(-1);
    this.lostWait = new Int32Array(lanes.count).fill(-1);
    this.guestMode = new Int8Array(lanes.count).fill(-1);
    this.sentIpis = new Uint8Array(lanes.count);
    this.waitingEntry = new Int32Array(lanes.count).fill(-1);
  }

  /** After the state change of a PAUSE exit. */
  onPauseExit(spinner: number, seq: number, row: number, newWait: boolean): void {
    const previous = this.openOf[spinner];
    if (previous >= 0) this.close(previous);
    const vm = this.byVm[this.lanes.vmOf[spinner]];
    this.compact(vm);
    const t = this.table;
    const at = addRow(t, t.ts);
    t.ts[at] = this.tsOf[row];
    t.endNs[at] = NaN;
    t.spinnerLane[at] = spinner;
    t.targetLane[at] = -1;
    t.outcome[at] = 255;
    t.row[at] = row;
    t.attempts[at] = 0;
    t.problems[at] = 0;
    this.waitingEntry[spinner] = at;
    const o = this.open;
    addRow(o, o.seq); // the same row as the table's (both grow together)
    o.pos[at] = vm.list.length;
    o.closed[at] = 0;
    o.seq[at] = seq;
    o.candidates[at] = this.states.readyInVm[this.lanes.vmOf[spinner]];
    if (newWait) this.waitOf[spinner]++;
    o.wait[at] = this.waitOf[spinner];
    o.targetWasWoken[at] = 0;
    o.spinnerSwitchedOut[at] = 0;
    o.probeAttempts[at] = 0;
    o.probeResult[at] = NaN;
    o.probeTargetTid[at] = -1;
    o.probeTargetWoken[at] = 0;
    o.ranAtPick[at] = 0;
    const receivers = this.receiversAt(spinner, seq);
    this.pendingOf[at] = receivers.pending;
    this.preemptedOf[at] = receivers.preempted;
    this.userModeOf[at] = receivers.userMode;
    this.openOf[spinner] = at;
    vm.parent.push(vm.list.length);
    vm.list.push(at);
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
    if (d >= 0 && inPauseExit) this.open.spinnerSwitchedOut[d] = 1;
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
    while (vm.head < vm.list.length && ts - this.table.ts[vm.list[vm.head]] > this.opts.boostWindowNs) this.close(vm.list[vm.head++]);
    this.compact(vm);
    // The first open decision inside one of next's ready periods, oldest first (someReadyPeriod's
    // walk, written out: a closure per switch was an allocation each).
    let best = -1;
    let woken = false;
    const past = this.states.pastReadyOf(next);
    for (let p = past.head; p < past.tail && best < 0; p++) {
      best = this.firstLiveIn(vm, past.from[p], past.to[p]);
      woken = past.woken[p] === 1;
    }
    if (best < 0 && this.states.readyNow(next)) {
      best = this.firstLiveIn(vm, this.states.sinceSeq[next], Infinity);
      woken = this.states.state[next] === VcpuState.Woken;
    }
    // Probes name the target: every open decision that boosted it is honoured when it runs (one
    // pick can answer several spinners' boosts of the same vCPU, as at the kernel's pick).
    const o = this.open;
    const t = this.table;
    const named = vm.byProbeTarget.size > 0 ? vm.byProbeTarget.get(this.lanes.lanes[next].tid) : undefined;
    const byName = named?.filter((d) => !o.closed[d] && t.targetLane[d] < 0 && t.spinnerLane[d] !== next && o.pos[d] >= vm.head) ?? [];
    if (byName.length > 0) {
      for (const d of byName) {
        t.targetLane[d] = next;
        const seq = o.seq[d];
        o.targetWasWoken[d] = this.states.someReadyPeriod(next, (from, to, wasWoken) => wasWoken && from < seq && seq < to) ? 1 : 0;
        this.retire(vm, d);
      }
      return;
    }
    if (best < 0 || t.spinnerLane[best] === next) return;
    t.targetLane[best] = next;
    o.targetWasWoken[best] = woken ? 1 : 0;
    this.retire(vm, best);
  }

  /**
   * The first decision of `vm` still waiting for a candidate whose exit is in loop positions
   * [from, to), or -1. Searched in vm.list as compact() left it: its skip list is that list's.
   */
  private firstLiveIn(vm: VmDecisions, from: number, to: number): number {
    const { list } = vm;
    const at = this.live(vm, Math.max(vm.head, lowerBoundSeq(list, this.open.seq, from)));
    if (at >= list.length) return -1;
    const d = list[at];
    return this.open.seq[d] < to ? d : -1;
  }

  /** Drops the closed decisions at the front (memory stays bounded by the open ones). */
  private compact(vm: VmDecisions): void {
    const closed = this.open.closed;
    while (vm.head < vm.list.length && closed[vm.list[vm.head]] === 1) vm.head++;
    if (vm.head < 1024 || vm.head * 2 < vm.list.length) return;
    // In place: new arrays (map() makes a holey one) would change the lists' elements kind under
    // the optimized code of every method that reads them, which all deoptimized at the first cut.
    const cut = vm.head;
    const { list, parent } = vm;
    const kept = list.length - cut;
    for (let i = 0; i < kept; i++) {
      list[i] = list[i + cut];
      parent[i] = parent[i + cut] - cut;
      this.open.pos[list[i]] -= cut;
    }
    list.length = kept;
    parent.length = kept;
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
  private retire(vm: VmDecisions, d: number): void {
    const pos = this.open.pos[d];
    vm.parent[pos] = pos + 1;
    const tid = this.open.probeTargetTid[d];
    if (tid >= 0) {
      const named = vm.byProbeTarget.get(tid);
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
    const o = this.open;
    for (const d of waiting) o.ranAtPick[d] = nextTid !== null && nextTid === o.probeTargetTid[d] && ts - this.table.ts[d] <= PICK_LATENCY_NS ? 1 : 0;
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
    const o = this.open;
    for (const { d, picks } of boosts) if (!o.closed[d]) o.ranAtPick[d] = since <= picks && ts - this.table.ts[d] <= PICK_LATENCY_NS ? 1 : 0;
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
    for (const d of named) if (!this.open.closed[d]) this.open.probeTargetWoken[d] = 1;
  }

  private awaitFirstEvent(lane: number, d: number): void {
    let named = this.awaitingFirstEvent.get(lane);
    if (!named) this.awaitingFirstEvent.set(lane, (named = []));
    named.push(d);
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
    if (d < 0 || this.waitingEntry[lane] !== d) return;
    if (isReturn) this.onYieldReturn(d, firstArg);
    else this.onYieldCall(lane, d, firstArg);
  }

  /** yield_to returned `result` for decision `d`: a boost waits for the pick on its target's pCPU. */
  private onYieldReturn(d: number, result: number): void {
    const o = this.open;
    o.probeResult[d] = result;
    const target = result > 0 && o.probeTargetTid[d] >= 0 ? this.lanes.ofTid(o.probeTargetTid[d]) : -1;
    if (target >= 0 && this.cpuOf[target] >= 0) {
      let waiting = this.awaitingPick.get(this.cpuOf[target]);
      if (!waiting) this.awaitingPick.set(this.cpuOf[target], (waiting = []));
      waiting.push(d);
      this.boostsAwaitingPick++;
    } else if (target >= 0) {
      let boosts = this.awaitingFirstRun.get(target);
      if (!boosts) this.awaitingFirstRun.set(target, (boosts = []));
      boosts.push({ d, picks: this.picks });
    }
  }

  /** yield_to was called from `lane`'s decision `d` with first argument `firstArg` (the target's thread id, NaN unknown). */
  private onYieldCall(lane: number, d: number, firstArg: number): void {
    const o = this.open;
    o.probeAttempts[d]++;
    if (Number.isNaN(firstArg) || this.table.targetLane[d] >= 0) return;
    // Named by the probe: matched by thread id from now on, not by candidacy.
    const vm = this.byVm[this.lanes.vmOf[lane]];
    this.retire(vm, d);
    o.probeTargetTid[d] = firstArg;
    const target = this.lanes.ofTid(firstArg);
    o.probeTargetWoken[d] = target >= 0 && this.states.wasWokenAt(target, o.seq[d] + 1) ? 1 : 0;
    if (target >= 0 && this.states.state[target] === VcpuState.Unknown && this.sentIpis[lane]) this.awaitFirstEvent(target, d);
    const named = vm.byProbeTarget.get(firstArg) ?? [];
    named.push(d);
    vm.byProbeTarget.set(firstArg, named);
  }

  private close(d: number): void {
    const o = this.open;
    if (o.closed[d]) return;
    o.closed[d] = 1;
    const t = this.table;
    const spinner = t.spinnerLane[d];
    const target = t.targetLane[d];
    if (target < 0) this.retire(this.byVm[this.lanes.vmOf[spinner]], d);
    if (this.openOf[spinner] === d) this.openOf[spinner] = -1;
    const outcome = this.outcomeOf(d);
    const pending = this.pendingOf[d];
    const ran = target >= 0;
    let problems = 0;
    // With probes, judged where the kernel decides it: was the target picked right after the boost?
    if (this.judge.hasYieldProbes ? o.probeResult[d] > 0 && !o.ranAtPick[d] : outcome === 'boostedNotRun') problems |= ProblemFlag.SchedulerMismatch;
    if (outcome === 'boostedRan' && this.userModeOf[d]?.includes(target)) this.userModeReceiverBoosted = true;
    // Lost opportunity: the vCPU the spinner waits for (an IPI receiver that has not taken
    // the IPI yet) sat preempted where the user-mode filter skips it, and was not boosted.
    // Counted once per wait, at its first such decision.
    if (this.preemptedOf[d] && !(ran && pending!.includes(target)) && this.lostWait[spinner] !== o.wait[d]) {
      problems |= ProblemFlag.LostOpportunity;
      this.lostWait[spinner] = o.wait[d];
    }
    // Overboost: the boost went to a vCPU woken from halt that the spinner does not wait for —
    // whether or not the scheduler then ran it (with probes the boost itself is seen).
    if (this.judge.hasYieldProbes) {
      const boosted = o.probeResult[d] > 0 ? this.lanes.ofTid(o.probeTargetTid[d]) : -1;
      if (boosted >= 0 && o.probeTargetWoken[d] && !pending?.includes(boosted)) problems |= ProblemFlag.Overboost;
    } else if (ran && o.targetWasWoken[d] && !pending?.includes(target)) problems |= ProblemFlag.Overboost;
    t.outcome[d] = this.judge.judgesOutcomes ? OUTCOME_CODE.get(outcome)! : 255;
    t.attempts[d] = Math.min(this.judge.hasYieldProbes ? o.probeAttempts[d] : o.candidates[d] > 0 ? 1 : 0, 0xffff);
    t.problems[d] = problems;
    // Nothing reads them after the close: the arrays are freed with the decisions that share them.
    this.pendingOf[d] = this.preemptedOf[d] = this.userModeOf[d] = null;
  }

  /** Decision `d`'s outcome: observed with probes, else inferred from the scheduler. */
  private outcomeOf(d: number): DecisionOutcome {
    const o = this.open;
    const ran = this.table.targetLane[d] >= 0;
    if (this.judge.hasYieldProbes) {
      const result = o.probeResult[d];
      if (Number.isNaN(result)) return o.probeAttempts[d] > 0 ? 'notBoosted' : 'noCandidate';
      if (result > 0) return ran ? 'boostedRan' : 'boostedNotRun';
      return result === ESRCH ? 'esrch' : 'notBoosted';
    }
    if (ran) return 'boostedRan';
    if (o.candidates[d] === 0) return 'noCandidate';
    return o.spinnerSwitchedOut[d] ? 'boostedNotRun' : 'notBoosted';
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
