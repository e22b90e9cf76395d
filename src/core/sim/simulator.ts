// Deterministic discrete-event simulator of an oversubscribed KVM host: guests whose vCPUs
// spin on FIFO spinlocks and on IPI acknowledgements, pause-loop exiting with KVM's window
// grow/shrink, kvm_vcpu_on_spin's candidate walk and filters, yield_to and the host's fair
// scheduler (host/). It knows what every spinner truly waits for, so each yield
// decision is labelled and the three problems are counted exactly. A run can also be
// recorded into the same columnar store imported traces use, so it goes through the same
// analysis.

import { EventKind, EventStore, PrevState, PREEMPT_FLAG } from '../trace/model';
import { SITES, type SiteName } from '../analysis/sites';
import { createHostScheduler } from './host';
import type { HostScheduler, SchedTask } from './host/scheduler';
import type { CfsRq, GroupEntity } from './host/entity';
import { vcpuTaskGroups } from './host/groups';
import { LoadBalancer } from './host/balance';
import type { Policy } from './policies';
import { LIMITS, type Scenario, type Workload } from './scenario';
import { EventQueue } from './eventQueue';
import { Random } from './random';
import { userModeFilterSkips, walkOnSpin, type OnSpinInput } from './kvm/onSpin';

export interface SimOptions {
  scenario: Scenario;
  policy: Policy;
  seed: number;
  /** Measured length, after the warm-up. */
  durationNs: number;
  /** Simulated before measuring starts (default: 10 % of durationNs, at least 20 ms); metrics and the recording cover only what follows. */
  warmupNs?: number;
  /** Record a trace (kvm, sched and yield_to probe events) into an EventStore. */
  record?: boolean;
  /** Stop recording past this many events (the run goes on). */
  maxRecordedEvents?: number;
  onProgress?: (fraction: number) => void;
  shouldStop?: () => boolean;
}

export interface VmMetrics {
  name: string;
  vcpus: number;
  /** Useful guest work per second, in CPUs (compute + critical sections + interrupt handlers). */
  throughput: number;
  /** pCPU time the VM's vCPUs held, in CPU-seconds per second. */
  cpuShare: number;
  spinTimeShare: number;
  pleExits: number;
  operations: number;
}

export interface SimMetrics {
  /** Useful guest work per second summed over VMs, in CPUs. */
  throughput: number;
  /** Share of all pCPU time spent spinning in guests or handling PAUSE exits. */
  spinTimeShare: number;
  pleExits: number;
  yieldAttempts: number;
  boosts: number;
  esrch: number;
  decisions: number;
  helpfulBoosts: number;
  /** Boosts whose target shared the spinner's run queue (the rest crossed queues). */
  boostsSameQueue: number;
  /** Scheduler mismatch judged at the pick after the boost's reschedule: the target was not picked. */
  mismatchSameQueue: number;
  mismatchCrossQueue: number;
  /** Unhelpful boosts whose target was itself spinning (another waiter). */
  unhelpfulBoostSpinning: number;
  /** Spin waits that ended (lock, IPI-acknowledgement, barrier and timestamp waits). */
  spinWaits: number;
  /** Spin waits that took at least three PAUSE exits (continuous PLE). */
  continuousPleEpisodes: number;
  /**
   * Ground truth. schedulerMismatch: boosts whose target the next pick on its queue passed over.
   * lostOpportunity: spin waits during which a decision boosted no awaited vCPU while one sat
   * preempted and the policy's user-mode filter would skip it. overboost: boosts of a vCPU woken
   * from halt that the spinner did not wait for. unhelpfulBoost: the other boosts of a vCPU the
   * spinner did not wait for.
   */
  problems: { schedulerMismatch: number; lostOpportunity: number; overboost: number; unhelpfulBoost: number };
  /** Jain's fairness index over the VMs' pCPU time (1 = perfectly fair). */
  fairness: number;
  perVm: VmMetrics[];
}

export interface SimResult {
  scenario: string;
  policy: string;
  seed: number;
  durationNs: number;
  metrics: SimMetrics;
  /** Per-site counters, DESIGN.md names; each value is indexed by global vCPU number. */
  sites: Record<SiteName, number[]>;
  /** Thread id, VM and vCPU number of every global vCPU index. */
  vcpus: { tid: number; vm: string; vcpu: number }[];
  simulatedEvents: number;
  store?: EventStore;
  warnings: string[];
}

export class SimulationCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

type Phase = 'compute' | 'critical' | 'lock-spin' | 'ipi-spin' | 'barrier-spin' | 'time-spin' | 'halt' | 'pv-halt';
type Segment = 'none' | 'work' | 'spin' | 'handler';

interface Lock {
  owner: Vcpu | null;
  waiters: Vcpu[];
}

interface VmRt {
  index: number;
  name: string;
  tgid: number;
  spec: Workload;
  vcpus: Vcpu[];
  locks: Lock[];
  /** Barrier workloads: who has arrived in the current generation. */
  barrier: { generation: number; arrived: Set<Vcpu> };
  lastBoosted: number;
  usefulNs: number;
  spinNs: number;
  runNs: number;
  pleExits: number;
  operations: number;
}

class Task implements SchedTask {
  vruntime = 0;
  deadline = 0;
  vlag = 0;
  sumExec = 0;
  prevSumExec = 0;
  execStart = 0;
  onRq = false;
  running = false;
  cfsRq = null as unknown as CfsRq;
  parent: GroupEntity | null = null;
  /** sumExec when measuring started. */
  measuredFrom = 0;
  constructor(
    readonly id: number,
    readonly tid: number,
    public cpu: number,
    readonly vcpu: Vcpu | null,
  ) {}
}

