// Ground truth from the guest: with the guest's lock, ipi and csd events beside the host
// trace, what each spinning vCPU waited for at each host PAUSE exit is read, not guessed —
//   IPI:  the receivers of the csds it queued that have not yet run csd_function_exit;
//   lock: the vCPU holding the contended lock, when the guest shows it (the last one whose
//         contention_end on that lock acquired it; a lock taken without contention is not
//         traced, so its holder is then unknown and the decision is not judged).
// Each yield decision is then labelled as the simulator labels it (simulator.ts judgeBoost,
// judgeLostOpportunity): helpful (the boost went to an awaited vCPU), overboost (to a vCPU
// woken from halt and not yet run that was not awaited), unhelpful (any other boost), no
// boost; and a lost opportunity, once per spin wait, when no awaited vCPU was boosted while
// one sat preempted and the kernel's user-mode filter skips it. The boost target, preemption,
// guest mode and wake-ups come from the host trace (yield_to probes, sched events,
// kvm_arch_vcpu_put probes, kvm_apic_ipi).

import { EventKind, PrevState, type EventStore } from '../trace/model';
import { isPauseExitReason } from './sites';
import { GUEST_MODE_PROBE } from './trackers/probes';
import { userModeFilterSkips, type WalkPolicy } from '../sim/kvm/onSpin';
import type { GuestTrace } from '../guestTraces';
import type { DecisionLabel } from '../sim/guestView';

export type { DecisionLabel };

/** The user-mode filter's switches (policies.ts names them per kernel and patch). */
export type FilterPolicy = Pick<WalkPolicy, 'pendingInterruptRule' | 'strictBoost'>;

export type WaitKind = 'ipi' | 'lock' | 'none';

export interface GuestDecision {
  /** Host time of the PAUSE exit and the spinner's host thread. */
  ts: number;
  tid: number;
  /** null: not judged (the lock holder is not known, or no yield_to probes name the target). */
  label: DecisionLabel | null;
  lost: boolean;
  wait: WaitKind;
  /** Host threads of the vCPUs it waited for. */
  waitedFor: number[];
  /**
   * What it may have waited for, whatever the host boosted: one set of host threads, or one per
   * possible lock holder; null when the lock holder is unknown. A replay judges other targets by it.
   */
  awaited: number[][] | null;
}

export interface GuestTruthCounts {
  decisions: number;
  judged: number;
  helpful: number;
  overboost: number;
  unhelpful: number;
  noBoost: number;
  lostOpportunity: number;
  /** Decisions by what the spinner waited for; lockHolderUnknown are not judged. */
  waits: { ipi: number; lock: number; none: number; lockHolderUnknown: number };
}

export interface GuestTruth {
  decisions: GuestDecision[];
  counts: GuestTruthCounts;
}

/** A host vCPU thread's state as kvm_vcpu_on_spin's filters see it. */
class HostVcpu {
  ready = false;
  preempted = false;
  preemptedInKernel = false;
  blocked = false;
  inSpinLoop = false;
  dyEligible = false;
  running = false;
  /** Running guest code (between kvm_entry and the next exit or switch). */
  inGuest = false;
  /** Its kvm_entry times, ascending (read ahead: when does it next run guest code?). */
  readonly entries: number[] = [];
  /** Woken from halt and not yet run. */
  woken = false;
  readonly ipiFrom = new Set<HostVcpu>();
  readonly recentIpiFrom = new Map<HostVcpu, number>();
  constructor(
    readonly tid: number,
    readonly guest: number,
    readonly cpu: number,
  ) {}
}

