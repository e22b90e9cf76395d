// Kernel spinlocks with FIFO hand-off (ticket / queued): compute, acquire, critical section,
// release. The lock goes to the next waiter even while that waiter is preempted — the
// lock-waiter preemption that makes queued locks spin long under oversubscription.

import type { Workload } from '../scenario';
import type { GuestEngine, GuestWorkload, Lock, Vcpu } from './vcpu';
import { WaitSet } from './waitSet';

export class SpinlockWorkload implements GuestWorkload {
  readonly userFraction: number;
  readonly computeNs: number;
  readonly handlerNs = 1000;
  readonly pvHaltsWaits = true;
  private readonly criticalNs: number;
  private readonly locks: Lock[];
  private readonly wanted = new WaitSet();

  constructor(spec: Extract<Workload, { type: 'spinlock' }>) {
    this.userFraction = spec.userFraction;
    this.computeNs = spec.computeUs * 1000;
    this.criticalNs = spec.criticalUs * 1000;
    this.locks = Array.from({ length: spec.locks }, () => ({ owner: null, waiters: [] }));
  }

  afterWork(v: Vcpu, engine: GuestEngine): void {
    if (v.phase === 'critical') {
      v.vm.operations++;
      this.release(v, engine);
      engine.newCompute(v);
      engine.runGuest(v);
      return;
    }
    const lock = this.locks[engine.random.int(this.locks.length)];
    v.lock = lock;
    v.phase = 'lock-spin';
    if (!lock.owner) lock.owner = v;
    else {
      lock.waiters.push(v);
      engine.guestView?.lockWaitBegin(engine.now, v, this.locks.indexOf(lock));
    }
    engine.runGuest(v);
  }

  resumeWait(v: Vcpu, engine: GuestEngine): void {
    if (v.lock!.owner !== v) {
      engine.startSpin(v);
      return;
    }
    engine.guestView?.lockAcquired(engine.now, v, this.locks.indexOf(v.lock!));
    v.phase = 'critical';
    v.userMode = false;
    v.remaining = engine.random.exponential(this.criticalNs);
    engine.endSpinWait(v);
    engine.runGuest(v);
  }

  /** The lock's owner, unless the spinner owns the lock. */
  waitSet(v: Vcpu): WaitSet {
    const wanted = this.wanted.clear();
    if (v.lock?.owner && v.lock.owner !== v) wanted.add(v.lock.owner);
    return wanted;
  }

  spinDeadline(): number {
    return Infinity;
  }

  private release(v: Vcpu, engine: GuestEngine): void {
    const lock = v.lock!;
    v.lock = null;
    lock.owner = lock.waiters.shift() ?? null;
    if (lock.owner) engine.spinConditionMet(lock.owner);
  }
}