interface Vcpu {
  task: Task;
  vm: VmRt;
  idx: number;
  global: number;
  comm: string;
  // KVM's flags
  ready: boolean;
  preempted: boolean;
  preemptedInKernel: boolean;
  inSpinLoop: boolean;
  dyEligible: boolean;
  blocked: boolean;
  /** Woken from halt and not yet run: ready but not preempted. */
  woken: boolean;
  window: number;
  /** Strict Boost's bitmask: senders of IPIs received while scheduled out. */
  ipiFrom: Set<Vcpu>;
  /** 2025 series: senders of IPIs not yet EOI'd, with the time sent. */
  recentIpiFrom: Map<Vcpu, number>;
  // guest
  phase: Phase;
  remaining: number;
  userMode: boolean;
  lock: Lock | null;
  pendingIpis: (Vcpu | null)[];
  handlerRemaining: number;
  outstanding: number;
  spinExits: number;
  /** What a paravirtual waiter goes back to when kicked. */
  pvWaiting: Phase | null;
  /** barrier-spin: the generation waited on; time-spin: the time the wait ends. */
  waitToken: number;
  // execution
  inGuest: boolean;
  segment: Segment;
  segStart: number;
  version: number;
  resumePending: boolean;
  // ground truth bookkeeping
  lastSchedIn: number;
  /** The current spin wait has already counted a lost opportunity. */
  waitLost: boolean;
}

const ESRCH = -3;
const EV_SEGMENT_END = 0;
const EV_HOST_RESUME = 1;
const EV_TICK = 2;
const EV_RESCHED = 3;
const EV_TIMER_WAKE = 4;
const EV_MEASURE = 5;

/** The default warm-up: 10 % of the measured run, at least 20 ms (every task starts together). */
export function defaultWarmupNs(durationNs: number): number {
  return Math.max(20e6, durationNs / 10);
}
/** The first and second half of a run differ by more than this share: warn that it is not stationary. */
const STATIONARITY_TOLERANCE = 0.1;

/** Host-side costs (ns): a VM exit and its handling, and a context switch back into the guest. */
const EXIT_COST_NS = 1_200;
const SWITCH_COST_NS = 2_000;
/** How long a paravirtual spinlock waiter spins before it halts (SPIN_THRESHOLD, ~32k loops). */
const PV_SPIN_NS = 20_000;

export function simulate(options: SimOptions): SimResult {
  return new Simulation(options).run();
}

class Simulation {
  private readonly scenario: Scenario;
  private readonly policy: Policy;
  private readonly random: Random;
  private readonly sched: HostScheduler;
  /** Wake placement and load balancing on a `balanced` host; null when tasks stay pinned. */
  private readonly balancer: LoadBalancer | null;
  private readonly queue = new EventQueue();
  private readonly vms: VmRt[] = [];
  private readonly vcpus: Vcpu[] = [];
  private readonly tasks: Task[] = [];
  private readonly sites = {} as Record<SiteName, number[]>;
  private readonly store: EventStore | null;
  private readonly maxRecorded: number;
  private readonly warnings: string[] = [];
  private readonly reasons: Record<string, number> = {};
  private now = 0;
  private events = 0;
  /** Simulated time at which measuring starts (the end of the warm-up). */
  private readonly measureFrom: number;
  private measuring = false;
  /** The first half's counts, for the stationarity check. */
  private firstHalf: { pleExits: number; usefulNs: number } | null = null;
  private readonly m = {
    pleExits: 0,
    yieldAttempts: 0,
    boosts: 0,
    esrch: 0,
    decisions: 0,
    helpfulBoosts: 0,
    episodes: 0,
    spinWaits: 0,
    pleHandlingNs: 0,
    mismatchSameQueue: 0,
    mismatchCrossQueue: 0,
    boostsSameQueue: 0,
    lost: 0,
    overboost: 0,
    unhelpful: 0,
    unhelpfulSpinning: 0,
  };
  /** kvm_vcpu_on_spin's input, one object for every PAUSE exit (its closures read `me`). */
  private readonly onSpinInput: OnSpinInput<Vcpu> = {
    vcpus: [],
    me: null as unknown as Vcpu,
    lastBoosted: 0,
    policy: { walk: 'two-pass', pendingInterruptRule: false, strictBoost: 'off', ipiAwareWindowNs: 0 },
    now: 0,
    yieldTo: (v) => this.yieldTo(this.onSpinInput.me, v),
    pendingInterrupt: hasPendingInterrupt,
    site: (site) => this.count(site, this.onSpinInput.me),
  };
  /** Per pCPU: boosts waiting for the next pick on that queue to judge them. */
  private readonly boostsAwaitingPick: { target: Task; sameQueue: boolean }[][] = [];

  constructor(private readonly options: SimOptions) {
    const { scenario, policy } = options;
    if (!(options.durationNs > 0)) throw new RangeError(`duration must be positive, got ${options.durationNs / 1e9} s`);
    if (options.durationNs > LIMITS.durationSeconds * 1e9) throw new RangeError(`duration ${options.durationNs / 1e9} s is over the ${LIMITS.durationSeconds} s the simulator accepts`);
    this.scenario = scenario;
    this.policy = policy;
    this.onSpinInput.policy = policy;
    this.random = new Random(options.seed);
    this.sched = createHostScheduler(policy.scheduler, scenario.host.pcpus);
    this.balancer = scenario.host.balance === 'balanced' ? new LoadBalancer(this.sched, scenario.host.pcpus, (t, from, to) => this.recordMigrate(t, from, to)) : null;
    this.store = options.record ? new EventStore(1 << 16) : null;
    this.maxRecorded = options.maxRecordedEvents ?? 20_000_000;
    this.measureFrom = options.warmupNs ?? defaultWarmupNs(options.durationNs);
    if (!(this.measureFrom >= 0)) throw new RangeError(`warm-up must be zero or positive, got ${this.measureFrom / 1e9} s`);
    for (const s of SITES) this.sites[s] = [];
    for (let c = 0; c < scenario.host.pcpus; c++) this.boostsAwaitingPick.push([]);
    this.build();
  }

