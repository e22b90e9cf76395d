// An open trace's replays: computed once per in-kernel assumption, on first use, and kept for
// the few assumptions last asked (each holds a target per policy per decision).

import type { StateModel } from '../analysis/analyze';
import { POLICIES } from '../sim/policies';
import { replayTrace, type ReplayResult } from './replay';
import type { InKernelAssumption } from './stateSweep';

/** Replays kept at once: kernel, user and one share. */
const KEPT = 3;

export const assumptionKey = (a: InKernelAssumption) => (typeof a === 'string' ? a : `share ${a.share}`);

export class ReplayCache {
  private readonly replays = new Map<string, ReplayResult>();
  /** How many replays were computed (for the tests: a second ask is not a second replay). */
  computed = 0;

  constructor(private readonly model: StateModel) {}

  get(inKernel: InKernelAssumption): ReplayResult {
    const key = assumptionKey(inKernel);
    let r = this.replays.get(key);
    if (r) this.replays.delete(key);
    else {
      r = replayTrace(this.model, { policies: POLICIES, preemptedInKernel: inKernel });
      this.computed++;
    }
    this.replays.set(key, r); // most recently used last
    if (this.replays.size > KEPT) this.replays.delete(this.replays.keys().next().value!);
    return r;
  }
}
