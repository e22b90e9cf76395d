// TLB-shootdown style IPIs: compute, then send an IPI to `receivers` siblings and spin until
// every receiver's handler has acknowledged (smp_call_function_many with wait); sometimes
// halt afterwards. acknowledge() is the receiver's side, for every workload's handlers.

import type { Workload } from '../scenario';
import type { GuestEngine, GuestWorkload, Vcpu } from './vcpu';
import { WaitSet } from './waitSet';

export class IpiWorkload implements GuestWorkload {
  readonly userFraction: number;
  readonly computeNs: number;
  readonly handlerNs: number;
  readonly pvHaltsWaits = true;
  private readonly wanted = new WaitSet();
  /** afterWork's scratch (drawReceivers). */
  private readonly siblings: Vcpu[] = [];
  private readonly drawn: Vcpu[] = [];
  /** flushMask's scratch. */
  private readonly unpreempted: Vcpu[] = [];
  /** Per sender (by vCPU number): the receivers of its last IPIs, in VM order — all that its wait set can hold. */
  private readonly receiversOf: Vcpu[][] = [];

  constructor(private readonly spec: Extract<Workload, { type: 'ipi' }>) {
    this.userFraction = spec.userFraction;
    this.computeNs = spec.computeUs * 1000;
    this.handlerNs = spec.handlerUs * 1000;
  }

  afterWork(v: Vcpu, engine: GuestEngine): void {
    const targets = this.flushMask(this.drawReceivers(v, engine), engine);
    this.noteReceivers(v, targets);
    v.phase = 'ipi-spin';
    for (let i = 0; i < targets.length; i++) engine.sendIpi(v, targets[i], true);
    engine.guestView?.callFunction(engine.now, v, targets.map((r) => r.idx));
    if (!engine.icrWrite(v, targets)) engine.runGuest(v);
  }

  /**
   * The receivers that get the shootdown IPI. A paravirtual guest's TLB flush
   * (kvm_flush_tlb_multi, arch/x86/kernel/kvm.c) clears from the mask every vCPU whose
   * steal-time KVM_VCPU_PREEMPTED is set (scheduled out while runnable): it flushes when it
   * next enters, gets no IPI, costs no ICR write, and nobody waits for it. The rule is the TLB
   * flush's only: other smp_call_function IPIs reach preempted vCPUs too.
   */
  private flushMask(receivers: readonly Vcpu[], engine: GuestEngine): readonly Vcpu[] {
    if (!engine.paravirtGuest || !receivers.some((r) => r.preempted)) return receivers;
    const mask = this.unpreempted;
    mask.length = 0;
    for (const r of receivers) if (!r.preempted) mask.push(r);
    return mask;
  }

  /**
   * The receivers of v's IPI: all its siblings, or `receivers` of them drawn as Random.sample
   * draws them (shuffle the siblings in VM order, take the first), into arrays this workload
   * reuses (the VM's size never changes, so neither do their lengths).
   */
  private drawReceivers(v: Vcpu, engine: GuestEngine): readonly Vcpu[] {
    const siblings = this.siblings;
    let n = 0;
    const vcpus = v.vm.vcpus;
    for (let i = 0; i < vcpus.length; i++) if (vcpus[i] !== v) siblings[n++] = vcpus[i];
    siblings.length = n;
    const { receivers } = this.spec;
    if (receivers === 'all') return siblings;
    engine.random.shuffle(siblings);
    if (receivers >= n) return siblings;
    const drawn = this.drawn;
    for (let i = 0; i < receivers; i++) drawn[i] = siblings[i];
    drawn.length = receivers;
    return drawn;
  }

  /**
   * Keeps `targets` sorted by vCPU number: the wait set then looks at them alone rather than at
   * the whole VM. The sender's earlier IPIs were all acknowledged before it sends again (its
   * spin ends at outstanding 0), so no other vCPU can hold one.
   */
  private noteReceivers(v: Vcpu, targets: readonly Vcpu[]): void {
    const sorted = (this.receiversOf[v.idx] ??= []);
    sorted.length = 0;
    for (let k = 0; k < targets.length; k++) {
      const r = targets[k];
      let i = sorted.length;
      while (i > 0 && sorted[i - 1].idx > r.idx) {
        sorted[i] = sorted[i - 1];
        i--;
      }
      sorted[i] = r;
    }
  }

  resumeWait(v: Vcpu, engine: GuestEngine): void {
    if (v.outstanding > 0) {
      engine.startSpin(v);
      return;
    }
    engine.endSpinWait(v);
    v.vm.operations++;
    if (engine.random.next() < this.spec.haltFraction) {
      engine.halt(v, engine.random.exponential(this.spec.idleUs * 1000));
      return;
    }
    engine.newCompute(v);
    engine.runGuest(v);
  }

  /** The receivers that have not run the spinner's handler yet, in VM order. */
  waitSet(v: Vcpu): WaitSet {
    const wanted = this.wanted.clear();
    const receivers = this.receiversOf[v.idx];
    if (receivers) for (let i = 0; i < receivers.length; i++) if (receivers[i].pendingIpis.hasFrom(v)) wanted.add(receivers[i]);
    return wanted;
  }

  spinDeadline(): number {
    return Infinity;
  }
}

/** The receiver's handler of an IPI from `sender` has finished: EOI, and the acknowledgement the sender spins on. */
export function acknowledge(receiver: Vcpu, sender: Vcpu | null, engine: GuestEngine): void {
  if (!sender) return;
  receiver.recentIpiFrom.delete(sender); // EOI
  sender.outstanding--;
  if (sender.outstanding === 0) engine.spinConditionMet(sender);
}
