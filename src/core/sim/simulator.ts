// Deterministic discrete-event simulator of an oversubscribed KVM host: guests whose vCPUs
// spin on FIFO spinlocks and on IPI acknowledgements, pause-loop exiting with KVM's window
// grow/shrink, kvm_vcpu_on_spin's candidate walk and filters, yield_to and the host's fair
// scheduler (host/). It knows what every spinner truly waits for, so each yield
// decision is labelled and the three problems are counted exactly. A run can also be
// recorded into the same columnar store imported traces use, so it goes through the same
// analysis.

import { EventStore } from '../trace/model';
import type { SiteName } from '../analysis/sites';
import { SITE_ID, SiteCounters, type SiteId } from './siteCounters';
import { createHostScheduler } from './host';
import type { HostScheduler } from './host/scheduler';
import { LoadBalancer } from './host/balance';
import type { Policy } from './policies';
import { LIMITS, type Hardware, type Scenario } from './scenario';
import { EventQueue } from './eventQueue';
import { EV_HOST_RESUME, EV_MEASURE, EV_POLL_END, EV_RESCHED, EV_SEGMENT_END, EV_TICK, EV_TIMER_WAKE, type SimContext } from './context';
import { HaltPaths } from './kvm/halt';
import { PauseHandler } from './kvm/pauseExit';
import { Random } from './random';
import { DecisionTruthLog, type DecisionTruth } from './decisionTruth';
import { GuestViewRecorder, type GuestView } from './guestView';
import { buildPopulation, SimTask, startTasks } from './population';
import { type GuestEngine, type Vcpu, type VmRt } from './guest/vcpu';
import { pvSpinNs } from './guest/paravirt';
import { EXIT_REASONS, type ExitReasons } from './kvm/exits';
import { acknowledge } from './guest/ipi';
import { pleWindowNs, shrunkPleWindow } from './kvm/pleWindow';
import { SimRecorder } from './recorder';
import { DecisionJudge } from './labels';
import { halfTime, resetVmCounters, SimCounters, simMetrics, stationarityWarnings, type HalfTime, type SimMetrics } from './metrics';

export type { SimMetrics, VmMetrics } from './metrics';

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

/** x86 CALL_FUNCTION_SINGLE_VECTOR (0xfb), whose sender waits for the function; RESCHEDULE_VECTOR (0xfd) for a plain wake-up. */
const CALL_FUNCTION_VECTOR = 0xfb;
const RESCHEDULE_VECTOR = 0xfd;

/** The default warm-up: 10 % of the measured run, at least 20 ms (every task starts together). */
export function defaultWarmupNs(durationNs: number): number {
  return Math.max(20e6, durationNs / 10);
}
/** Host-side cost (ns) of a context switch back into the guest (VM exit costs are the scenario's hardware.exitCosts). */
const SWITCH_COST_NS = 2_000;

export function simulate(options: SimOptions): SimResult {
  return new Simulation(options).run();
}

class Simulation implements GuestEngine, SimContext {
  readonly scenario: Scenario;
  readonly policy: Policy;
  readonly random: Random;
  readonly sched: HostScheduler;
  readonly balancer: LoadBalancer | null;
  readonly queue = new EventQueue();
  private readonly vms: VmRt[];
  private readonly vcpus: Vcpu[];
  private readonly tasks: SimTask[];
  /** Per-site counters, one slot per global vCPU (set once the vCPUs are built). */
  private readonly sites: SiteCounters;
  readonly recorder: SimRecorder | null;
  readonly guestView: GuestViewRecorder | null;
  private readonly warnings: string[] = [];
  readonly exitReasons: ExitReasons;
  readonly pendingInterrupt: (v: Vcpu) => boolean;
  readonly pvSpinNs: number;
  now = 0;
  private events = 0;
  /** Simulated time at which measuring starts (the end of the warm-up). */
  private readonly measureFrom: number;
  /** The scheduler tick's period (1 / CONFIG_HZ). */
  private readonly tickNs: number;
  /** The warm-up is over: counters count, the recorder records. */
  measuring = false;
  /** The first half's counts, for the stationarity check. */
  private firstHalf: HalfTime | null = null;
  readonly m = new SimCounters();
  readonly judge: DecisionJudge;
  private readonly halts: HaltPaths;
  private readonly pauses: PauseHandler;

