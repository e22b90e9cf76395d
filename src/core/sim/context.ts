// What the simulator's paths outside the Simulation class (kvm/halt.ts, kvm/pauseExit.ts) act
// on: the run's state and the few engine steps they call back into. The Simulation is the
// one implementation.

import type { EventQueue } from './eventQueue';
import type { Vcpu } from './guest/vcpu';
import type { GuestViewRecorder } from './guestView';
import type { LoadBalancer } from './host/balance';
import type { HostScheduler } from './host/scheduler';
import type { ExitReasons } from './kvm/exits';
import type { DecisionJudge } from './labels';
import type { SimCounters } from './metrics';
import type { Policy } from './policies';
import type { SimRecorder } from './recorder';
import type { Scenario } from './scenario';
import type { SiteId } from './siteCounters';

/** The kinds of the simulator's timed events; `ref` is a vCPU's global index or a CPU. */
export const EV_SEGMENT_END = 0;
export const EV_HOST_RESUME = 1;
export const EV_TICK = 2;
export const EV_RESCHED = 3;
export const EV_TIMER_WAKE = 4;
export const EV_MEASURE = 5;
export const EV_POLL_END = 6;

export interface SimContext {
  readonly now: number;
  readonly measuring: boolean;
  readonly scenario: Scenario;
  readonly policy: Policy;
  readonly sched: HostScheduler;
  /** Wake placement and load balancing on a `balanced` host; null when tasks stay pinned. */
  readonly balancer: LoadBalancer | null;
  readonly queue: EventQueue;
  /** Null when the run is not recorded. */
  readonly recorder: SimRecorder | null;
  readonly guestView: GuestViewRecorder | null;
  readonly m: SimCounters;
  readonly judge: DecisionJudge;
  readonly exitReasons: ExitReasons;
  /** kvm_arch_dy_has_pending_interrupt() of the modelled hardware. */
  readonly pendingInterrupt: (v: Vcpu) => boolean;
  /** How long a paravirtual waiter spins before it halts. */
  readonly pvSpinNs: number;
  /** Counts a kernel site's hit for `v`. */
  count(site: SiteId, v: Vcpu): void;
  /** __schedule() on `cpu`. */
  schedule(cpu: number): void;
  /** The vCPU leaves the guest with a VM exit of `reason`. */
  exitGuest(v: Vcpu, reason: string): void;
  /** The host goes back into the guest after `delayNs`. */
  resumeAfter(v: Vcpu, delayNs: number): void;
  /** A new compute segment of the vCPU's workload. */
  newCompute(v: Vcpu): void;
}
