// Deterministic discrete-event simulator of an oversubscribed KVM host: guests whose vCPUs
// spin on FIFO spinlocks and on IPI acknowledgements, pause-loop exiting with KVM's window
// grow/shrink, kvm_vcpu_on_spin's candidate walk and filters, yield_to and the host's fair
// scheduler (host/). It knows what every spinner truly waits for, so each yield
// decision is labelled and the three problems are counted exactly. A run can also be
// recorded into the same columnar store imported traces use, so it goes through the same
// analysis.

import { EventKind, EventStore, PrevState, PREEMPT_FLAG } from '../trace/model';
import type { SiteName } from '../analysis/sites';
import { SITE_ID, SiteCounters, type SiteId } from './siteCounters';
import { createHostScheduler } from './host';
import type { HostScheduler, SchedTask } from './host/scheduler';
import { EntityState, type CfsRq, type GroupEntity } from './host/entity';
import { vcpuTaskGroups } from './host/groups';
import { LoadBalancer } from './host/balance';
import type { Policy } from './policies';
import { LIMITS, type Hardware, type Scenario } from './scenario';
import { EventQueue } from './eventQueue';
import { BoostsAwaitingPick } from './boostsAwaitingPick';
import { Random } from './random';
import { userModeFilterSkips, walkOnSpin, type OnSpinInput, type OnSpinOutcome } from './kvm/onSpin';
import { DecisionTruthLog, type DecisionTruth } from './decisionTruth';
import { ProblemFlag } from '../analysis/tables';
import { GuestViewRecorder, type DecisionLabel, type GuestView } from './guestView';
import { isSpinPhase, type GuestEngine, type Vcpu, type VmRt } from './guest/vcpu';
import { createWorkload } from './guest';
import { pvSpinNs } from './guest/paravirt';
import { EXIT_REASONS, type ExitReasons } from './kvm/exits';
import { nextHaltPollNs } from './kvm/haltPoll';
import { acknowledge } from './guest/ipi';
import { SenderMask, SenderTimes } from './guest/senders';
import { PendingIpis } from './guest/pendingIpis';
import type { WaitSet } from './guest/waitSet';

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
  /** Keep the per-decision truth (time, thread, true problem labels) in the result; in memory only. */
  truthLog?: boolean;
  /** Also record each VM's own view of the run (guestView.ts) and the label of every decision. */
  guestView?: boolean;
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
  /** Per-decision truth of the measured run (with SimOptions.truthLog). */
  truth?: DecisionTruth;
  /** With SimOptions.guestView: the guests' traces and the simulator's label of each decision. */
  guestView?: GuestView;
  warnings: string[];
}

export class SimulationCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

class Task extends EntityState implements SchedTask {
  cfsRq = null as unknown as CfsRq;
  parent: GroupEntity | null = null;
  /** sumExec when measuring started. */
  measuredFrom = 0;
  constructor(
    readonly id: number,
    readonly tid: number,
    public cpu: number,
    readonly vcpu: Vcpu | null,
  ) {
    super();
  }
}

const ESRCH = -3;
/** x86 CALL_FUNCTION_SINGLE_VECTOR (0xfb), whose sender waits for the function; RESCHEDULE_VECTOR (0xfd) for a plain wake-up. */
const CALL_FUNCTION_VECTOR = 0xfb;
const RESCHEDULE_VECTOR = 0xfd;
const EV_SEGMENT_END = 0;
const EV_HOST_RESUME = 1;
const EV_TICK = 2;
const EV_RESCHED = 3;
const EV_TIMER_WAKE = 4;
const EV_MEASURE = 5;
const EV_POLL_END = 6;

/** The default warm-up: 10 % of the measured run, at least 20 ms (every task starts together). */
export function defaultWarmupNs(durationNs: number): number {
  return Math.max(20e6, durationNs / 10);
}
/** The first and second half of a run differ by more than this share: warn that it is not stationary. */
const STATIONARITY_TOLERANCE = 0.1;

/** Host-side cost (ns) of a context switch back into the guest (VM exit costs are the scenario's hardware.exitCosts). */
const SWITCH_COST_NS = 2_000;

export function simulate(options: SimOptions): SimResult {
  return new Simulation(options).run();
}