  private build(): void {
    const { host, vms } = this.scenario;
    const total = vms.reduce((n, v) => n + v.vcpus, 0);
    // Placement: "spread" puts vCPU j of every VM on pCPU j; "random" deals all vCPUs over
    // the pCPUs evenly in a seeded random order, so siblings can share a run queue.
    const cpuOf: number[] = [];
    if (host.placement === 'random') {
      const slots = Array.from({ length: total }, (_, i) => i % host.pcpus);
      this.random.shuffle(slots);
      cpuOf.push(...slots);
    } else {
      for (let k = 0; k < total; k++) cpuOf.push(k % host.pcpus);
    }
    let global = 0;
    let taskId = 0;
    vms.forEach((spec, index) => {
      const tgid = 10_000 + index * 1_000;
      const vm: VmRt = {
        index,
        name: spec.name,
        tgid,
        spec: spec.workload,
        vcpus: [],
        locks: spec.workload.type === 'spinlock' ? Array.from({ length: spec.workload.locks }, () => ({ owner: null, waiters: [] })) : [],
        barrier: { generation: 0, arrived: new Set() },
        lastBoosted: 0,
        usefulNs: 0,
        spinNs: 0,
        runNs: 0,
        pleExits: 0,
        operations: 0,
      };
      this.vms.push(vm);
      this.store?.noteThread(tgid, 'qemu-system-x86', tgid);
      for (let idx = 0; idx < spec.vcpus; idx++) {
        const tid = tgid + 1 + idx;
        const v: Vcpu = {
          task: null as unknown as Task,
          vm,
          idx,
          global,
          comm: `CPU ${idx}/KVM`,
          ready: false,
          preempted: false,
          preemptedInKernel: false,
          inSpinLoop: false,
          dyEligible: false,
          blocked: false,
          woken: false,
          window: this.scenario.ple.window,
          ipiFrom: new Set(),
          recentIpiFrom: new Map(),
          phase: 'compute',
          remaining: 0,
          userMode: false,
          lock: null,
          pendingIpis: [],
          handlerRemaining: 0,
          outstanding: 0,
          spinExits: 0,
          pvWaiting: null,
          waitToken: 0,
          inGuest: false,
          segment: 'none',
          segStart: 0,
          version: 0,
          resumePending: false,
          waitLost: false,
          lastSchedIn: -1,
        };
        v.task = new Task(taskId++, tid, cpuOf[global], v);
        this.newCompute(v);
        vm.vcpus.push(v);
        this.vcpus.push(v);
        this.tasks.push(v.task);
        this.store?.noteThread(tid, v.comm, tgid);
        global++;
      }
    });
    for (let i = 0; i < host.backgroundTasks; i++) {
      const t = new Task(taskId++, 90_000 + i, i % host.pcpus, null);
      this.tasks.push(t);
      this.store?.noteThread(t.tid, 'stress', t.tid);
    }
    // Start from a random point of the scheduler's state space rather than all at vruntime 0.
    const groups = vcpuTaskGroups(host.groups, vms);
    for (const t of this.tasks) {
      t.vruntime = this.random.next() * this.sched.latency;
      t.vlag = (this.random.next() - 0.5) * this.sched.baseSlice;
      this.sched.attach(t, t.vcpu ? groups[t.vcpu.vm.index][t.vcpu.idx] : null);
      this.sched.enqueueWakeup(t, 0);
    }
    const tickNs = 1e9 / host.tickHz;
    for (let cpu = 0; cpu < host.pcpus; cpu++) {
      this.queue.push(((cpu + 1) * tickNs) / (host.pcpus + 1), EV_TICK, cpu, 0);
      this.queue.push(0, EV_RESCHED, cpu, 0);
    }
    this.queue.push(this.measureFrom, EV_MEASURE, 0, 0);
    this.queue.push(this.measureFrom + this.options.durationNs / 2, EV_MEASURE, 1, 0);
  }

  /** EV_MEASURE 0: the warm-up ends, every counter restarts; 1: half-time, for the stationarity check. */
  private measure(ref: number): void {
    for (let cpu = 0; cpu < this.scenario.host.pcpus; cpu++) {
      this.sched.updateCurr(cpu, this.now);
      const v = (this.sched.curr(cpu) as Task | null)?.vcpu;
      if (v && v.inGuest) this.accountSegment(v);
    }
    if (ref === 1) {
      this.firstHalf = { pleExits: this.m.pleExits, usefulNs: this.vms.reduce((a, vm) => a + vm.usefulNs, 0) };
      return;
    }
    for (const key of Object.keys(this.m) as (keyof typeof this.m)[]) this.m[key] = 0;
    for (const vm of this.vms) Object.assign(vm, { usefulNs: 0, spinNs: 0, runNs: 0, pleExits: 0, operations: 0 });
    for (const t of this.tasks) t.measuredFrom = t.sumExec;
    for (const site of SITES) this.sites[site] = [];
    this.measuring = true;
  }

