// Per-vCPU sets of the VM's IPI senders, indexed by the sender's vCPU number: what Strict Boost's
// ipi_received bitmask and the 2025 series' sender map hold. A Set or Map here allocated a new
// table at every clear() and delete(), at every sched-in and EOI.

/** A vCPU of the VM, as these sets see it. */
interface Sender {
  readonly idx: number;
}

/** Strict Boost's ipi_received bitmask: which of the VM's vCPUs sent an IPI. */
export class SenderMask {
  private readonly bits: Uint8Array;
  private count = 0;

  constructor(vcpus: number) {
    this.bits = new Uint8Array(vcpus);
  }

  get size(): number {
    return this.count;
  }

  has(sender: Sender): boolean {
    return this.bits[sender.idx] !== 0;
  }

  add(sender: Sender): this {
    if (this.bits[sender.idx] === 0) {
      this.bits[sender.idx] = 1;
      this.count++;
    }
    return this;
  }

  clear(): void {
    if (this.count === 0) return;
    this.bits.fill(0);
    this.count = 0;
  }
}

/** The 2025 series' IPI context: per sender, when its IPI (not yet EOI'd) was sent, in ns. */
export class SenderTimes {
  /** NaN: no IPI from that sender. */
  private readonly sentAt: Float64Array;

  constructor(vcpus: number) {
    this.sentAt = new Float64Array(vcpus).fill(NaN);
  }

  get(sender: Sender): number | undefined {
    const at = this.sentAt[sender.idx];
    return at === at ? at : undefined;
  }

  set(sender: Sender, at: number): void {
    this.sentAt[sender.idx] = at;
  }

  delete(sender: Sender): void {
    this.sentAt[sender.idx] = NaN;
  }
}
