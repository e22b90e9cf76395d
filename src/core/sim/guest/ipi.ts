// TLB-shootdown style IPIs: compute, then send an IPI to `receivers` siblings and spin until
// every receiver's handler has acknowledged (smp_call_function_many with wait); sometimes
// halt afterwards. acknowledge() is the receiver's side, for every workload's handlers.

import type { Workload } from '../scenario';
import type { GuestEngine, GuestWorkload, Vcpu } from './vcpu';

export class IpiWorkload implements GuestWorkload {
  readonly userFraction: number;
  readonly computeNs: number;
  readonly handlerNs: number;
  readonly pvHaltsWaits = true;

  constructor(private readonly spec: Extract<Workload, { type: 'ipi' }>) {
    this.userFraction = spec.userFraction;
    this.computeNs = spec.computeUs * 1000;
    this.handlerNs = spec.handlerUs * 1000;
  }

  afterWork(v: Vcpu, engine: GuestEngine): void {
    const others: Vcpu[] = [];
    for (const o of v.vm.vcpus) if (o !== v) others.push(o);
    const { receivers } = this.spec;
    const targets = receivers === 'all' ? others : engine.random.sample(others, Math.min(receivers, others.length));
    v.phase = 'ipi-spin';
    for (const r of targets) engine.sendIpi(v, r, true);
    engine.guestView?.callFunction(engine.now, v, targets.filter((r) => r.pendingIpis.includes(v)).map((r) => r.idx));
    if (!engine.icrWrite(v, targets)) engine.runGuest(v);
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

  waitSet(v: Vcpu): Vcpu[] {
    const wanted: Vcpu[] = [];
    for (const o of v.vm.vcpus) if (o.pendingIpis.includes(v)) wanted.push(o);
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
