// One CPU's ring-buffer pages, read a chunk at a time: the page header (timestamp, commit
// word with the missed-events flags), then compressed entries — data records, padding, time
// extends and absolute time stamps — as the kernel writes them (kernel/trace/ring_buffer.c)
// and libtraceevent's kbuffer reads them. The clock's u64 value is kept exact as two 32-bit
// halves (a raw TSC passes 2^53 after five weeks of uptime) and converted once a record, by
// the file's clock (TSC2NSEC or none), to the store's double (exact up to 2^53).

import { TraceDatError, type CpuData, type DatFile } from './datFile';

const TYPE_PADDING = 29;
const TYPE_TIME_EXTEND = 30;
const TYPE_TIME_STAMP = 31;
const COMMIT_MASK = (1 << 27) - 1;
const MISSING_EVENTS = 2 ** 31;
const MISSING_STORED = 2 ** 30;
const TS_SHIFT = 2 ** 27;
const PAGES_PER_READ = 256;
const TWO32 = 4294967296;
const TS_MSB_HI = 2 ** 27; // bits 59..63 of the clock are bits 27..31 of its high half

/** The clock's u64 value (hi · 2^32 + lo) as the store's timestamp. */
export type ClockToTs = (hi: number, lo: number) => number;
export const rawClock: ClockToTs = (hi, lo) => hi * TWO32 + lo;

export class CpuCursor {
  /** The current record: timestamp (converted by the file's clock), and where its payload lies in `page`. */
  ts = 0;
  /** The clock's exact u64 value of the current record. */
  private tsHi = 0;
  private tsLo = 0;
  page: Buffer = Buffer.alloc(0);
  dataStart = 0;
  dataLength = 0;
  /** Events the kernel lost before the current record (-1: some, count unknown). */
  lostBefore = 0;
  done = false;

  private chunk: Buffer = Buffer.alloc(0);
  private chunkPos = 0;
  private fileNext: number;
  private readonly fileEnd: number;
  private chunksLeft = -1;
  private pageEnd = 0;
  private next = 0;
  private pageLost = 0;
  private firstOnPage = false;
  private readonly le: boolean;
  /** Bytes of the file this CPU has consumed (for progress). */
  consumed = 0;

  constructor(
    private readonly dat: DatFile,
    readonly cpu: number,
    data: CpuData,
    private readonly what: string,
    private readonly clockToTs: ClockToTs = rawClock,
  ) {
    this.fileNext = data.offset;
    // Compressed data starts with a chunk count that its recorded size leaves out.
    this.fileEnd = data.offset + data.size + (dat.compression === 'none' ? 0 : 4);
    this.le = dat.littleEndian;
  }

  private u32(buf: Buffer, at: number): number {
    return this.le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }

  /** Adds a delta of hi · 2^32 + lo (lo below 2^32 + 2^27) to the clock, wrapping at 2^64. */
  private addTime(hi: number, lo: number): void {
    let l = this.tsLo + lo;
    let h = this.tsHi + hi;
    if (l >= TWO32) {
      l -= TWO32;
      h++;
    }
    this.tsLo = l;
    this.tsHi = h % TWO32;
  }

  private u64(buf: Buffer, at: number): number {
    const lo = this.u32(buf, at + (this.le ? 0 : 4));
    const hi = this.u32(buf, at + (this.le ? 4 : 0));
    return hi * 4294967296 + lo;
  }

  /** Loads the next chunk of pages; false at the end of this CPU's data. */
  private loadChunk(): boolean {
    if (this.dat.compression === 'none') {
      if (this.fileNext >= this.fileEnd) return false;
      const n = Math.min(this.fileEnd - this.fileNext, this.dat.pageSize * PAGES_PER_READ);
      this.chunk = this.dat.read(this.fileNext, n, `${this.what} pages`);
      this.fileNext += n;
      this.consumed += n;
    } else {
      if (this.chunksLeft < 0) {
        this.chunksLeft = this.u32(this.dat.read(this.fileNext, 4, `${this.what} chunk count`), 0);
        this.fileNext += 4;
      }
      if (this.chunksLeft === 0) return false;
      const h = this.dat.read(this.fileNext, 8, `${this.what} chunk header`);
      const csize = this.u32(h, 0);
      const usize = this.u32(h, 4);
      if (this.fileNext + 8 + csize > this.fileEnd) throw new TraceDatError(`trace.dat: truncated ${this.what} (a compressed chunk runs past its data)`);
      this.chunk = this.dat.decompress(this.dat.read(this.fileNext + 8, csize, `${this.what} chunk`), usize, { what: this.what, unit: 'chunk', offset: this.fileNext });
      this.fileNext += 8 + csize;
      this.consumed += 8 + csize;
      this.chunksLeft--;
    }
    this.chunkPos = 0;
    return true;
  }