  private checkStationarity(): void {
    const half = this.firstHalf;
    if (!half) return;
    const useful = this.vms.reduce((a, vm) => a + vm.usefulNs, 0);
    const pairs: [string, number, number][] = [
      ['PAUSE exits', half.pleExits, this.m.pleExits - half.pleExits],
      ['throughput', half.usefulNs, useful - half.usefulNs],
    ];
    for (const [what, first, second] of pairs) {
      const mean = (first + second) / 2;
      if (mean > 0 && Math.abs(first - second) / mean > STATIONARITY_TOLERANCE) {
        this.warnings.push(`not stationary: ${what} of the first and the second half of the measured run differ by ${((Math.abs(first - second) / mean) * 100).toFixed(0)} % (try a longer run or warm-up)`);
      }
    }
  }

  run(): SimResult {
    const end = this.measureFrom + this.options.durationNs;
    const tickNs = 1e9 / this.scenario.host.tickHz;
    let nextProgress = 0;
    for (;;) {
      if (!this.queue.pop()) break;
      const ev = this.queue.popped;
      if (ev.time > end) break;
      this.now = ev.time;
      this.events++;
      if ((this.events & 0xffff) === 0) {
        if (this.options.shouldStop?.()) throw new SimulationCancelled();
        if (this.now >= nextProgress) {
          this.options.onProgress?.(this.now / end);
          nextProgress = this.now + end / 100;
        }
      }
      switch (ev.type) {
        case EV_TICK: {
          const resched = this.sched.tick(ev.ref, this.now);
          const pulled = this.balancer ? this.balancer.tick(ev.ref, this.now) : 0;
          if (resched || (pulled > 0 && !this.sched.curr(ev.ref))) this.schedule(ev.ref);
          this.queue.push(this.now + tickNs, EV_TICK, ev.ref, 0);
          break;
        }
        case EV_RESCHED:
          this.schedule(ev.ref);
          break;
        case EV_SEGMENT_END: {
          const v = this.vcpus[ev.ref];
          if (v.version === ev.version && v.inGuest) this.segmentEnd(v);
          break;
        }
        case EV_HOST_RESUME: {
          const v = this.vcpus[ev.ref];
          if (v.version === ev.version && v.resumePending && v.task.running) {
            v.resumePending = false;
            this.enterGuest(v);
          }
          break;
        }
        case EV_MEASURE:
          this.measure(ev.ref);
          break;
        case EV_TIMER_WAKE: {
          const v = this.vcpus[ev.ref];
          if (v.version === ev.version && v.blocked && v.phase === 'halt') this.wake(v);
          break;
        }
      }
    }
    this.now = end;
    for (let cpu = 0; cpu < this.scenario.host.pcpus; cpu++) {
      this.sched.updateCurr(cpu, end);
      const v = (this.sched.curr(cpu) as Task | null)?.vcpu;
      if (v && v.inGuest) this.accountSegment(v);
    }
    for (const t of this.tasks) if (t.vcpu) t.vcpu.vm.runNs += t.sumExec - t.measuredFrom;
    this.checkStationarity();
    return this.result();
  }

  // ---- guest execution ------------------------------------------------------------------

  private newCompute(v: Vcpu): void {
    const w = v.vm.spec;
    v.phase = 'compute';
    v.remaining = this.random.exponential(w.computeUs * 1000);
    v.userMode = w.type === 'idle' ? false : this.random.next() < w.userFraction;
  }

  private windowNs(v: Vcpu): number {
    return v.window / this.scenario.host.cpuGhz;
  }

  private record(kind: EventKind, tid: number, cpu: number): number {
    const store = this.store;
    if (!store || !this.measuring) return -1;
    if (store.length >= this.maxRecorded) {
      if (store.length === this.maxRecorded) {
        this.warnings.push(`recording stopped at ${this.maxRecorded} events; the run went on`);
        store.push(this.now, cpu, tid, kind, store.length + 1);
      }
      return -1;
    }
    return store.push(this.now, cpu, tid, kind, store.length + 1);
  }

  private reasonId(reason: string): number {
    return (this.reasons[reason] ??= this.store ? this.store.strings.intern(reason) : 0);
  }

  private enterGuest(v: Vcpu): void {
    const row = this.record(EventKind.KvmEntry, v.task.tid, v.task.cpu);
    if (row >= 0) this.store!.a[row] = v.idx;
    // The Strict Boost patch clears the IPI-sender bitmask on every entry (vmx_vcpu_run).
    v.ipiFrom.clear();
    v.inGuest = true;
    this.runGuest(v);
  }

  /** Starts the vCPU's next guest segment at `now`. */
  private runGuest(v: Vcpu): void {
    v.version++;
    v.segStart = this.now;
    if (v.pendingIpis.length > 0) {
      if (v.handlerRemaining <= 0) v.handlerRemaining = this.handlerNs(v);
      v.segment = 'handler';
      this.queue.push(this.now + v.handlerRemaining, EV_SEGMENT_END, v.global, v.version);
      return;
    }
    switch (v.phase) {
      case 'compute':
      case 'critical':
        v.segment = 'work';
        this.queue.push(this.now + v.remaining, EV_SEGMENT_END, v.global, v.version);
        return;
      case 'lock-spin':
        if (v.lock!.owner === v) {
          v.phase = 'critical';
          v.userMode = false;
          v.remaining = this.random.exponential((v.vm.spec as Extract<Workload, { type: 'spinlock' }>).criticalUs * 1000);
          this.endSpinWait(v);
          this.runGuest(v);
          return;
        }
        this.startSpin(v);
        return;
      case 'ipi-spin':
        if (v.outstanding === 0) {
          this.endSpinWait(v);
          v.vm.operations++;
          this.afterIpiRound(v);
          return;
        }
        this.startSpin(v);
        return;
      case 'barrier-spin':
      case 'time-spin': {
        const done = v.phase === 'barrier-spin' ? v.vm.barrier.generation !== v.waitToken : this.now >= v.waitToken;
        if (done) {
          this.endSpinWait(v);
          v.vm.operations++;
          this.newCompute(v);
          this.runGuest(v);
          return;
        }
        this.startSpin(v);
        return;
      }
      default:
        throw new Error(`vCPU in guest while ${v.phase}`);
    }
  }

