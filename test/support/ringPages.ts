// Writes kernel ring-buffer pages and event records for tests, in the layout of a 64-bit
// little-endian kernel (header_page: u64 timestamp, u64 commit, data at 16): each record a
// u32 header (type_len in the low 5 bits = data length / 4, time delta in the high 27) and
// its data. Event data is laid out by the event's format as the file describes it.
import type { EventFormat } from '../../src/core/trace/dat/eventFormat';

export interface RawEvent {
  /** Nanoseconds, ascending, less than 2^27 ns apart. */
  ts: number;
  data: Buffer;
}

/**
 * The record data of one event: common fields, then the given fields at their offsets. A
 * string value fills a fixed char array, or a __data_loc field with the text after the fixed part.
 */
export function encodeEvent(format: EventFormat, pid: number, values: Record<string, number | bigint | string>): Buffer {
  const fixedEnd = Math.max(...format.fields.map((f) => f.offset + f.size));
  const texts = Object.values(values).filter((v): v is string => typeof v === 'string');
  const data = Buffer.alloc(Math.ceil((fixedEnd + texts.reduce((n, t) => n + Buffer.byteLength(t) + 1, 0)) / 4) * 4);
  let tail = fixedEnd;
  const all: Record<string, number | bigint | string> = { common_type: format.id, common_pid: pid, ...values };
  for (const [name, value] of Object.entries(all)) {
    const field = format.byName.get(name);
    if (!field) throw new Error(`${format.name} has no field ${name}`);
    if (typeof value === 'string') {
      const bytes = Buffer.from(value + '\0');
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
    if (page) page.writeBigUInt64LE(BigInt(used - 16), 8); // commit: bytes of data
  };
  for (const e of events) {
    if (e.data.length % 4 !== 0 || e.data.length > 112) throw new Error('record data must be a multiple of 4 bytes, at most 112');
    if (!page || used + 4 + e.data.length > pageSize) {
      close();
      page = Buffer.alloc(pageSize);
      pages.push(page);
      page.writeBigUInt64LE(BigInt(e.ts), 0);
      used = 16;
      last = e.ts;
    }
    const delta = e.ts - last;
    if (delta < 0 || delta >= 2 ** 27) throw new Error(`time delta ${delta} ns out of range`);
    page.writeUInt32LE(delta * 32 + e.data.length / 4, used);
    e.data.copy(page, used + 4);
    used += 4 + e.data.length;
    last = e.ts;
  }
  close();
  return Buffer.concat(pages);
}