  constructor(private readonly options: SimOptions) {
    const { scenario, policy } = options;
    if (!(options.durationNs > 0)) throw new RangeError(`duration must be positive, got ${options.durationNs / 1e9} s`);
    if (options.durationNs > LIMITS.durationSeconds * 1e9) throw new RangeError(`duration ${options.durationNs / 1e9} s is over the ${LIMITS.durationSeconds} s the simulator accepts`);
    this.scenario = scenario;
    this.policy = policy;
    const hw = scenario.hardware;
    this.exitReasons = EXIT_REASONS[hw.vendor];
    this.pendingInterrupt = postedInterruptCheck(hw);
    this.pvSpinNs = pvSpinNs(hw.pauseCycles, scenario.host.cpuGhz);
    this.random = new Random(options.seed);
    this.sched = createHostScheduler(policy.scheduler, scenario.host.pcpus);
    this.recorder = options.record ? new SimRecorder(new EventStore(1 << 16), options.maxRecordedEvents ?? 20_000_000, this, this.warnings) : null;
    this.balancer = scenario.host.balance === 'balanced' ? new LoadBalancer(this.sched, scenario.host.pcpus, (t, from, to) => this.recorder?.migrate(t, from, to)) : null;
    const truthLog = options.truthLog ? new DecisionTruthLog() : null;
    this.judge = new DecisionJudge(this.m, truthLog, scenario.host.pcpus, policy, this.pendingInterrupt);
    this.tickNs = 1e9 / scenario.host.tickHz;
    this.halts = new HaltPaths(this);
    this.pauses = new PauseHandler(this);
    this.measureFrom = options.warmupNs ?? defaultWarmupNs(options.durationNs);
    if (!(this.measureFrom >= 0)) throw new RangeError(`warm-up must be zero or positive, got ${this.measureFrom / 1e9} s`);
    ({ vms: this.vms, vcpus: this.vcpus, tasks: this.tasks } = buildPopulation(scenario, this.random, this.pvSpinNs, this.recorder, (v) => this.newCompute(v)));
    this.start();
    this.sites = new SiteCounters(this.vcpus.length);
    this.guestView = options.guestView
      ? new GuestViewRecorder(options.seed, this.vms.map((vm) => ({ name: vm.name, vcpuTids: vm.vcpus.map((v) => v.task.tid) })), () => this.measuring)
      : null;
  }

  /** The tasks start; the ticks, a first pick on every CPU and the measuring marks are queued. */
  private start(): void {
    const { host } = this.scenario;
    startTasks(this.tasks, this.scenario, this.random, this.sched);
    for (let cpu = 0; cpu < host.pcpus; cpu++) {
      this.queue.push(((cpu + 1) * this.tickNs) / (host.pcpus + 1), EV_TICK, cpu, 0);
      this.queue.push(0, EV_RESCHED, cpu, 0);
    }
    this.queue.push(this.measureFrom, EV_MEASURE, 0, 0);
    this.queue.push(this.measureFrom + this.options.durationNs / 2, EV_MEASURE, 1, 0);
  }

  /** EV_MEASURE 0: the warm-up ends, every counter restarts; 1: half-time, for the stationarity check. */
  private measure(ref: number): void {
    this.chargeRunning();
    if (ref === 1) {
      this.firstHalf = halfTime(this.m, this.vms);
      return;
    }
    this.m.reset();
    resetVmCounters(this.vms);
    for (const t of this.tasks) t.measuredFrom = t.sumExec;
    this.sites.reset();
    this.measuring = true;
  }

  /** Charges every CPU's running task, and the guest segment of a running vCPU, up to now. */
  private chargeRunning(): void {
    for (let cpu = 0; cpu < this.scenario.host.pcpus; cpu++) {
      this.sched.updateCurr(cpu, this.now);
      const v = (this.sched.curr(cpu) as SimTask | null)?.vcpu;
      if (v && v.inGuest) this.accountSegment(v);
    }
  }