/** One guest's state from its events: open csds and lock waits, last acquirer per lock. */
class GuestState {
  /** csd address id → [sender CPU, receiver CPU], queued and not yet finished. */
  readonly openCsds = new Map<number, [number, number]>();
  /** Per CPU: the lock it waits for (-1 none) and the row of its contention_begin. */
  readonly waitingLock: Int32Array;
  readonly waitRow: Int32Array;
  /** Per CPU: the row of its last IPI round (the wait it spins on after sending). */
  readonly ipiRound: Int32Array;
  readonly lastAcquirer = new Map<number, number>();
  /**
   * Per lock: whether someone has waited for it without a break since its last acquirer took
   * it. Only then is that acquirer provably still the holder (or the first waiter in line,
   * see mayHoldUnseen): with nobody waiting, it may have released the lock and another CPU
   * taken it without contention, which no guest event shows.
   */
  readonly heldSinceContended = new Map<number, boolean>();
  /** Per lock: its open waits in the order they began (a FIFO lock is handed on in that order). */
  readonly waiters = new Map<number, { cpu: number; row: number }[]>();
  /** The time each wait (by its contention_begin row) ended, read ahead from the whole trace. */
  readonly waitEnd = new Map<number, number>();
  readonly order: Uint32Array;
  next = 0;
  constructor(
    readonly store: EventStore,
    cpus: number,
  ) {
    this.waitingLock = new Int32Array(cpus).fill(-1);
    this.waitRow = new Int32Array(cpus).fill(-1);
    this.ipiRound = new Int32Array(cpus).fill(-1);
    this.order = store.order();
    const begun = new Map<number, number>();
    for (const i of this.order) {
      if (store.kind[i] === EventKind.LockContentionBegin) begun.set(store.cpu[i], i);
      else if (store.kind[i] === EventKind.LockContentionEnd && begun.has(store.cpu[i])) {
        this.waitEnd.set(begun.get(store.cpu[i])!, store.ts[i]);
        begun.delete(store.cpu[i]);
      }
    }
  }

  /** Applies every guest event up to host time `t` (inclusive). */
  advance(t: number): void {
    const s = this.store;
    while (this.next < this.order.length && s.ts[this.order[this.next]] <= t) this.apply(this.order[this.next++]);
  }

  private apply(i: number): void {
    const s = this.store;
    const cpu = s.cpu[i];
    if (cpu >= this.waitingLock.length) return;
    switch (s.kind[i]) {
      case EventKind.LockContentionBegin: {
        if (!this.waiters.get(s.a[i])?.length) this.heldSinceContended.set(s.a[i], false);
        this.waitingLock[cpu] = s.a[i];
        this.waitRow[cpu] = i;
        const queue = this.waiters.get(s.a[i]) ?? [];
        queue.push({ cpu, row: i });
        this.waiters.set(s.a[i], queue);
        break;
      }
      case EventKind.LockContentionEnd: {
        this.waitingLock[cpu] = -1;
        if (s.b[i] === 0) this.lastAcquirer.set(s.a[i], cpu);
        const queue = this.waiters.get(s.a[i]);
        const at = queue?.findIndex((w) => w.cpu === cpu) ?? -1;
        if (at >= 0) queue!.splice(at, 1);
        this.heldSinceContended.set(s.a[i], s.b[i] === 0 && at >= 0 && queue!.length > 0);
        break;
      }
      case EventKind.CsdQueueCpu:
        this.openCsds.set(s.c[i], [cpu, s.a[i]]);
        break;
      case EventKind.CsdFunctionExit:
        this.openCsds.delete(s.b[i]);
        break;
      case EventKind.IpiSendCpu:
      case EventKind.IpiSendCpumask:
        this.ipiRound[cpu] = i;
        break;
      default:
        break;
    }
  }

  /** Receivers of csds `cpu` queued that have not finished. */
  receiversOf(cpu: number): number[] {
    const out: number[] = [];
    for (const [sender, receiver] of this.openCsds.values()) if (sender === cpu && !out.includes(receiver)) out.push(receiver);
    return out;
  }

  /** An interrupt is pending for `cpu`: a csd queued on it that has not finished. */
  pendingOn(cpu: number): boolean {
    for (const [, receiver] of this.openCsds.values()) if (receiver === cpu) return true;
    return false;
  }
}

interface OpenDecision {
  d: GuestDecision;
  me: HostVcpu;
  /** What it may have waited for: one set, or one per possible lock holder when the guest cannot tell which. */
  alternatives: { waited: HostVcpu[]; filterSkipped: boolean; label: DecisionLabel }[];
  waitKey: string;
  probeTarget: number;
}

