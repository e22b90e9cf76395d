// A vCPU's halt as KVM runs it: the HLT exit, kvm_vcpu_halt()'s polling while the CPU has
// nothing else to run (kvm_vcpu_check_block / single_task_running in virt/kvm/kvm_main.c),
// blocking, and kvm_vcpu_wake_up() with KVM's ready flag; a paravirtual waiter's halt and kick.

import { EV_POLL_END, EV_RESCHED, EV_TIMER_WAKE, type SimContext } from '../context';
import type { Vcpu } from '../guest/vcpu';
import type { SimTask } from '../population';
import { nextHaltPollNs } from './haltPoll';

export class HaltPaths {
  constructor(private readonly sim: SimContext) {}

  /** The guest's HLT until a timer `sleepNs` from now or an interrupt. */
  halt(v: Vcpu, sleepNs: number): void {
    if (!v.inGuest) {
      v.haltOnEntry = sleepNs; // after an exit: HLT once back in the guest
      return;
    }
    this.sim.guestView?.halted(this.sim.now, v);
    v.phase = 'halt';
    v.haltSeq++;
    this.enterHalt(v);
    this.sim.queue.push(this.sim.now + sleepNs, EV_TIMER_WAKE, v.global, v.haltSeq);
  }

  /** A paravirtual waiter halts after spinning a while; the releaser or the last ack kicks it. */
  pvHalt(v: Vcpu): void {
    v.pvWaiting = v.phase;
    v.phase = 'pv-halt';
    this.enterHalt(v);
  }

  /** HLT exit, then kvm_vcpu_halt(): poll while this is the CPU's only task, else block. */
  private enterHalt(v: Vcpu): void {
    this.sim.exitGuest(v, this.sim.exitReasons.hlt);
    v.haltStart = this.sim.now;
    if (v.haltPollNs > 0 && this.sim.sched.nrRunning(v.task.cpu) === 1) {
      v.polling = true;
      this.sim.queue.push(this.sim.now + v.haltPollNs, EV_POLL_END, v.global, v.version);
      return;
    }
    this.block(v);
  }

  /** single_task_running() turns false under a polling vCPU when a task joins its CPU: it stops polling and blocks. */
  stopPollingUnder(cpu: number): void {
    const polling = (this.sim.sched.curr(cpu) as SimTask | null)?.vcpu;
    if (polling?.polling) this.stopPolling(polling);
  }

  /** The poll found nothing, or another task became runnable on the CPU: block. */
  stopPolling(v: Vcpu): void {
    v.polling = false;
    this.block(v);
  }

  /** The halt is over, polled or waited: kvm_vcpu_wakeup and the vCPU's next halt_poll_ns. */
  haltDone(v: Vcpu, waited: boolean): void {
    const blockNs = this.sim.now - v.haltStart;
    v.haltStart = -1;
    v.haltPollNs = nextHaltPollNs(v.haltPollNs, blockNs, this.sim.scenario.hardware.haltPoll);
    this.sim.recorder?.vcpuWakeup(v, waited, blockNs);
  }

  /** What the halted vCPU runs when it is woken. */
  private leaveHalt(v: Vcpu): void {
    v.version++;
    if (v.phase === 'halt') this.sim.newCompute(v);
    else if (v.phase === 'pv-halt') {
      v.phase = v.pvWaiting ?? 'compute';
      v.pvSpinLeft = this.sim.pvSpinNs; // kicked: a fresh SPIN_THRESHOLD loop
    }
  }

  /** kvm_vcpu_block(): off the run queue until woken. */
  private block(v: Vcpu): void {
    v.blocked = true;
    this.sim.sched.dequeueSleep(v.task, this.sim.now);
    this.sim.schedule(v.task.cpu);
  }

  /**
   * kvm_vcpu_wake_up(): the halted vCPU becomes runnable and KVM marks it ready. `waker`: the vCPU whose IPI woke it (wake_affine looks at its CPU); none for a timer.
   */
  wake(v: Vcpu, waker: Vcpu | null = null): void {
    if (v.polling) {
      // The poll saw the wake-up: the vCPU never left its CPU and KVM does not mark it ready.
      v.polling = false;
      this.leaveHalt(v);
      this.haltDone(v, false);
      this.sim.resumeAfter(v, this.sim.scenario.hardware.exitCosts.exitNs);
      return;
    }
    if (!v.blocked) return;
    v.blocked = false;
    v.ready = true;
    v.woken = true;
    this.leaveHalt(v);
    this.sim.balancer?.placeWakee(v.task, waker ? waker.task.cpu : null, this.sim.now);
    this.sim.recorder?.schedWakeup(v);
    this.sim.sched.enqueueWakeup(v.task, this.sim.now);
    if (this.sim.sched.checkPreemptWakeup(v.task, this.sim.now)) this.sim.queue.push(this.sim.now, EV_RESCHED, v.task.cpu, 0);
    this.stopPollingUnder(v.task.cpu);
  }
}
