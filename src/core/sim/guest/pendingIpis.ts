// A vCPU's IPIs waiting for its handler, oldest first: function calls (the sender waits for the
// acknowledgement) and reschedules (null: nobody waits). Also counted per sender, so that
// "has this sender's IPI not been handled yet", asked of every sibling at every PAUSE exit of
// an IPI wait, is one array read instead of a search.

/** A vCPU of the VM, as this queue sees it. */
interface Sender {
  readonly idx: number;
}

export class PendingIpis<V extends Sender> {
  private readonly fifo: (V | null)[] = [];
  /** Function-call IPIs in the queue, by sender vCPU number. */
  private readonly fromSender: Uint32Array;

  constructor(vcpus: number) {
    this.fromSender = new Uint32Array(vcpus);
  }

  get length(): number {
    return this.fifo.length;
  }

  /** The sender of the oldest IPI (null: a reschedule); only while length > 0. */
  first(): V | null {
    return this.fifo[0];
  }

  push(sender: V | null): void {
    this.fifo.push(sender);
    if (sender) this.fromSender[sender.idx]++;
  }

  /** Removes the oldest IPI (length > 0) and returns its sender. */
  shift(): V | null {
    const sender = this.fifo.shift()!;
    if (sender) this.fromSender[sender.idx]--;
    return sender;
  }

  /** An IPI of `sender` waits in the queue. */
  hasFrom(sender: V): boolean {
    return this.fromSender[sender.idx] > 0;
  }
}
