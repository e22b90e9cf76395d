// What a spinner truly waits for, in one buffer per VM reused by every query: a fresh array
// per PAUSE exit was the largest share of the simulator's garbage.

import type { Vcpu } from './vcpu';

export class WaitSet {
  /** Grows to the largest set seen and never shrinks; past `count` it holds stale entries. */
  private readonly items: Vcpu[] = [];
  private count = 0;

  get length(): number {
    return this.count;
  }

  at(i: number): Vcpu {
    return this.items[i];
  }

  clear(): this {
    this.count = 0;
    return this;
  }

  add(v: Vcpu): void {
    if (this.count === this.items.length) this.items.push(v);
    else this.items[this.count] = v;
    this.count++;
  }

  includes(v: Vcpu): boolean {
    for (let i = 0; i < this.count; i++) if (this.items[i] === v) return true;
    return false;
  }

  toArray(): Vcpu[] {
    return this.items.slice(0, this.count);
  }
}