  run(): SimResult {
    const end = this.measureFrom + this.options.durationNs;
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
      this.dispatch(ev.type, ev.ref, ev.version);
    }
    this.now = end;
    this.chargeRunning();
    for (const t of this.tasks) if (t.vcpu) t.vcpu.vm.runNs += t.sumExec - t.measuredFrom;
    this.warnings.push(...stationarityWarnings(this.firstHalf, this.m, this.vms));
    return this.result();
  }

  /** Runs one timed event; a vCPU's event whose version has moved on is stale and does nothing. */
  private dispatch(type: number, ref: number, version: number): void {
    switch (type) {
      case EV_TICK:
        this.tick(ref);
        break;
      case EV_RESCHED: {
        const before = this.sched.curr(ref);
        this.schedule(ref);
        if (this.sched.curr(ref) === before) this.kickedGuest(ref);
        break;
      }
      case EV_SEGMENT_END: {
        const v = this.vcpus[ref];
        if (v.version === version && v.inGuest) this.segmentEnd(v);
        break;
      }
      case EV_HOST_RESUME: {
        const v = this.vcpus[ref];
        if (v.version === version && v.resumePending && v.task.running) {
          v.resumePending = false;
          this.enterGuest(v);
        }
        break;
      }
      case EV_MEASURE:
        this.measure(ref);
        break;
      case EV_TIMER_WAKE: {
        const v = this.vcpus[ref];
        if (v.haltSeq === version && (v.blocked || v.polling) && v.phase === 'halt') this.halts.wake(v);
        break;
      }
      case EV_POLL_END: {
        const v = this.vcpus[ref];
        if (v.version === version && v.polling) this.halts.stopPolling(v);
        break;
      }
    }
  }

  /** scheduler_tick() on `cpu`, with the periodic load balance of a balanced host. */
  private tick(cpu: number): void {
    const resched = this.sched.tick(cpu, this.now);
    const pulled = this.balancer ? this.balancer.tick(cpu, this.now) : 0;
    if (pulled > 0) this.halts.stopPollingUnder(cpu);
    if (resched || (pulled > 0 && !this.sched.curr(cpu))) this.schedule(cpu);
    this.queue.push(this.now + this.tickNs, EV_TICK, cpu, 0);
  }

  // ---- guest execution ------------------------------------------------------------------

  newCompute(v: Vcpu): void {
    const w = v.vm.workload;
    v.phase = 'compute';
    v.remaining = this.random.exponential(w.computeNs);
    v.userMode = w.userFraction === null ? false : this.random.next() < w.userFraction;
  }

  private windowNs(v: Vcpu): number {
    return pleWindowNs(v.window, this.scenario.hardware, this.scenario.host.cpuGhz);
  }

  /** A reschedule IPI that the pick answered by keeping the running vCPU (the trace still shows its exit). */
  private kickedGuest(cpu: number): void {
    if (!this.recorder) return;
    const v = (this.sched.curr(cpu) as SimTask | null)?.vcpu;
    if (v && v.inGuest) this.recorder.kickedGuest(v);
  }

  private enterGuest(v: Vcpu): void {
    this.recorder?.kvmEntry(v);
    // The Strict Boost patch clears the IPI-sender bitmask on every entry (vmx_vcpu_run).
    if (v.ipiFrom.size > 0) v.ipiFrom.clear();
    v.inGuest = true;
    this.guestView?.entered(this.now, v);
    const halt = v.haltOnEntry;
    if (halt !== null) {
      v.haltOnEntry = null;
      this.halts.halt(v, halt);
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
  exitGuest(v: Vcpu, reason: string): void {
    this.accountSegment(v);
    v.inGuest = false;
    v.segment = 'none';
    v.version++;
    this.recorder?.kvmExit(v, reason);
  }

  private segmentEnd(v: Vcpu): void {
    this.accountSegment(v);
    switch (v.segment) {
      case 'handler': {
        const sender = v.pendingIpis.shift();
        v.handlerRemaining = 0;
        this.recorder?.eoi(v, sender ? CALL_FUNCTION_VECTOR : RESCHEDULE_VECTOR);
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
        else if (this.pvWaits(v) && v.pvSpinLeft < 1) this.halts.pvHalt(v); // < 1 ns: float rounding
        else this.pauses.pauseExit(v);
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
      this.halts.wake(w); // the paravirtual kick
    }
  }

  get paravirtGuest(): boolean {
    return this.policy.pv;
  }

  sendIpi(sender: Vcpu, r: Vcpu, needsAck: boolean): void {
    this.recorder?.apicIpi(sender, r, needsAck ? CALL_FUNCTION_VECTOR : RESCHEDULE_VECTOR);
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
      this.halts.wake(r, sender);
    }
  }

  halt(v: Vcpu, sleepNs: number): void {
    this.halts.halt(v, sleepNs);
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

  // ---- PLE and kvm_vcpu_on_spin -----------------------------------------------------------

  count(site: SiteId, v: Vcpu): void {
    this.sites.count(site, v.global);
  }

  resumeAfter(v: Vcpu, delay: number): void {
    v.resumePending = true;
    v.version++;
    this.queue.push(this.now + delay, EV_HOST_RESUME, v.global, v.version);
  }

  /** shrink_ple_window() at sched-in. */
  private shrinkWindow(v: Vcpu): void {
    const old = v.window;
    const next = shrunkPleWindow(old, this.scenario.ple);
    if (next === old) return;
    v.window = next;
    this.count(SITE_ID['ple_window.shrink'], v);
    this.recorder?.pleWindow(v, old, next, false);
  }

  // ---- host scheduling --------------------------------------------------------------------

  /** __schedule() on one CPU: put the previous task back if runnable, pick, switch. */
  schedule(cpu: number): void {
    const now = this.now;
    const prev = this.sched.curr(cpu) as SimTask | null;
    let next = this.sched.pickNext(cpu, now) as SimTask | null;
    // newidle_balance(): a CPU with nothing to run first tries to pull a task.
    if (!next && this.balancer?.pullForIdle(cpu, now)) next = this.sched.pickNext(cpu, now) as SimTask | null;
    this.judge.pick(cpu, next);
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
    this.recorder?.schedSwitch(cpu, prev, next);
    // kvm_sched_out → kvm_arch_vcpu_put(), after the switch tracepoint: the CPL it read, as a
    // line probe on vcpu->arch.preempted_in_kernel would record it.
    const out = prev?.vcpu;
    if (out && prev!.onRq) this.recorder?.probe(out, 'kvm_arch_vcpu_put', false, out.preemptedInKernel ? 1 : 0);
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
      if (v.haltStart >= 0 && !v.blocked) this.halts.haltDone(v, true);
      this.resumeAfter(v, SWITCH_COST_NS);
    }
  }

  private result(): SimResult {
    return {
      scenario: this.scenario.name,
      policy: this.policy.name,
      seed: this.options.seed,
      durationNs: this.options.durationNs,
      metrics: simMetrics(this.m, this.vms, this.options.durationNs, this.scenario.host.pcpus),
      sites: this.sites.hits(),
      vcpus: this.vcpus.map((v) => ({ tid: v.task.tid, vm: v.vm.name, vcpu: v.idx })),
      simulatedEvents: this.events,
      store: this.recorder?.store,
      truth: this.judge.truthLog?.truth,
      guestView: this.guestView?.result(),
      warnings: this.warnings,
    };
  }
}

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

/**
 * kvm_arch_dy_has_pending_interrupt() (arch/x86/kvm/x86.c, 5.13+): `apicv_active &&
 * dy_apicv_has_pending_interrupt()`, which is VMX's pi_test_on() of the posted-interrupt
 * descriptor and `return false` in SVM (with or without AVIC). So only Intel with APICv sees
 * an interrupt pending for a preempted vCPU.
 */
function postedInterruptCheck(hw: Hardware): (v: Vcpu) => boolean {
  return hw.vendor === 'intel' && hw.apicv ? (v) => v.pendingIpis.length > 0 : () => false;
}