/** Labels every host PAUSE exit of a vCPU of the given guests (host store in host time). */
export function guestTruth(host: EventStore, guests: GuestTrace[], policy: FilterPolicy): GuestTruth {
  const byTid = new Map<number, HostVcpu>();
  const states = guests.map((g) => new GuestState(g.store, Math.max(0, ...g.vcpus.map((v) => v.vcpu + 1))));
  const vcpuOf: HostVcpu[][] = guests.map(() => []);
  guests.forEach((g, k) =>
    g.vcpus.forEach(({ vcpu, hostTid }) => {
      const v = new HostVcpu(hostTid, k, vcpu);
      byTid.set(hostTid, v);
      vcpuOf[k][vcpu] = v;
    }),
  );
  const walk: WalkPolicy = { walk: 'two-pass', ipiAwareWindowNs: 0, ...policy };
  const pending = (v: HostVcpu) => states[v.guest].pendingOn(v.cpu);
  const pauseReason = host.strings.strings.map(isPauseExitReason);
  const yieldTo = host.strings.lookup('yield_to');
  const yieldReturn = host.strings.lookup('yield_to__return');
  const guestMode = host.strings.lookup(GUEST_MODE_PROBE);
  const decisions: GuestDecision[] = [];
  const open = new Map<number, OpenDecision>();
  const lostWait = new Map<number, string>();

  const close = (o: OpenDecision) => {
    open.delete(o.me.tid);
    if (o.d.label === null) return;
    // Judged only when every possible holder gives the same label and the same lost opportunity.
    const labels = new Set(o.alternatives.map((a) => a.label));
    const lost = new Set(o.alternatives.map((a) => a.label !== 'helpful' && a.filterSkipped));
    if (labels.size > 1 || lost.size > 1) {
      o.d.label = null;
      return;
    }
    o.d.label = o.alternatives[0].label;
    o.d.waitedFor = o.alternatives[0].waited.map((w) => w.tid);
    if (lost.has(true) && lostWait.get(o.me.tid) !== o.waitKey) {
      o.d.lost = true;
      lostWait.set(o.me.tid, o.waitKey);
    }
  };

  const order = host.order();
  for (const i of order) if (host.kind[i] === EventKind.KvmEntry) byTid.get(host.tid[i])?.entries.push(host.ts[i]);
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const t = host.ts[i];
    for (const s of states) s.advance(t);
    const kind = host.kind[i];
    if (kind === EventKind.SchedSwitch) {
      const prev = byTid.get(host.a[i]);
      const next = byTid.get(host.c[i]);
      if (prev) {
        const o = open.get(prev.tid);
        if (o) close(o);
        prev.running = prev.inGuest = false;
        if ((host.b[i] & 3) === PrevState.Runnable) prev.preempted = prev.ready = true;
        else prev.blocked = true;
      }
      if (next) {
        next.running = true;
        next.preempted = next.ready = next.woken = false;
        next.ipiFrom.clear();
      }
      continue;
    }
    const me = byTid.get(host.tid[i]);
    if (kind === EventKind.SchedWakeup || kind === EventKind.SchedWaking) {
      const v = byTid.get(host.a[i]);
      if (v && v.blocked) {
        v.blocked = false;
        v.woken = v.ready = true;
      }
      continue;
    }
    if (!me) continue;
    switch (kind) {
      case EventKind.KvmEntry: {
        const o = open.get(me.tid);
        if (o) close(o);
        me.ipiFrom.clear();
        me.inGuest = true;
        break;
      }
      case EventKind.ApicIpi: {
        const r = vcpuOf[me.guest][host.a[i]];
        if (r && !r.running) r.ipiFrom.add(me);
        break;
      }
      case EventKind.KvmExit: {
        me.inGuest = false;
        const o = open.get(me.tid);
        if (o) close(o);
        if (pauseReason[host.b[i]]) open.set(me.tid, openDecision(t, me, states[me.guest], vcpuOf[me.guest], walk, pending, yieldTo !== undefined, decisions));
        break;
      }
      case EventKind.Probe: {
        const name = host.a[i];
        if (name === guestMode) {
          if (!Number.isNaN(host.x[i])) me.preemptedInKernel = host.x[i] === 1;
          break;
        }
        const o = open.get(me.tid);
        if (!o) break;
        if (name === yieldTo) o.probeTarget = host.x[i];
        else if (name === yieldReturn && o.d.label !== null) {
          if (host.x[i] > 0) for (const a of o.alternatives) a.label = labelOf(byTid.get(o.probeTarget) ?? null, a.waited);
        }
        break;
      }
      default:
        break;
    }
  }
  for (const o of [...open.values()]) close(o);
  return { decisions, counts: countOf(decisions) };
}

