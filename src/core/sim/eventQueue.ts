// The simulator's timed events: a binary heap ordered by time, then by insertion, so that
// simultaneous events run in a fixed order and runs are deterministic. Columnar (one typed
// array per field, moved together), so that pushing an event allocates nothing.

export class EventQueue {
  private time = new Float64Array(1024);
  private seq = new Float64Array(1024);
  private kind = new Uint8Array(1024);
  private refs = new Int32Array(1024);
  private versions = new Int32Array(1024);
  private length = 0;
  private nextSeq = 0;
  /** The fields of the event the last pop() returned. */
  popped = { time: 0, type: 0, ref: 0, version: 0 };

  get size(): number {
    return this.length;
  }

  push(time: number, type: number, ref: number, version: number): void {
    if (this.length === this.time.length) this.grow();
    const seq = this.nextSeq++;
    let i = this.length++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!(time < this.time[parent] || (time === this.time[parent] && seq < this.seq[parent]))) break;
      this.move(parent, i);
      i = parent;
    }
    this.set(i, time, seq, type, ref, version);
  }

  /** Removes the earliest event into `popped`; false when the queue is empty. */
  pop(): boolean {
    if (this.length === 0) return false;
    const out = this.popped;
    out.time = this.time[0];
    out.type = this.kind[0];
    out.ref = this.refs[0];
    out.version = this.versions[0];
    const n = --this.length;
    if (n > 0) {
      const time = this.time[n];
      const seq = this.seq[n];
      const type = this.kind[n];
      const ref = this.refs[n];
      const version = this.versions[n];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.before(r, l) ? r : l;
        if (!(this.time[c] < time || (this.time[c] === time && this.seq[c] < seq))) break;
        this.move(c, i);
        i = c;
      }
      this.set(i, time, seq, type, ref, version);
    }
    return true;
  }

  private before(a: number, b: number): boolean {
    return this.time[a] < this.time[b] || (this.time[a] === this.time[b] && this.seq[a] < this.seq[b]);
  }

  private move(from: number, to: number): void {
    this.time[to] = this.time[from];
    this.seq[to] = this.seq[from];
    this.kind[to] = this.kind[from];
    this.refs[to] = this.refs[from];
    this.versions[to] = this.versions[from];
  }

  private set(i: number, time: number, seq: number, type: number, ref: number, version: number): void {
    this.time[i] = time;
    this.seq[i] = seq;
    this.kind[i] = type;
    this.refs[i] = ref;
    this.versions[i] = version;
  }

  private grow(): void {
    const n = this.time.length * 2;
    const grown = <T extends Float64Array | Uint8Array | Int32Array>(a: T, b: T): T => (b.set(a), b);
    this.time = grown(this.time, new Float64Array(n));
    this.seq = grown(this.seq, new Float64Array(n));
    this.kind = grown(this.kind, new Uint8Array(n));
    this.refs = grown(this.refs, new Int32Array(n));
    this.versions = grown(this.versions, new Int32Array(n));
  }
}