class Simulation implements GuestEngine {
  private readonly scenario: Scenario;
  private readonly policy: Policy;
  readonly random: Random;
  private readonly sched: HostScheduler;
  /** Wake placement and load balancing on a `balanced` host; null when tasks stay pinned. */
  private readonly balancer: LoadBalancer | null;
  private readonly queue = new EventQueue();
  private readonly vms: VmRt[] = [];
  private readonly vcpus: Vcpu[] = [];
  private readonly tasks: Task[] = [];
  /** Per-site counters, one slot per global vCPU (set once the vCPUs are built). */
  private readonly sites: SiteCounters;
  private readonly store: EventStore | null;
  readonly guestView: GuestViewRecorder | null;
  private readonly maxRecorded: number;
  private readonly warnings: string[] = [];
  private readonly reasons: Record<string, number> = {};
  private readonly exitReasons: ExitReasons;
  /** kvm_arch_dy_has_pending_interrupt() of the modelled hardware. */
  private readonly pendingInterrupt: (v: Vcpu) => boolean;
  /** How long a paravirtual waiter spins before it halts. */
  private readonly pvSpinNs: number;
  now = 0;
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
    pendingInterrupt: (v) => this.pendingInterrupt(v),
    site: (site) => this.count(site, this.onSpinInput.me),
  };
  /** walkOnSpin's outcome, one object for every PAUSE exit. */
  private readonly onSpinOutcome: OnSpinOutcome<Vcpu> = { yielded: 0, target: null, lastBoosted: 0 };
  /** Per pCPU: boosts waiting for the next pick on that queue to judge them. */
  private readonly boostsAwaitingPick: BoostsAwaitingPick[] = [];
  private readonly truthLog: DecisionTruthLog | null;
  /** Truth log index of the decision being made (-1: none, or not logging). */
  private truthAt = -1;

  constructor(private readonly options: SimOptions) {
    const { scenario, policy } = options;
    if (!(options.durationNs > 0)) throw new RangeError(`duration must be positive, got ${options.durationNs / 1e9} s`);
    if (options.durationNs > LIMITS.durationSeconds * 1e9) throw new RangeError(`duration ${options.durationNs / 1e9} s is over the ${LIMITS.durationSeconds} s the simulator accepts`);
    this.scenario = scenario;
    this.policy = policy;
    this.onSpinInput.policy = policy;
    const hw = scenario.hardware;
    this.exitReasons = EXIT_REASONS[hw.vendor];
    this.pendingInterrupt = postedInterruptCheck(hw);
    this.pvSpinNs = pvSpinNs(hw.pauseCycles, scenario.host.cpuGhz);
    this.random = new Random(options.seed);
    this.sched = createHostScheduler(policy.scheduler, scenario.host.pcpus);
    this.balancer = scenario.host.balance === 'balanced' ? new LoadBalancer(this.sched, scenario.host.pcpus, (t, from, to) => this.recordMigrate(t, from, to)) : null;
    this.store = options.record ? new EventStore(1 << 16) : null;
    this.maxRecorded = options.maxRecordedEvents ?? 20_000_000;
    this.truthLog = options.truthLog ? new DecisionTruthLog() : null;
    this.measureFrom = options.warmupNs ?? defaultWarmupNs(options.durationNs);
    if (!(this.measureFrom >= 0)) throw new RangeError(`warm-up must be zero or positive, got ${this.measureFrom / 1e9} s`);
    for (let c = 0; c < scenario.host.pcpus; c++) this.boostsAwaitingPick.push(new BoostsAwaitingPick());
    this.build();
    this.sites = new SiteCounters(this.vcpus.length);
    this.guestView = options.guestView
      ? new GuestViewRecorder(options.seed, this.vms.map((vm) => ({ name: vm.name, vcpuTids: vm.vcpus.map((v) => v.task.tid) })), () => this.measuring)
      : null;
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
        workload: createWorkload(spec.workload),
        vcpus: [],
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
          task: null as unknown as SchedTask,
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
          ipiFrom: new SenderMask(spec.vcpus),
          recentIpiFrom: new SenderTimes(spec.vcpus),
          phase: 'compute',
          remaining: 0,
          userMode: false,
          lock: null,
          pendingIpis: new PendingIpis(spec.vcpus),
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
          haltPollNs: 0,
          haltStart: -1,
          polling: false,
          haltOnEntry: null,
          haltSeq: 0,
          pvSpinLeft: this.pvSpinNs,
        };
        const task = new Task(taskId++, tid, cpuOf[global], v);
        v.task = task;
        this.newCompute(v);
        vm.vcpus.push(v);
        this.vcpus.push(v);
        this.tasks.push(task);
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
    this.sites.reset();
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
          if (pulled > 0) this.stopPollingUnder(ev.ref);
          if (resched || (pulled > 0 && !this.sched.curr(ev.ref))) this.schedule(ev.ref);
          this.queue.push(this.now + tickNs, EV_TICK, ev.ref, 0);
          break;
        }
        case EV_RESCHED: {
          const before = this.sched.curr(ev.ref);
          this.schedule(ev.ref);
          if (this.sched.curr(ev.ref) === before) this.recordKickedGuest(ev.ref);
          break;
        }
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
          if (v.haltSeq === ev.version && (v.blocked || v.polling) && v.phase === 'halt') this.wake(v);
          break;
        }
        case EV_POLL_END: {
          const v = this.vcpus[ev.ref];
          if (v.version === ev.version && v.polling) this.stopPolling(v);
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

  newCompute(v: Vcpu): void {
    const w = v.vm.workload;
    v.phase = 'compute';
    v.remaining = this.random.exponential(w.computeNs);
    v.userMode = w.userFraction === null ? false : this.random.next() < w.userFraction;
  }

  /** VMX's ple_window counts cycles; SVM's pause_filter_count counts PAUSE instructions. */
  private windowNs(v: Vcpu): number {
    const { host, hardware } = this.scenario;
    return hardware.vendor === 'amd' ? (v.window * hardware.pauseCycles) / host.cpuGhz : v.window / host.cpuGhz;
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

  /**
   * resched_curr() from another pCPU kicks a vCPU out of the guest with the reschedule IPI
   * (an EXTERNAL_INTERRUPT exit); when the pick keeps it, it re-enters at once. Recorded as the
   * host trace would show it; the run's timing is left as it was.
   */
  private recordKickedGuest(cpu: number): void {
    const v = (this.sched.curr(cpu) as Task | null)?.vcpu;
    if (!v || !v.inGuest) return;
    const exit = this.record(EventKind.KvmExit, v.task.tid, v.task.cpu);
    if (exit < 0) return;
    this.store!.a[exit] = v.idx;
    this.store!.b[exit] = this.reasonId('EXTERNAL_INTERRUPT');
    const entry = this.record(EventKind.KvmEntry, v.task.tid, v.task.cpu);
    if (entry >= 0) this.store!.a[entry] = v.idx;
  }

  /**
   * The handler's EOI write, trapped by KVM (apic_set_eoi → kvm:kvm_eoi, see events/kvm.ts):
   * where the 2025 series clears its IPI context, so a host trace shows it. Only the
   * tracepoint is recorded; the exit that carries it is folded into the handler's time.
   */
  private recordEoi(v: Vcpu, vector: number): void {
    const row = this.record(EventKind.KvmEoi, v.task.tid, v.task.cpu);
    if (row < 0) return;
    this.store!.a[row] = v.idx;
    this.store!.b[row] = vector;
  }

  private reasonId(reason: string): number {
    return (this.reasons[reason] ??= this.store ? this.store.strings.intern(reason) : 0);
  }

  private enterGuest(v: Vcpu): void {
    const row = this.record(EventKind.KvmEntry, v.task.tid, v.task.cpu);
    if (row >= 0) this.store!.a[row] = v.idx;
    // The Strict Boost patch clears the IPI-sender bitmask on every entry (vmx_vcpu_run).
    if (v.ipiFrom.size > 0) v.ipiFrom.clear();
    v.inGuest = true;
    this.guestView?.entered(this.now, v);
    const halt = v.haltOnEntry;
    if (halt !== null) {
      v.haltOnEntry = null;
      this.halt(v, halt);
      return;
    }
    this.runGuest(v);
  }

  /** Starts the vCPU's next guest segment at `now`. */
  runGuest(v: Vcpu): void {
    v.version++;
    v.segStart = this.now;
    if (v.pendingIpis.length > 0) {
      if (v.handlerRemaining <= 0) {
        v.handlerRemaining = v.vm.workload.handlerNs;
        const sender = v.pendingIpis.first();
        if (sender) this.guestView?.csdFunction(this.now, v, sender.idx, true);
      }
      v.segment = 'handler';
      this.queue.push(this.now + v.handlerRemaining, EV_SEGMENT_END, v.global, v.version);
      return;
    }
    if (v.phase === 'compute' || v.phase === 'critical') {
      v.segment = 'work';
      this.queue.push(this.now + v.remaining, EV_SEGMENT_END, v.global, v.version);
      return;
    }
    if (v.phase === 'halt' || v.phase === 'pv-halt') throw new Error(`vCPU in guest while ${v.phase}`);
    v.vm.workload.resumeWait(v, this);
  }

  startSpin(v: Vcpu): void {
    v.segment = 'spin';
    v.userMode = false;
    // A timestamp loop ends by itself; nothing else does.
    const selfEnd = v.vm.workload.spinDeadline(v) - this.now;
    // A paravirtual waiter spins its SPIN_THRESHOLD loops (PLE still exits it meanwhile), then halts.
    const pvLeft = this.pvWaits(v) ? v.pvSpinLeft : Infinity;
    const pleAfter = this.policy.ple ? this.windowNs(v) : Infinity;
    const end = Math.min(selfEnd, pvLeft, pleAfter);
    if (end < Infinity) this.queue.push(this.now + end, EV_SEGMENT_END, v.global, v.version);
    // With PLE off the spin ends only when the awaited event comes or the tick preempts.
  }

  private pvWaits(v: Vcpu): boolean {
    return this.policy.pv && v.vm.workload.pvHaltsWaits;
  }

  endSpinWait(v: Vcpu): void {
    v.pvSpinLeft = this.pvSpinNs;
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
      v.pvSpinLeft -= elapsed;
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
        const sender = v.pendingIpis.shift();
        v.handlerRemaining = 0;
        this.recordEoi(v, sender ? CALL_FUNCTION_VECTOR : RESCHEDULE_VECTOR);
        if (sender) this.guestView?.csdFunction(this.now, v, sender.idx, false);
        acknowledge(v, sender, this);
        this.runGuest(v);
        return;
      }
      case 'work':
        v.vm.workload.afterWork(v, this);
        return;
      case 'spin':
        if (this.now >= v.vm.workload.spinDeadline(v)) this.runGuest(v);
        else if (this.pvWaits(v) && v.pvSpinLeft < 1) this.pvHalt(v); // < 1 ns: float rounding
        else this.pauseExit(v);
        return;
      default:
        return;
    }
  }

  /** The event a spinner waits for has happened. */
  spinConditionMet(w: Vcpu): void {
    if (w.inGuest && w.segment === 'spin') {
      this.accountSegment(w);
      this.runGuest(w);
    } else if ((w.blocked || w.polling) && w.phase === 'pv-halt') {
      this.wake(w); // the paravirtual kick
    }
  }

  sendIpi(sender: Vcpu, r: Vcpu, needsAck: boolean): void {
    // PV TLB flush (kvm_flush_tlb_multi, arch/x86/kernel/kvm.c): a receiver whose steal-time
    // KVM_VCPU_PREEMPTED is set (scheduled out while runnable) is cleared from the mask and
    // flushes when it next enters; no IPI is sent to it, and nobody waits for it.
    if (needsAck && this.policy.pv && r.preempted) return;
    const row = this.record(EventKind.ApicIpi, sender.task.tid, sender.task.cpu);
    if (row >= 0) {
      this.store!.a[row] = r.idx;
      this.store!.b[row] = needsAck ? CALL_FUNCTION_VECTOR : RESCHEDULE_VECTOR;
    }
    r.pendingIpis.push(needsAck ? sender : null);
    if (needsAck) {
      sender.outstanding++;
      r.recentIpiFrom.set(sender, this.now);
    }
    if (!r.task.running) r.ipiFrom.add(sender);
    if (r.inGuest) {
      if (r.segment === 'handler') return; // taken after the running handler
      if (this.scenario.hardware.apicv) {
        // Posted interrupt (APICv / AVIC): the handler runs at once, the interrupted segment resumes after it.
        this.accountSegment(r);
        this.runGuest(r);
      } else {
        // kvm_vcpu_kick(): a host IPI forces a VM exit; the interrupt is injected at the next entry.
        this.exitGuest(r, this.exitReasons.interrupt);
        this.resumeAfter(r, this.scenario.hardware.exitCosts.exitNs);
      }
    } else if (r.blocked || r.polling) {
      this.wake(r, sender);
    }
  }

  /**
   * The guest's x2APIC ICR writes that sent IPIs to `receivers`: in cluster mode one write per
   * cluster of 16 vCPUs (PV send-IPI would make it one hypercall), each an MSR-write VM exit
   * unless IPI virtualization sends it. The run file shows one exit, charged every write's
   * cost. True when the vCPU left the guest; it resumes, and goes on, after that time.
   */
  icrWrite(v: Vcpu, receivers: readonly Vcpu[]): boolean {
    if (this.scenario.hardware.ipiVirtualization || receivers.length === 0) return false;
    const writes = distinctClusters(receivers);
    this.exitGuest(v, this.exitReasons.msrWrite);
    this.resumeAfter(v, writes * this.scenario.hardware.exitCosts.exitNs);
    return true;
  }

  halt(v: Vcpu, sleepNs: number): void {
    if (!v.inGuest) {
      v.haltOnEntry = sleepNs; // after an exit: HLT once back in the guest
      return;
    }
    this.guestView?.halted(this.now, v);
    v.phase = 'halt';
    v.haltSeq++;
    this.enterHalt(v);
    this.queue.push(this.now + sleepNs, EV_TIMER_WAKE, v.global, v.haltSeq);
  }

  /** A paravirtual waiter halts after spinning a while; the releaser or the last ack kicks it. */
  private pvHalt(v: Vcpu): void {
    v.pvWaiting = v.phase;
    v.phase = 'pv-halt';
    this.enterHalt(v);
  }

  /** HLT exit, then kvm_vcpu_halt(): poll while this is the CPU's only task, else block. */
  private enterHalt(v: Vcpu): void {
    this.exitGuest(v, this.exitReasons.hlt);
    v.haltStart = this.now;
    if (v.haltPollNs > 0 && this.sched.nrRunning(v.task.cpu) === 1) {
      v.polling = true;
      this.queue.push(this.now + v.haltPollNs, EV_POLL_END, v.global, v.version);
      return;
    }
    this.block(v);
  }

  /** single_task_running() turns false under a polling vCPU when a task joins its CPU: it stops polling and blocks. */
  private stopPollingUnder(cpu: number): void {
    const polling = (this.sched.curr(cpu) as Task | null)?.vcpu;
    if (polling?.polling) this.stopPolling(polling);
  }

  /** The poll found nothing, or another task became runnable on the CPU: block. */
  private stopPolling(v: Vcpu): void {
    v.polling = false;
    this.block(v);
  }

  /** The halt is over, polled or waited: kvm_vcpu_wakeup and the vCPU's next halt_poll_ns. */
  private haltDone(v: Vcpu, waited: boolean): void {
    const blockNs = this.now - v.haltStart;
    v.haltStart = -1;
    v.haltPollNs = nextHaltPollNs(v.haltPollNs, blockNs, this.scenario.hardware.haltPoll);
    const row = this.record(EventKind.VcpuWakeup, v.task.tid, v.task.cpu);
    if (row < 0) return;
    const s = this.store!;
    s.a[row] = waited ? 1 : 0;
    s.b[row] = 1; // vcpu_valid_wakeup() is always true on x86
    s.x[row] = blockNs;
  }

  /** What the halted vCPU runs when it is woken. */
  private leaveHalt(v: Vcpu): void {
    v.version++;
    if (v.phase === 'halt') this.newCompute(v);
    else if (v.phase === 'pv-halt') {
      v.phase = v.pvWaiting ?? 'compute';
      v.pvSpinLeft = this.pvSpinNs; // kicked: a fresh SPIN_THRESHOLD loop
    }
  }

  private block(v: Vcpu): void {
    v.blocked = true;
    this.sched.dequeueSleep(v.task, this.now);
    this.schedule(v.task.cpu);
  }

  /** kvm_vcpu_wake_up(): the halted vCPU becomes runnable and KVM marks it ready. */
  /** `waker`: the vCPU whose IPI woke it (wake_affine looks at its CPU); none for a timer. */
  private wake(v: Vcpu, waker: Vcpu | null = null): void {
    if (v.polling) {
      // The poll saw the wake-up: the vCPU never left its CPU and KVM does not mark it ready.
      v.polling = false;
      this.leaveHalt(v);
      this.haltDone(v, false);
      this.resumeAfter(v, this.scenario.hardware.exitCosts.exitNs);
      return;
    }
    if (!v.blocked) return;
    v.blocked = false;
    v.ready = true;
    v.woken = true;
    this.leaveHalt(v);
    this.balancer?.placeWakee(v.task, waker ? waker.task.cpu : null, this.now);
    const row = this.record(EventKind.SchedWakeup, v.task.tid, v.task.cpu);
    if (row >= 0) {
      this.store!.a[row] = v.task.tid;
      this.store!.b[row] = v.task.cpu;
    }
    this.sched.enqueueWakeup(v.task, this.now);
    if (this.sched.checkPreemptWakeup(v.task, this.now)) this.queue.push(this.now, EV_RESCHED, v.task.cpu, 0);
    this.stopPollingUnder(v.task.cpu);
  }

  // ---- PLE and kvm_vcpu_on_spin -----------------------------------------------------------

  private count(site: SiteId, v: Vcpu): void {
    this.sites.count(site, v.global);
  }

  private pauseExit(me: Vcpu): void {
    const pauseNs = this.scenario.hardware.exitCosts.pauseNs;
    this.exitGuest(me, this.exitReasons.pause);
    this.m.pleExits++;
    me.vm.pleExits++;
    me.spinExits++;
    this.m.pleHandlingNs += pauseNs;
    this.count(SITE_ID['handle_pause.entry'], me);
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
    if (me.task.running && this.sched.curr(me.task.cpu) === me.task) this.resumeAfter(me, pauseNs);
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
    this.count(SITE_ID['ple_window.grow'], v);
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
    this.count(SITE_ID['ple_window.shrink'], v);
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
  private waitSet(me: Vcpu): WaitSet {
    return me.vm.workload.waitSet(me);
  }

  private kvmVcpuOnSpin(me: Vcpu): void {
    const vm = me.vm;
    const wanted = this.waitSet(me);
    this.count(SITE_ID['on_spin.entry'], me);
    this.recordProbe(me, 'kvm_vcpu_on_spin', false, NaN);
    this.m.decisions++;
    this.openTruth(me);
    me.inSpinLoop = true;
    const input = this.onSpinInput;
    input.vcpus = vm.vcpus;
    input.me = me;
    input.lastBoosted = vm.lastBoosted;
    input.now = this.now;
    const { yielded, target, lastBoosted } = walkOnSpin(input, this.onSpinOutcome);
    vm.lastBoosted = lastBoosted;
    const lost = this.judgeLostOpportunity(me, target, wanted);
    const label = this.judgeBoost(target, wanted);
    this.guestView?.decision(this.now, me.task.tid, label, lost, wanted.toArray());
    this.finishOnSpin(me, yielded > 0);
  }

  private oracleOnSpin(me: Vcpu): void {
    this.count(SITE_ID['on_spin.entry'], me);
    this.m.decisions++;
    this.openTruth(me);
    const wanted = this.waitSet(me);
    const target = firstRunnableWaiting(wanted);
    let yielded = 0;
    if (target) {
      this.count(SITE_ID['on_spin.yield_attempt'], me);
      this.sched.force(target.task);
      yielded = this.yieldTo(me, target);
      if (yielded > 0) this.count(SITE_ID['on_spin.yield_boosted'], me);
      else if (yielded < 0) this.count(SITE_ID['on_spin.yield_esrch'], me);
    }
    if (yielded <= 0) this.count(SITE_ID['on_spin.exit_no_yield'], me);
    const label = this.judgeBoost(yielded > 0 ? target : null, wanted);
    this.guestView?.decision(this.now, me.task.tid, label, false, wanted.toArray());
    me.inSpinLoop = true;
    this.finishOnSpin(me, yielded > 0);
  }

  /** A decision of the measured run starts: its truth labels go to this entry. */
  private openTruth(me: Vcpu): void {
    this.truthAt = this.truthLog && this.measuring ? this.truthLog.open(this.now, me.task.tid) : -1;
  }

  private judgeBoost(target: Vcpu | null, wanted: WaitSet): DecisionLabel {
    if (!target) return 'noBoost';
    this.m.boosts++;
    if (wanted.includes(target)) {
      this.m.helpfulBoosts++;
      return 'helpful';
    }
    if (target.woken && !target.preempted) {
      this.m.overboost++;
      this.truthLog?.label(this.truthAt, ProblemFlag.Overboost);
      return 'overboost';
    }
    this.m.unhelpful++;
    if (isSpinPhase(target.phase)) this.m.unhelpfulSpinning++;
    return 'unhelpful';
  }

  /**
   * Lost opportunity, once per spin wait: no awaited vCPU was boosted while one sat preempted
   * and the policy's user-mode filter would skip it — wherever the walk stopped.
   */
  private judgeLostOpportunity(me: Vcpu, target: Vcpu | null, wanted: WaitSet): boolean {
    if (me.waitLost || (target && wanted.includes(target))) return false;
    let skipped = false;
    for (let i = 0; i < wanted.length && !skipped; i++) {
      const w = wanted.at(i);
      skipped = w.preempted && !w.blocked && userModeFilterSkips(w, me, this.policy, this.pendingInterrupt);
    }
    if (!skipped) return false;
    me.waitLost = true;
    this.m.lost++;
    this.truthLog?.label(this.truthAt, ProblemFlag.LostOpportunity);
    return true;
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
      this.boostsAwaitingPick[targetCpu].add(target.task, cpu === targetCpu, this.truthAt);
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
    for (let i = 0; i < waiting.length; i++) {
      if (waiting.target(i) === next) continue;
      this.truthLog?.label(waiting.truthIndex(i), ProblemFlag.SchedulerMismatch);
      if (waiting.isSameQueue(i)) this.m.mismatchSameQueue++;
      else this.m.mismatchCrossQueue++;
    }
    waiting.clear();
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
        if (v.inGuest) this.exitGuest(v, this.exitReasons.interrupt);
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
      if (v.ipiFrom.size > 0) v.ipiFrom.clear();
      if (v.inSpinLoop) {
        v.inSpinLoop = false;
        v.dyEligible = false;
      }
      this.shrinkWindow(v);
      if (v.haltStart >= 0 && !v.blocked) this.haltDone(v, true);
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
      sites: this.sites.hits(),
      vcpus: this.vcpus.map((v) => ({ tid: v.task.tid, vm: v.vm.name, vcpu: v.idx })),
      simulatedEvents: this.events,
      store: this.store ?? undefined,
      truth: this.truthLog?.truth,
      guestView: this.guestView?.result(),
      warnings: this.warnings,
    };
  }
}