function openDecision(t: number, me: HostVcpu, state: GuestState, vcpus: HostVcpu[], walk: WalkPolicy, pending: (v: HostVcpu) => boolean, walkSeen: boolean, out: GuestDecision[]): OpenDecision {
  let wait: WaitKind = 'none';
  let waitedSets: number[][] = [[]];
  let waitKey = '';
  let judged = true;
  const lock = state.waitingLock[me.cpu];
  if (lock >= 0) {
    wait = 'lock';
    waitKey = `lock:${state.waitRow[me.cpu]}`;
    const holders = lockHolders(state, lock, me, vcpus, t);
    if (holders === null) judged = false;
    else waitedSets = holders.map((h) => [h]);
  } else {
    const receivers = state.receiversOf(me.cpu);
    if (receivers.length > 0) {
      wait = 'ipi';
      waitKey = `ipi:${state.ipiRound[me.cpu]}`;
      waitedSets = [receivers];
    }
  }
  const alternatives = waitedSets.map((cpus) => {
    const waited = cpus.map((c) => vcpus[c]).filter((v): v is HostVcpu => v !== undefined);
    const filterSkipped = waited.some((w) => w.preempted && !w.blocked && userModeFilterSkips(w, me, walk, pending));
    return { waited, filterSkipped, label: 'noBoost' as DecisionLabel };
  });
  const awaited = judged ? alternatives.map((a) => a.waited.map((w) => w.tid)) : null;
  const d: GuestDecision = { ts: t, tid: me.tid, label: judged && walkSeen ? 'noBoost' : null, lost: false, wait, waitedFor: [], awaited };
  out.push(d);
  return { d, me, alternatives, waitKey, probeTarget: -1 };
}

/**
 * The guest CPUs that may hold `lock` at `t` (one when the guest's events prove it, two when
 * the lock may have been handed on unseen); null when they cannot tell. The lock is handed on in the order its waiters began (FIFO, as the simulator's and the
 * kernel's queued spinlocks do): its last contended acquirer holds it until it releases, and
 * then the first waiter in line does. The last acquirer has released it when it waits for it
 * again; it may have released it unseen when the first waiter, out of the guest, takes it on
 * its next entry.
 */
function lockHolders(state: GuestState, lock: number, me: HostVcpu, vcpus: HostVcpu[], t: number): number[] | null {
  const last = state.lastAcquirer.get(lock);
  if (last === undefined || !state.heldSinceContended.get(lock)) return null;
  const queue = state.waiters.get(lock) ?? [];
  const first = queue[0]?.cpu;
  if (queue.some((w) => w.cpu === last)) return first === me.cpu || first === last ? null : [first];
  if (last === me.cpu) return null;
  return mayHoldUnseen(state, lock, me, vcpus, t) ? [last, first] : [last];
}

/**
 * Whether the first waiter in line may already hold the lock unseen: handed on while it was out
 * of the guest, it notices (and traces contention_end) only when it next runs guest code. It is
 * out of the guest now and its wait ends right at its next entry: the release came at some time
 * no guest event shows, so the holder at `t` is unknown.
 */
function mayHoldUnseen(state: GuestState, lock: number, me: HostVcpu, vcpus: HostVcpu[], t: number): boolean {
  const first = state.waiters.get(lock)?.[0];
  if (!first || first.cpu === me.cpu) return false;
  const v = vcpus[first.cpu];
  if (!v || v.inGuest) return false;
  const end = state.waitEnd.get(first.row);
  // Both clocks agree to the nanosecond the files print (and TIME_SHIFT may round by one).
  return end !== undefined && Math.abs(end - firstAfter(v.entries, t)) <= 1;
}

/** The first value ≥ t of an ascending list (Infinity when none). */
function firstAfter(values: number[], t: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo < values.length ? values[lo] : Infinity;
}

/** The simulator's judgeBoost on the host's view of the target. */
function labelOf(target: HostVcpu | null, waited: HostVcpu[]): DecisionLabel {
  if (!target) return 'unhelpful'; // a boost of a thread that is no vCPU of these guests
  if (waited.includes(target)) return 'helpful';
  if (target.woken && !target.preempted) return 'overboost';
  return 'unhelpful';
}

function countOf(decisions: GuestDecision[]): GuestTruthCounts {
  const c: GuestTruthCounts = { decisions: decisions.length, judged: 0, helpful: 0, overboost: 0, unhelpful: 0, noBoost: 0, lostOpportunity: 0, waits: { ipi: 0, lock: 0, none: 0, lockHolderUnknown: 0 } };
  for (const d of decisions) {
    c.waits[d.wait]++;
    if (d.label === null) {
      if (d.wait === 'lock') c.waits.lockHolderUnknown++;
      continue;
    }
    c.judged++;
    c[d.label]++;
    if (d.lost) c.lostOpportunity++;
  }
  return c;
}
