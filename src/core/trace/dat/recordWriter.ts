// Kernel ring-buffer pages and event records, written in the layout of a 64-bit little-endian
// kernel (kernel/trace/ring_buffer.c: the page header's u64 timestamp and u64 commit, data at
// 16; each record a u32 header, type_len in the low 5 bits = data length / 4, time delta in the
// high 27, then its data; a gap of 2^27 ns or more goes in a TIME_EXTEND record first). The
// reader's counterpart is ringBuffer.ts. Event data is laid out by the event's format.
import type { EventFormat } from './eventFormat';

export interface RawEvent {
  /** Nanoseconds, ascending (whole numbers). */
  ts: number;
  data: Buffer;
}

/** The page header's size (timestamp + commit) and the largest record a type_len can say. */
export const PAGE_HEADER_BYTES = 16;
const MAX_SMALL_DATA = 28 * 4;
const TYPE_TIME_EXTEND = 30;
const TS_SHIFT = 2 ** 27;

/**
 * The record data of one event: common fields, then the given fields at their offsets. A
 * string value fills a fixed char array, or a __data_loc field with the text after the fixed
 * part; a Buffer value fills a __data_loc field with its bytes (a cpumask).
 */
export function encodeEvent(format: EventFormat, pid: number, values: Record<string, number | bigint | string | Buffer>): Buffer {
  const fixedEnd = Math.max(...format.fields.map((f) => f.offset + f.size));
  const dynamicBytes = Object.values(values).reduce<number>((n, v) => n + (typeof v === 'string' ? Buffer.byteLength(v) + 1 : Buffer.isBuffer(v) ? v.length : 0), 0);
  const data = Buffer.alloc(Math.ceil((fixedEnd + dynamicBytes) / 4) * 4);
  let tail = fixedEnd;
  const all: Record<string, number | bigint | string | Buffer> = { common_type: format.id, common_pid: pid, ...values };
  for (const [name, value] of Object.entries(all)) {
    const field = format.byName.get(name);
    if (!field) throw new Error(`${format.name} has no field ${name}`);
    if (typeof value === 'string' || Buffer.isBuffer(value)) {
      const bytes = typeof value === 'string' ? Buffer.from(value + '\0') : value;
      if (field.dynamic === 'data_loc') {
        data.writeUInt32LE((bytes.length << 16) | tail, field.offset);
        bytes.copy(data, tail);
        tail += bytes.length;
      } else if (field.arrayLength > 0) bytes.copy(data, field.offset, 0, Math.min(bytes.length, field.size));
      else throw new Error(`${format.name}.${name}: not a string field`);
      continue;
    }
    const v = BigInt(value);
    if (field.size === 1) data.writeUInt8(Number(v & 0xffn), field.offset);
    else if (field.size === 2) data.writeUInt16LE(Number(v & 0xffffn), field.offset);
    else if (field.size === 4) data.writeUInt32LE(Number(v & 0xffffffffn), field.offset);
    else if (field.size === 8) data.writeBigUInt64LE(BigInt.asUintN(64, v), field.offset);
    else throw new Error(`${format.name}.${name}: size ${field.size} not written`);
  }
  return data;
}

/** Events as whole pages; a new page starts when the next record does not fit. */
export function ringPages(pageSize: number, events: RawEvent[]): Buffer {
  const pages: Buffer[] = [];
  let page: Buffer | null = null;
  let used = 0;
  let last = 0;
  const close = () => {
    if (page) page.writeBigUInt64LE(BigInt(used - PAGE_HEADER_BYTES), 8); // commit: bytes of data
  };
  for (const e of events) {
    if (e.data.length % 4 !== 0 || e.data.length > MAX_SMALL_DATA) throw new Error(`record data must be a multiple of 4 bytes, at most ${MAX_SMALL_DATA}`);
    const delta = e.ts - last;
    if (!Number.isInteger(delta) || delta < 0) throw new Error(`time delta ${delta} ns: times must be whole and ascending`);
    const extend = page !== null && delta >= TS_SHIFT ? 8 : 0;
    if (!page || used + extend + 4 + e.data.length > pageSize) {
      close();
      page = Buffer.alloc(pageSize);
      pages.push(page);
      page.writeBigUInt64LE(BigInt(e.ts), 0);
      used = PAGE_HEADER_BYTES;
      last = e.ts;
    } else if (extend) {
      // TIME_EXTEND: the low 27 bits in the header's delta, the rest in array[0].
      page.writeUInt32LE(((delta % TS_SHIFT) * 32 + TYPE_TIME_EXTEND) >>> 0, used);
      page.writeUInt32LE(Math.floor(delta / TS_SHIFT), used + 4);
      used += 8;
      last = e.ts;
    }
    page.writeUInt32LE(((e.ts - last) * 32 + e.data.length / 4) >>> 0, used);
    e.data.copy(page, used + 4);
    used += 4 + e.data.length;
    last = e.ts;
  }
  close();
  return Buffer.concat(pages);
}
