// A PAUSE-loop exit as KVM handles it: handle_pause() (vmx.c) / pause_interception() (svm.c)
// grow the PLE window and call kvm_vcpu_on_spin() (virt/kvm/kvm_main.c), whose candidate
// walk is kvm/onSpin.ts and whose yield_to() is kernel/sched/core.c's; each decision is
// judged against what the spinner truly waits for (labels.ts).

import type { SimContext } from '../context';
import { EV_RESCHED } from '../context';
import type { Vcpu } from '../guest/vcpu';
import type { WaitSet } from '../guest/waitSet';
import { SITE_ID } from '../siteCounters';
import { walkOnSpin, type OnSpinInput, type OnSpinOutcome } from './onSpin';
import { grownPleWindow } from './pleWindow';

/** yield_to()'s -ESRCH: both run queues hold a single task. */
const ESRCH = -3;

export class PauseHandler {
  /** kvm_vcpu_on_spin's input, one object for every PAUSE exit (its closures read `me`). */
  private readonly onSpinInput: OnSpinInput<Vcpu>;
  /** walkOnSpin's outcome, one object for every PAUSE exit. */
  private readonly onSpinOutcome: OnSpinOutcome<Vcpu> = { yielded: 0, target: null, lastBoosted: 0 };

  constructor(private readonly sim: SimContext) {
    this.onSpinInput = {
      vcpus: [],
      me: null as unknown as Vcpu,
      lastBoosted: 0,
      policy: sim.policy,
      now: 0,
      yieldTo: (v) => this.yieldTo(this.onSpinInput.me, v),
      pendingInterrupt: (v) => sim.pendingInterrupt(v),
      site: (site) => sim.count(site, this.onSpinInput.me),
    };
  }

  /** A PLE exit: handle_pause() → kvm_vcpu_on_spin() as the policy runs it, then back into the guest if still on the CPU. */
  pauseExit(me: Vcpu): void {
    const pauseNs = this.sim.scenario.hardware.exitCosts.pauseNs;
    this.sim.exitGuest(me, this.sim.exitReasons.pause);
    this.sim.m.pleExits++;
    me.vm.pleExits++;
    me.spinExits++;
    this.sim.m.pleHandlingNs += pauseNs;
    this.sim.count(SITE_ID['handle_pause.entry'], me);
    this.growWindow(me);
    switch (this.sim.policy.onSpin) {
      case 'directed':
        this.kvmVcpuOnSpin(me);
        break;
      case 'oracle':
        this.oracleOnSpin(me);
        break;
      case 'yield-no-target': {
        this.sim.sched.yieldTask(me.task.cpu, this.sim.now);
        this.sim.schedule(me.task.cpu);
        break;
      }
      default:
        break;
    }
    if (me.task.running && this.sim.sched.curr(me.task.cpu) === me.task) this.sim.resumeAfter(me, pauseNs);
  }

  /** grow_ple_window() on a PAUSE exit. */
  private growWindow(v: Vcpu): void {
    const old = v.window;
    const next = grownPleWindow(old, this.sim.scenario.ple);
    if (next === old) return;
    v.window = next;
    this.sim.count(SITE_ID['ple_window.grow'], v);
    this.sim.recorder?.pleWindow(v, old, next, true);
  }

  /** What the spinner truly waits for (ground truth). */
  private waitSet(me: Vcpu): WaitSet {
    return me.vm.workload.waitSet(me);
  }