  private handlerNs(v: Vcpu): number {
    const w = v.vm.spec;
    return (w.type === 'ipi' ? w.handlerUs : 1) * 1000;
  }

  private startSpin(v: Vcpu): void {
    v.segment = 'spin';
    v.userMode = false;
    // A timestamp loop ends by itself; nothing else does.
    const selfEnd = v.phase === 'time-spin' ? v.waitToken - this.now : Infinity;
    const pvWait = this.policy.pv && (v.phase === 'lock-spin' || v.phase === 'ipi-spin');
    const exitAfter = pvWait ? PV_SPIN_NS : this.policy.ple ? this.windowNs(v) : Infinity;
    const end = Math.min(selfEnd, exitAfter);
    if (end < Infinity) this.queue.push(this.now + end, EV_SEGMENT_END, v.global, v.version);
    // With PLE off the spin ends only when the awaited event comes or the tick preempts.
  }

  private endSpinWait(v: Vcpu): void {
    this.m.spinWaits++;
    if (v.spinExits >= 3) this.m.episodes++;
    v.spinExits = 0;
    v.waitLost = false;
  }

  /** Charges the time since segStart to the running segment. */
  private accountSegment(v: Vcpu): void {
    const elapsed = this.now - v.segStart;
    v.segStart = this.now;
    if (elapsed <= 0) return;
    if (v.segment === 'work') {
      v.remaining -= elapsed;
      v.vm.usefulNs += elapsed;
    } else if (v.segment === 'handler') {
      v.handlerRemaining -= elapsed;
      v.vm.usefulNs += elapsed;
    } else if (v.segment === 'spin') {
      v.vm.spinNs += elapsed;
    }
  }

  /** The vCPU leaves the guest with a VM exit. */
  private exitGuest(v: Vcpu, reason: string): void {
    this.accountSegment(v);
    v.inGuest = false;
    v.segment = 'none';
    v.version++;
    const row = this.record(EventKind.KvmExit, v.task.tid, v.task.cpu);
    if (row >= 0) {
      this.store!.a[row] = v.idx;
      this.store!.b[row] = this.reasonId(reason);
    }
  }

  private segmentEnd(v: Vcpu): void {
    this.accountSegment(v);
    switch (v.segment) {
      case 'handler': {
        const sender = v.pendingIpis.shift()!;
        v.handlerRemaining = 0;
        if (sender) {
          v.recentIpiFrom.delete(sender); // EOI
          sender.outstanding--;
          if (sender.outstanding === 0) this.spinConditionMet(sender);
        }
        this.runGuest(v);
        return;
      }
      case 'work':
        if (v.phase === 'critical') {
          v.vm.operations++;
          this.releaseLock(v);
          this.newCompute(v);
          this.runGuest(v);
        } else {
          this.nextOperation(v);
        }
        return;
      case 'spin':
        if (v.phase === 'time-spin' && this.now >= v.waitToken) this.runGuest(v);
        else if (this.policy.pv && (v.phase === 'lock-spin' || v.phase === 'ipi-spin')) this.pvHalt(v);
        else this.pauseExit(v);
        return;
      default:
        return;
    }
  }

  /** After a compute segment: what the workload does next. */
  private nextOperation(v: Vcpu): void {
    const w = v.vm.spec;
    if (w.type === 'spinlock') {
      const lock = v.vm.locks[this.random.int(v.vm.locks.length)];
      v.lock = lock;
      v.phase = 'lock-spin';
      if (!lock.owner) lock.owner = v;
      else lock.waiters.push(v);
      this.runGuest(v);
      return;
    }
    if (w.type === 'ipi') {
      const others = v.vm.vcpus.filter((o) => o !== v);
      const receivers = w.receivers === 'all' ? others : this.random.sample(others, Math.min(w.receivers, others.length));
      v.phase = 'ipi-spin';
      for (const r of receivers) this.sendIpi(v, r, true);
      this.runGuest(v);
      return;
    }
    if (w.type === 'barrier') {
      const barrier = v.vm.barrier;
      v.phase = 'barrier-spin';
      v.waitToken = barrier.generation;
      barrier.arrived.add(v);
      if (barrier.arrived.size === v.vm.vcpus.length) {
        const waiting = [...barrier.arrived];
        barrier.generation++;
        barrier.arrived.clear();
        for (const o of waiting) if (o !== v) this.spinConditionMet(o);
      }
      this.runGuest(v);
      return;
    }
    if (w.type === 'timestamp') {
      v.phase = 'time-spin';
      v.waitToken = this.now + this.random.exponential(w.waitUs * 1000);
      this.runGuest(v);
      return;
    }
    // idle: maybe wake a halted sibling, then halt until the timer or an IPI.
    v.vm.operations++;
    if (this.random.next() < w.wakeProbability) {
      const halted = v.vm.vcpus.filter((o) => o !== v && o.blocked);
      if (halted.length) this.sendIpi(v, halted[this.random.int(halted.length)], false);
    }
    this.halt(v, this.random.exponential(w.idleUs * 1000));
  }

  private afterIpiRound(v: Vcpu): void {
    const w = v.vm.spec as Extract<Workload, { type: 'ipi' }>;
    if (this.random.next() < w.haltFraction) {
      this.halt(v, this.random.exponential(w.idleUs * 1000));
      return;
    }
    this.newCompute(v);
    this.runGuest(v);
  }

