// The boosts of one pCPU's run queue that wait for its next pick, where the scheduler mismatch
// is judged. Columns that are reused and only grow, so that a boost allocates nothing.

import type { SchedTask } from './host/scheduler';

export class BoostsAwaitingPick {
  private count = 0;
  private readonly targets: SchedTask[] = [];
  private readonly sameQueue: boolean[] = [];
  /** The decision's truth log index (-1: none). */
  private readonly truthAt: number[] = [];

  get length(): number {
    return this.count;
  }

  add(target: SchedTask, sameQueue: boolean, truthAt: number): void {
    const i = this.count++;
    if (i === this.targets.length) {
      this.targets.push(target);
      this.sameQueue.push(sameQueue);
      this.truthAt.push(truthAt);
      return;
    }
    this.targets[i] = target;
    this.sameQueue[i] = sameQueue;
    this.truthAt[i] = truthAt;
  }

  target(i: number): SchedTask {
    return this.targets[i];
  }

  isSameQueue(i: number): boolean {
    return this.sameQueue[i];
  }

  truthIndex(i: number): number {
    return this.truthAt[i];
  }

  clear(): void {
    this.count = 0;
  }
}
