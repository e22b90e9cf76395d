// The simulator's timed events, popped in (time, insertion) order so that simultaneous events
// run in a fixed order and runs are deterministic. An event's fields sit in a slot of typed
// arrays; the binary heap moves only (time, slot) pairs. Events pushed for the very time last
// popped (a reschedule "now") skip the heap: they go to a FIFO, which is in (time, insertion)
// order by construction, and pop() takes the earlier of the heap's top and the FIFO's head.
// Pushing an event allocates nothing.

const INITIAL_CAPACITY = 1024;

export class EventQueue {
  // Slots: one event's fields.
  private seq = new Float64Array(INITIAL_CAPACITY);
  private kind = new Uint8Array(INITIAL_CAPACITY);
  private refs = new Int32Array(INITIAL_CAPACITY);
  private versions = new Int32Array(INITIAL_CAPACITY);
  private free = new Int32Array(INITIAL_CAPACITY);
  private freeCount = INITIAL_CAPACITY;
  // The heap: time and slot of each node.
  private heapTime = new Float64Array(INITIAL_CAPACITY);
  private heapSlot = new Int32Array(INITIAL_CAPACITY);
  private heapLength = 0;
  // The FIFO: a ring of slots, all at fifoTime.
  private ring = new Int32Array(INITIAL_CAPACITY);
  private ringHead = 0;
  private ringLength = 0;
  private fifoTime = 0;
  private lastPopped = -Infinity;
  private nextSeq = 0;
  /** The fields of the event the last pop() returned. */
  popped = { time: 0, type: 0, ref: 0, version: 0 };

  constructor() {
    for (let i = 0; i < INITIAL_CAPACITY; i++) this.free[i] = INITIAL_CAPACITY - 1 - i;
  }

  get size(): number {
    return this.heapLength + this.ringLength;
  }

  push(time: number, type: number, ref: number, version: number): void {
    if (this.freeCount === 0) this.grow();
    const slot = this.free[--this.freeCount];
    const seq = this.nextSeq++;
    this.seq[slot] = seq;
    this.kind[slot] = type;
    this.refs[slot] = ref;
    this.versions[slot] = version;
    if (time === this.lastPopped && (this.ringLength === 0 || time === this.fifoTime)) {
      this.ring[(this.ringHead + this.ringLength++) & (this.ring.length - 1)] = slot;
      this.fifoTime = time;
      return;
    }
    const heapTime = this.heapTime;
    const heapSlot = this.heapSlot;
    let i = this.heapLength++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = heapTime[parent];
      if (!(time < pt || (time === pt && seq < this.seq[heapSlot[parent]]))) break;
      heapTime[i] = pt;
      heapSlot[i] = heapSlot[parent];
      i = parent;
    }
    heapTime[i] = time;
    heapSlot[i] = slot;
  }

  /** Removes the earliest event into `popped`; false when the queue is empty. */
  pop(): boolean {
    let slot: number;
    let time: number;
    if (this.ringLength > 0 && (this.heapLength === 0 || this.fifoFirst())) {
      slot = this.ring[this.ringHead];
      this.ringHead = (this.ringHead + 1) & (this.ring.length - 1);
      this.ringLength--;
      time = this.fifoTime;
    } else if (this.heapLength > 0) {
      slot = this.heapSlot[0];
      time = this.heapTime[0];
      this.removeTop();
    } else return false;
    const out = this.popped;
    out.time = time;
    out.type = this.kind[slot];
    out.ref = this.refs[slot];
    out.version = this.versions[slot];
    this.free[this.freeCount++] = slot;
    this.lastPopped = time;
    return true;
  }

  /** Whether the FIFO's head comes before the heap's top. */
  private fifoFirst(): boolean {
    const top = this.heapTime[0];
    return this.fifoTime < top || (this.fifoTime === top && this.seq[this.ring[this.ringHead]] < this.seq[this.heapSlot[0]]);
  }

  /** Drops the heap's top: the last node sifts down from the root. */
  private removeTop(): void {
    const n = --this.heapLength;
    if (n === 0) return;
    const heapTime = this.heapTime;
    const heapSlot = this.heapSlot;
    const seqs = this.seq;
    const time = heapTime[n];
    const slot = heapSlot[n];
    const seq = seqs[slot];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n) {
        // The smaller child by an add rather than a branch: which child is smaller is a coin
        // toss the CPU mispredicts half the time (−8 % on a recorded run's pushes and pops).
        const lt = heapTime[c];
        const rt = heapTime[c + 1];
        if (rt === lt) {
          if (seqs[heapSlot[c + 1]] < seqs[heapSlot[c]]) c++;
        } else c += ((rt < lt) as unknown as number) | 0;
      }
      const ct = heapTime[c];
      if (!(ct < time || (ct === time && seqs[heapSlot[c]] < seq))) break;
      heapTime[i] = ct;
      heapSlot[i] = heapSlot[c];
      i = c;
    }
    heapTime[i] = time;
    heapSlot[i] = slot;
  }

  /** Doubles every array; the new slots are free, the ring is laid out from 0. */
  private grow(): void {
    const old = this.seq.length;
    const n = old * 2;
    const grown = <T extends Float64Array | Uint8Array | Int32Array>(a: T, b: T): T => (b.set(a), b);
    this.seq = grown(this.seq, new Float64Array(n));
    this.kind = grown(this.kind, new Uint8Array(n));
    this.refs = grown(this.refs, new Int32Array(n));
    this.versions = grown(this.versions, new Int32Array(n));
    this.heapTime = grown(this.heapTime, new Float64Array(n));
    this.heapSlot = grown(this.heapSlot, new Int32Array(n));
    const ring = new Int32Array(n);
    for (let k = 0; k < this.ringLength; k++) ring[k] = this.ring[(this.ringHead + k) & (old - 1)];
    this.ring = ring;
    this.ringHead = 0;
    this.free = new Int32Array(n);
    for (let i = 0; i < old; i++) this.free[i] = n - 1 - i;
    this.freeCount = old;
  }
}