  private releaseLock(v: Vcpu): void {
    const lock = v.lock!;
    v.lock = null;
    // FIFO hand-off: the lock goes to the next waiter even if it is preempted.
    lock.owner = lock.waiters.shift() ?? null;
    if (lock.owner) this.spinConditionMet(lock.owner);
  }

  /** The event a spinner waits for has happened. */
  private spinConditionMet(w: Vcpu): void {
    if (w.inGuest && w.segment === 'spin') {
      this.accountSegment(w);
      this.runGuest(w);
    } else if (w.blocked && w.phase === 'pv-halt') {
      this.wake(w); // the paravirtual kick
    }
  }

  private sendIpi(sender: Vcpu, r: Vcpu, needsAck: boolean): void {
    const row = this.record(EventKind.ApicIpi, sender.task.tid, sender.task.cpu);
    if (row >= 0) {
      this.store!.a[row] = r.idx;
      this.store!.b[row] = needsAck ? 251 : 253;
    }
    // PV TLB flush: a preempted receiver flushes when it next enters; nobody waits for it.
    if (needsAck && this.policy.pv && !r.task.running && !r.blocked) return;
    r.pendingIpis.push(needsAck ? sender : null);
    if (needsAck) {
      sender.outstanding++;
      r.recentIpiFrom.set(sender, this.now);
    }
    if (!r.task.running) r.ipiFrom.add(sender);
    if (r.inGuest) {
      // Posted interrupt: the handler runs at once, the interrupted segment resumes after it.
      if (r.segment !== 'handler') {
        this.accountSegment(r);
        this.runGuest(r);
      }
    } else if (r.blocked) {
      this.wake(r, sender);
    }
  }

  private halt(v: Vcpu, sleepNs: number): void {
    v.phase = 'halt';
    this.block(v);
    this.queue.push(this.now + sleepNs, EV_TIMER_WAKE, v.global, v.version);
  }

  /** A paravirtual waiter halts after spinning a while; the releaser or the last ack kicks it. */
  private pvHalt(v: Vcpu): void {
    v.pvWaiting = v.phase;
    v.phase = 'pv-halt';
    this.block(v);
  }

  private block(v: Vcpu): void {
    this.exitGuest(v, 'HLT');
    v.blocked = true;
    this.sched.dequeueSleep(v.task, this.now);
    this.schedule(v.task.cpu);
  }

  /** kvm_vcpu_wake_up(): the halted vCPU becomes runnable and KVM marks it ready. */
  /** `waker`: the vCPU whose IPI woke it (wake_affine looks at its CPU); none for a timer. */
  private wake(v: Vcpu, waker: Vcpu | null = null): void {
    if (!v.blocked) return;
    v.blocked = false;
    v.ready = true;
    v.woken = true;
    v.version++;
    if (v.phase === 'halt') this.newCompute(v);
    else if (v.phase === 'pv-halt') v.phase = v.pvWaiting ?? 'compute';
    this.balancer?.placeWakee(v.task, waker ? waker.task.cpu : null, this.now);
    const row = this.record(EventKind.SchedWakeup, v.task.tid, v.task.cpu);
    if (row >= 0) {
      this.store!.a[row] = v.task.tid;
      this.store!.b[row] = v.task.cpu;
    }
    this.sched.enqueueWakeup(v.task, this.now);
    if (this.sched.checkPreemptWakeup(v.task, this.now)) this.queue.push(this.now, EV_RESCHED, v.task.cpu, 0);
  }

  // ---- PLE and kvm_vcpu_on_spin -----------------------------------------------------------

  private count(site: SiteName, v: Vcpu): void {
    const arr = this.sites[site];
    arr[v.global] = (arr[v.global] ?? 0) + 1;
  }

  private pauseExit(me: Vcpu): void {
    this.exitGuest(me, 'PAUSE_INSTRUCTION');
    this.m.pleExits++;
    me.vm.pleExits++;
    me.spinExits++;
    this.m.pleHandlingNs += EXIT_COST_NS;
    this.count('handle_pause.entry', me);
    this.growWindow(me);
    switch (this.policy.onSpin) {
      case 'directed':
        this.kvmVcpuOnSpin(me);
        break;
      case 'oracle':
        this.oracleOnSpin(me);
        break;
      case 'yield-no-target': {
        this.sched.yieldTask(me.task.cpu, this.now);
        this.schedule(me.task.cpu);
        break;
      }
      default:
        break;
    }
    if (me.task.running && this.sched.curr(me.task.cpu) === me.task) this.resumeAfter(me, EXIT_COST_NS);
  }

  private resumeAfter(v: Vcpu, delay: number): void {
    v.resumePending = true;
    v.version++;
    this.queue.push(this.now + delay, EV_HOST_RESUME, v.global, v.version);
  }

  /** grow_ple_window(): x grow while the modifier is below the base, + grow otherwise; capped. */
  private growWindow(v: Vcpu): void {
    const { window: base, grow, max } = this.scenario.ple;
    const old = v.window;
    let next: number;
    if (grow < 1) next = base;
    else if (grow < base) next = old * grow;
    else next = old + grow;
    next = Math.min(next, max);
    if (next === old) return;
    v.window = next;
    this.count('ple_window.grow', v);
    this.recordWindow(v, old, next, true);
  }

  /** shrink_ple_window() at sched-in: shrink 0 resets to the base window. */
  private shrinkWindow(v: Vcpu): void {
    const { window: base, shrink } = this.scenario.ple;
    const old = v.window;
    let next: number;
    if (shrink < 1) next = base;
    else if (shrink < base) next = Math.floor(old / shrink);
    else next = old - shrink;
    next = Math.max(next, base);
    if (next === old) return;
    v.window = next;
    this.count('ple_window.shrink', v);
    this.recordWindow(v, old, next, false);
  }

