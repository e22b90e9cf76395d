// Mostly idle guests: short kernel-mode bursts, then HLT until a timer or a sibling's wake-up
// IPI; a burst sometimes wakes a halted sibling (a reschedule IPI, no acknowledgement).

import type { Workload } from '../scenario';
import type { GuestEngine, GuestWorkload, Vcpu } from './vcpu';
import { WaitSet } from './waitSet';

export class IdleWorkload implements GuestWorkload {
  readonly userFraction = null;
  readonly computeNs: number;
  readonly handlerNs = 1000;
  readonly pvHaltsWaits = false;
  private readonly nothing = new WaitSet();

  constructor(private readonly spec: Extract<Workload, { type: 'idle' }>) {
    this.computeNs = spec.computeUs * 1000;
  }

  afterWork(v: Vcpu, engine: GuestEngine): void {
    v.vm.operations++;
    if (engine.random.next() < this.spec.wakeProbability) {
      const halted = v.vm.vcpus.filter((o) => o !== v && o.blocked);
      if (halted.length) {
        const target = halted[engine.random.int(halted.length)];
        engine.guestView?.reschedule(engine.now, v, target.idx);
        engine.sendIpi(v, target, false);
        engine.icrWrite(v, [target]);
      }
    }
    engine.halt(v, engine.random.exponential(this.spec.idleUs * 1000));
  }

  resumeWait(v: Vcpu): void {
    throw new Error(`idle guest vCPU in guest while ${v.phase}`);
  }

  /** Nothing: no vCPU can end this wait. */
  waitSet(): WaitSet {
    return this.nothing;
  }

  spinDeadline(): number {
    return Infinity;
  }
}
