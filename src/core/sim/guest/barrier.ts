// Barrier waits: compute, then spin until every sibling has reached the barrier; the last to
// arrive opens the next generation.

import type { Workload } from '../scenario';
import type { GuestEngine, GuestWorkload, Vcpu } from './vcpu';
import { WaitSet } from './waitSet';

export class BarrierWorkload implements GuestWorkload {
  readonly userFraction: number;
  readonly computeNs: number;
  readonly handlerNs = 1000;
  readonly pvHaltsWaits = false;
  private generation = 0;
  private readonly arrived = new Set<Vcpu>();
  private readonly wanted = new WaitSet();

  constructor(spec: Extract<Workload, { type: 'barrier' }>) {
    this.userFraction = spec.userFraction;
    this.computeNs = spec.computeUs * 1000;
  }

  afterWork(v: Vcpu, engine: GuestEngine): void {
    v.phase = 'barrier-spin';
    v.waitToken = this.generation;
    this.arrived.add(v);
    if (this.arrived.size === v.vm.vcpus.length) {
      const waiting = [...this.arrived];
      this.generation++;
      this.arrived.clear();
      for (const o of waiting) if (o !== v) engine.spinConditionMet(o);
    }
    engine.runGuest(v);
  }

  resumeWait(v: Vcpu, engine: GuestEngine): void {
    if (this.generation === v.waitToken) {
      engine.startSpin(v);
      return;
    }
    engine.endSpinWait(v);
    v.vm.operations++;
    engine.newCompute(v);
    engine.runGuest(v);
  }

  /** The siblings that have not reached the barrier. */
  waitSet(v: Vcpu): WaitSet {
    const wanted = this.wanted.clear();
    for (const o of v.vm.vcpus) if (o !== v && !this.arrived.has(o)) wanted.add(o);
    return wanted;
  }

  spinDeadline(): number {
    return Infinity;
  }
}