  private recordWindow(v: Vcpu, old: number, next: number, grow: boolean): void {
    const row = this.record(EventKind.PleWindow, v.task.tid, v.task.cpu);
    if (row < 0) return;
    const s = this.store!;
    s.a[row] = v.idx;
    s.b[row] = grow ? 1 : 0;
    s.x[row] = old;
    s.y[row] = next;
  }

  /** What the spinner truly waits for (ground truth). */
  private waitSet(me: Vcpu): Vcpu[] {
    if (me.phase === 'lock-spin' && me.lock?.owner && me.lock.owner !== me) return [me.lock.owner];
    if (me.phase === 'ipi-spin') return me.vm.vcpus.filter((o) => o.pendingIpis.includes(me));
    if (me.phase === 'barrier-spin') return me.vm.vcpus.filter((o) => o !== me && !me.vm.barrier.arrived.has(o));
    return []; // a timestamp loop waits for no vCPU
  }

  private kvmVcpuOnSpin(me: Vcpu): void {
    const vm = me.vm;
    const wanted = this.waitSet(me);
    this.count('on_spin.entry', me);
    this.recordProbe(me, 'kvm_vcpu_on_spin', false, NaN);
    this.m.decisions++;
    me.inSpinLoop = true;
    const input = this.onSpinInput;
    input.vcpus = vm.vcpus;
    input.me = me;
    input.lastBoosted = vm.lastBoosted;
    input.now = this.now;
    const { yielded, target, lastBoosted } = walkOnSpin(input);
    vm.lastBoosted = lastBoosted;
    this.judgeLostOpportunity(me, target, wanted);
    this.judgeBoost(target, wanted);
    this.finishOnSpin(me, yielded > 0);
  }

  private oracleOnSpin(me: Vcpu): void {
    this.count('on_spin.entry', me);
    this.m.decisions++;
    const wanted = this.waitSet(me);
    const target = wanted.find((v) => !v.task.running && v.task.onRq) ?? null;
    let yielded = 0;
    if (target) {
      this.count('on_spin.yield_attempt', me);
      this.sched.force(target.task);
      yielded = this.yieldTo(me, target);
      if (yielded > 0) this.count('on_spin.yield_boosted', me);
      else if (yielded < 0) this.count('on_spin.yield_esrch', me);
    }
    if (yielded <= 0) this.count('on_spin.exit_no_yield', me);
    this.judgeBoost(yielded > 0 ? target : null, wanted);
    me.inSpinLoop = true;
    this.finishOnSpin(me, yielded > 0);
  }

  private judgeBoost(target: Vcpu | null, wanted: Vcpu[]): void {
    if (!target) return;
    this.m.boosts++;
    if (wanted.includes(target)) this.m.helpfulBoosts++;
    else if (target.woken && !target.preempted) this.m.overboost++;
    else {
      this.m.unhelpful++;
      if (target.phase.endsWith('-spin')) this.m.unhelpfulSpinning++;
    }
  }

  /**
   * Lost opportunity, once per spin wait: no awaited vCPU was boosted while one sat preempted
   * and the policy's user-mode filter would skip it — wherever the walk stopped.
   */
  private judgeLostOpportunity(me: Vcpu, target: Vcpu | null, wanted: Vcpu[]): void {
    if (me.waitLost || (target && wanted.includes(target))) return;
    const skipped = wanted.some((w) => w.preempted && !w.blocked && userModeFilterSkips(w, me, this.policy, hasPendingInterrupt));
    if (!skipped) return;
    me.waitLost = true;
    this.m.lost++;
  }

  /** yield_to() in kernel/sched/core.c, as kvm_vcpu_yield_to() calls it. */
  private yieldTo(me: Vcpu, target: Vcpu): number {
    this.m.yieldAttempts++;
    this.recordProbe(me, 'yield_to', false, target.task.tid);
    const cpu = me.task.cpu;
    const targetCpu = target.task.cpu;
    let result: number;
    if (this.sched.nrRunning(cpu) === 1 && this.sched.nrRunning(targetCpu) === 1) result = ESRCH;
    else if (target.task.running || !target.task.onRq) result = 0;
    else if (!this.sched.yieldToTask(cpu, target.task, this.now)) result = 0;
    else {
      if (cpu !== targetCpu) this.queue.push(this.now, EV_RESCHED, targetCpu, 0);
      this.boostsAwaitingPick[targetCpu].push({ target: target.task, sameQueue: cpu === targetCpu });
      if (cpu === targetCpu) this.m.boostsSameQueue++;
      result = 1;
    }
    if (result === ESRCH) this.m.esrch++;
    this.recordProbe(me, 'yield_to__return', true, result);
    return result;
  }

  private recordProbe(me: Vcpu, name: string, isReturn: boolean, value: number): void {
    const row = this.record(EventKind.Probe, me.task.tid, me.task.cpu);
    if (row < 0) return;
    const s = this.store!;
    s.a[row] = s.strings.intern(name);
    s.b[row] = isReturn ? 1 : 0;
    s.x[row] = value;
  }

  /** After a successful yield_to, the spinner calls schedule() inside kvm_vcpu_on_spin. */
  private finishOnSpin(me: Vcpu, yielded: boolean): void {
    if (yielded) this.schedule(me.task.cpu);
    if (me.task.running && this.sched.curr(me.task.cpu) === me.task) {
      me.inSpinLoop = false;
      me.dyEligible = false;
    }
    // Otherwise it is still inside kvm_vcpu_on_spin, preempted; sched-in finishes it.
  }

  // ---- host scheduling --------------------------------------------------------------------