  /** kvm_vcpu_on_spin() with the policy's walk and filters (onSpin.ts), judged against the truth. */
  private kvmVcpuOnSpin(me: Vcpu): void {
    const vm = me.vm;
    const wanted = this.waitSet(me);
    this.sim.count(SITE_ID['on_spin.entry'], me);
    this.sim.recorder?.probe(me, 'kvm_vcpu_on_spin', false, NaN);
    this.sim.m.decisions++;
    this.sim.judge.open(this.sim.now, me.task.tid, this.sim.measuring);
    me.inSpinLoop = true;
    const input = this.onSpinInput;
    input.vcpus = vm.vcpus;
    input.me = me;
    input.lastBoosted = vm.lastBoosted;
    input.now = this.sim.now;
    const { yielded, target, lastBoosted } = walkOnSpin(input, this.onSpinOutcome);
    vm.lastBoosted = lastBoosted;
    const lost = this.sim.judge.lostOpportunity(me, target, wanted);
    const label = this.sim.judge.boost(target, wanted);
    this.sim.guestView?.decision(this.sim.now, me.task.tid, label, lost, wanted.toArray());
    this.finishOnSpin(me, yielded > 0);
  }

  /** The oracle: boost the first awaited vCPU that waits on a run queue, and force the pick to take it. */
  private oracleOnSpin(me: Vcpu): void {
    this.sim.count(SITE_ID['on_spin.entry'], me);
    this.sim.m.decisions++;
    this.sim.judge.open(this.sim.now, me.task.tid, this.sim.measuring);
    const wanted = this.waitSet(me);
    const target = firstRunnableWaiting(wanted);
    let yielded = 0;
    if (target) {
      this.sim.count(SITE_ID['on_spin.yield_attempt'], me);
      this.sim.sched.force(target.task);
      yielded = this.yieldTo(me, target);
      if (yielded > 0) this.sim.count(SITE_ID['on_spin.yield_boosted'], me);
      else if (yielded < 0) this.sim.count(SITE_ID['on_spin.yield_esrch'], me);
    }
    if (yielded <= 0) this.sim.count(SITE_ID['on_spin.exit_no_yield'], me);
    const label = this.sim.judge.boost(yielded > 0 ? target : null, wanted);
    this.sim.guestView?.decision(this.sim.now, me.task.tid, label, false, wanted.toArray());
    me.inSpinLoop = true;
    this.finishOnSpin(me, yielded > 0);
  }

  /** yield_to() in kernel/sched/core.c, as kvm_vcpu_yield_to() calls it. */
  private yieldTo(me: Vcpu, target: Vcpu): number {
    this.sim.m.yieldAttempts++;
    this.sim.recorder?.probe(me, 'yield_to', false, target.task.tid);
    const cpu = me.task.cpu;
    const targetCpu = target.task.cpu;
    let result: number;
    if (this.sim.sched.nrRunning(cpu) === 1 && this.sim.sched.nrRunning(targetCpu) === 1) result = ESRCH;
    else if (target.task.running || !target.task.onRq) result = 0;
    else if (!this.sim.sched.yieldToTask(cpu, target.task, this.sim.now)) result = 0;
    else {
      if (cpu !== targetCpu) this.sim.queue.push(this.sim.now, EV_RESCHED, targetCpu, 0);
      this.sim.judge.boosted(target.task, targetCpu, cpu === targetCpu);
      result = 1;
    }
    if (result === ESRCH) this.sim.m.esrch++;
    this.sim.recorder?.probe(me, 'yield_to__return', true, result);
    return result;
  }

  /** After a successful yield_to, the spinner calls schedule() inside kvm_vcpu_on_spin. */
  private finishOnSpin(me: Vcpu, yielded: boolean): void {
    if (yielded) this.sim.schedule(me.task.cpu);
    if (me.task.running && this.sim.sched.curr(me.task.cpu) === me.task) {
      me.inSpinLoop = false;
      me.dyEligible = false;
    }
    // Otherwise it is still inside kvm_vcpu_on_spin, preempted; sched-in finishes it.
  }
}

/** The oracle's pick: the first awaited vCPU that waits on a run queue. */
function firstRunnableWaiting(wanted: WaitSet): Vcpu | null {
  for (let i = 0; i < wanted.length; i++) {
    const v = wanted.at(i);
    if (!v.task.running && v.task.onRq) return v;
  }
  return null;
}