  /** Moves to the next page with data; false at the end. */
  private loadPage(): boolean {
    const { pageSize, headerPage } = this.dat;
    for (;;) {
      if (this.chunkPos + pageSize > this.chunk.length && !this.loadChunk()) return false;
      if (this.chunkPos + pageSize > this.chunk.length) throw new TraceDatError(`trace.dat: truncated ${this.what} (a partial page)`);
      this.page = this.chunk.subarray(this.chunkPos, this.chunkPos + pageSize);
      this.chunkPos += pageSize;
      this.tsLo = this.u32(this.page, this.le ? 0 : 4);
      this.tsHi = this.u32(this.page, this.le ? 4 : 0);
      // The commit word's low 32 bits hold the size and the missed-events flags.
      const commit = this.u32(this.page, headerPage.commitOffset + (this.le || headerPage.commitSize === 4 ? 0 : 4));
      const size = commit & COMMIT_MASK;
      const data = headerPage.dataOffset;
      if (data + size > pageSize) throw new TraceDatError(`trace.dat: ${this.what}: page commit ${size} exceeds the page`);
      this.pageLost = 0;
      if (commit >= MISSING_EVENTS || (commit & MISSING_EVENTS) !== 0) {
        const stored = (commit & MISSING_STORED) !== 0;
        this.pageLost = stored && data + size + headerPage.commitSize <= pageSize ? (headerPage.commitSize === 8 ? this.u64(this.page, data + size) : this.u32(this.page, data + size)) : -1;
      }
      this.firstOnPage = true;
      this.next = data;
      this.pageEnd = data + size;
      if (size > 0) return true;
    }
  }

  /** Advances to the next data record; false when this CPU has no more. */
  advance(): boolean {
    if (this.done) return false;
    for (;;) {
      if (this.next >= this.pageEnd) {
        if (!this.loadPage()) {
          this.done = true;
          return false;
        }
      }
      const p = this.page;
      const at = this.next;
      if (at + 4 > this.pageEnd) {
        this.next = this.pageEnd;
        continue;
      }
      const word = this.u32(p, at);
      const typeLen = this.le ? word & 31 : word >>> 27;
      const delta = this.le ? word >>> 5 : word & (TS_SHIFT - 1);
      if (typeLen === TYPE_PADDING) {
        // Padding: array[0] is its length; a zero delta means "the rest of the page".
        const length = at + 8 <= this.pageEnd ? this.u32(p, at + 4) : 0;
        this.next = delta === 0 ? this.pageEnd : at + 4 + Math.max(4, length);
        this.addTime(0, delta);
        continue;
      }
      if (typeLen === TYPE_TIME_EXTEND || typeLen === TYPE_TIME_STAMP) {
        if (at + 8 > this.pageEnd) throw new TraceDatError(`trace.dat: ${this.what}: a time stamp runs past the page`);
        // value = array[0] · 2^27 + delta, split at bit 32: (array[0] >> 5, (array[0] & 31) · 2^27 + delta).
        const top = this.u32(p, at + 4);
        const hi = Math.floor(top / 32);
        const lo = (top % 32) * TS_SHIFT + delta;
        if (typeLen === TYPE_TIME_EXTEND) this.addTime(hi, lo);
        else {
          // An absolute stamp lacks the top 5 bits: take them from the current time.
          this.tsHi = this.tsHi - (this.tsHi % TS_MSB_HI) + hi;
          this.tsLo = lo;
        }
        this.next = at + 8;
        continue;
      }
      let start: number;
      let length: number;
      if (typeLen === 0) {
        if (at + 8 > this.pageEnd) throw new TraceDatError(`trace.dat: ${this.what}: a record header runs past the page`);
        length = ((this.u32(p, at + 4) - 4 + 3) & ~3) >>> 0;
        start = at + 8;
      } else {
        length = typeLen * 4;
        start = at + 4;
      }
      if (start + length > this.pageEnd) throw new TraceDatError(`trace.dat: ${this.what}: a record of ${length} bytes runs past the page`);
      this.addTime(0, delta);
      this.ts = this.clockToTs(this.tsHi, this.tsLo);
      this.lostBefore = this.firstOnPage ? this.pageLost : 0;
      this.firstOnPage = false;
      this.dataStart = start;
      this.dataLength = length;
      this.next = start + length;
      return true;
    }
  }
}