  /** sched_migrate_task: a = pid, b = orig cpu, c = dest cpu. */
  private recordMigrate(task: SchedTask, from: number, to: number): void {
    const row = this.record(EventKind.SchedMigrate, task.tid, to);
    if (row < 0) return;
    const s = this.store!;
    s.a[row] = task.tid;
    s.b[row] = from;
    s.c[row] = to;
  }

  /** Scheduler mismatch where the kernel decides it: the pick after a boost's reschedule. */
  private judgePick(cpu: number, next: Task | null): void {
    const waiting = this.boostsAwaitingPick[cpu];
    if (waiting.length === 0) return;
    for (const { target, sameQueue } of waiting) {
      if (target === next) continue;
      if (sameQueue) this.m.mismatchSameQueue++;
      else this.m.mismatchCrossQueue++;
    }
    waiting.length = 0;
  }

  /** __schedule() on one CPU: put the previous task back if runnable, pick, switch. */
  private schedule(cpu: number): void {
    const now = this.now;
    const prev = this.sched.curr(cpu) as Task | null;
    let next = this.sched.pickNext(cpu, now) as Task | null;
    // newidle_balance(): a CPU with nothing to run first tries to pull a task.
    if (!next && this.balancer?.pullForIdle(cpu, now)) next = this.sched.pickNext(cpu, now) as Task | null;
    this.judgePick(cpu, next);
    if (next === prev && prev) return;
    if (prev) {
      const v = prev.vcpu;
      if (v) {
        const inKernel = !v.userMode || v.segment === 'handler' || v.phase !== 'compute' || !v.inGuest;
        if (v.inGuest) this.exitGuest(v, 'EXTERNAL_INTERRUPT');
        v.resumePending = false;
        v.version++;
        if (prev.onRq) {
          // kvm_sched_out(): preempted while runnable; the CPL is read at that moment.
          v.preempted = true;
          v.ready = true;
          v.preemptedInKernel = inKernel;
        }
      }
    }
    const row = this.record(EventKind.SchedSwitch, prev ? prev.tid : 0, cpu);
    if (row >= 0) {
      const s = this.store!;
      s.a[row] = prev ? prev.tid : 0;
      s.b[row] = prev ? (prev.onRq ? PrevState.Runnable | PREEMPT_FLAG : PrevState.Sleeping) : PrevState.Runnable;
      s.c[row] = next ? next.tid : 0;
    }
    // kvm_sched_out → kvm_arch_vcpu_put(), after the switch tracepoint: the CPL it read, as a
    // line probe on vcpu->arch.preempted_in_kernel would record it.
    const out = prev?.vcpu;
    if (out && prev!.onRq) this.recordProbe(out, 'kvm_arch_vcpu_put', false, out.preemptedInKernel ? 1 : 0);
    if (!next) return;
    const v = next.vcpu;
    if (v) {
      // kvm_sched_in(): no longer preempted or ready; Strict Boost's bitmask is cleared.
      v.preempted = false;
      v.ready = false;
      v.woken = false;
      v.lastSchedIn = now;
      v.ipiFrom.clear();
      if (v.inSpinLoop) {
        v.inSpinLoop = false;
        v.dyEligible = false;
      }
      this.shrinkWindow(v);
      this.resumeAfter(v, SWITCH_COST_NS);
    }
  }

  private result(): SimResult {
    const duration = this.options.durationNs;
    const perVm: VmMetrics[] = this.vms.map((vm) => ({
      name: vm.name,
      vcpus: vm.vcpus.length,
      throughput: vm.usefulNs / duration,
      cpuShare: vm.runNs / duration,
      spinTimeShare: vm.runNs > 0 ? vm.spinNs / vm.runNs : 0,
      pleExits: vm.pleExits,
      operations: vm.operations,
    }));
    const shares = perVm.map((v) => v.cpuShare);
    const sum = shares.reduce((a, b) => a + b, 0);
    const sumSq = shares.reduce((a, b) => a + b * b, 0);
    const spinNs = this.vms.reduce((a, vm) => a + vm.spinNs, 0);
    const m = this.m;
    return {
      scenario: this.scenario.name,
      policy: this.policy.name,
      seed: this.options.seed,
      durationNs: duration,
      metrics: {
        throughput: perVm.reduce((a, v) => a + v.throughput, 0),
        spinTimeShare: (spinNs + m.pleHandlingNs) / (duration * this.scenario.host.pcpus),
        pleExits: m.pleExits,
        yieldAttempts: m.yieldAttempts,
        boosts: m.boosts,
        esrch: m.esrch,
        decisions: m.decisions,
        helpfulBoosts: m.helpfulBoosts,
        boostsSameQueue: m.boostsSameQueue,
        mismatchSameQueue: m.mismatchSameQueue,
        mismatchCrossQueue: m.mismatchCrossQueue,
        unhelpfulBoostSpinning: m.unhelpfulSpinning,
        spinWaits: m.spinWaits,
        continuousPleEpisodes: m.episodes,
        problems: {
          schedulerMismatch: m.mismatchSameQueue + m.mismatchCrossQueue,
          lostOpportunity: m.lost,
          overboost: m.overboost,
          unhelpfulBoost: m.unhelpful,
        },
        fairness: sumSq > 0 ? (sum * sum) / (shares.length * sumSq) : 1,
        perVm,
      },
      sites: this.sites,
      vcpus: this.vcpus.map((v) => ({ tid: v.task.tid, vm: v.vm.name, vcpu: v.idx })),
      simulatedEvents: this.events,
      store: this.store ?? undefined,
      warnings: this.warnings,
    };
  }
}

/** kvm_arch_dy_has_pending_interrupt(): an interrupt is pending (posted) for the vCPU. */
function hasPendingInterrupt(v: Vcpu): boolean {
  return v.pendingIpis.length > 0;
}