/**
 * kvm_arch_dy_has_pending_interrupt() (arch/x86/kvm/x86.c, 5.13+): `apicv_active &&
 * dy_apicv_has_pending_interrupt()`, which is VMX's pi_test_on() of the posted-interrupt
 * descriptor and `return false` in SVM (with or without AVIC). So only Intel with APICv sees
 * an interrupt pending for a preempted vCPU.
 */
/** x2APIC logical mode: one ICR write per cluster of 16 vCPUs among the receivers (counted without allocating). */
function distinctClusters(receivers: readonly Vcpu[]): number {
  let n = 0;
  outer: for (let i = 0; i < receivers.length; i++) {
    const cluster = receivers[i].idx >> 4;
    for (let j = 0; j < i; j++) if (receivers[j].idx >> 4 === cluster) continue outer;
    n++;
  }
  return n;
}

/** The oracle's pick: the first awaited vCPU that waits on a run queue. */
function firstRunnableWaiting(wanted: WaitSet): Vcpu | null {
  for (let i = 0; i < wanted.length; i++) {
    const v = wanted.at(i);
    if (!v.task.running && v.task.onRq) return v;
  }
  return null;
}

function postedInterruptCheck(hw: Hardware): (v: Vcpu) => boolean {
  return hw.vendor === 'intel' && hw.apicv ? (v) => v.pendingIpis.length > 0 : () => false;
}

