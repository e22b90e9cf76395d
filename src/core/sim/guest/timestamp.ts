// Loops that wait on a timestamp (udelay, ktime polling): spin until a time passes. They exit
// for PLE like any spin, but no vCPU can help them.

import type { Workload } from '../scenario';
import type { GuestEngine, GuestWorkload, Vcpu } from './vcpu';
import { WaitSet } from './waitSet';

export class TimestampWorkload implements GuestWorkload {
  readonly userFraction: number;
  readonly computeNs: number;
  readonly handlerNs = 1000;
  readonly pvHaltsWaits = false;
  private readonly nothing = new WaitSet();
  private readonly waitNs: number;

  constructor(spec: Extract<Workload, { type: 'timestamp' }>) {
    this.userFraction = spec.userFraction;
    this.computeNs = spec.computeUs * 1000;
    this.waitNs = spec.waitUs * 1000;
  }

  afterWork(v: Vcpu, engine: GuestEngine): void {
    v.phase = 'time-spin';
    v.waitToken = engine.now + engine.random.exponential(this.waitNs);
    engine.runGuest(v);
  }

  resumeWait(v: Vcpu, engine: GuestEngine): void {
    if (engine.now < v.waitToken) {
      engine.startSpin(v);
      return;
    }
    engine.endSpinWait(v);
    v.vm.operations++;
    engine.newCompute(v);
    engine.runGuest(v);
  }

  /** Nothing: no vCPU can end this wait. */
  waitSet(): WaitSet {
    return this.nothing;
  }

  spinDeadline(v: Vcpu): number {
    return v.waitToken;
  }
}
