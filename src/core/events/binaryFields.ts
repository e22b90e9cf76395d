// Field readers for trace.dat records, bound to the file's byte order: numbers of 1, 2, 4 or
// 8 bytes (signed as the format says) and strings (fixed arrays and __data_loc / __rel_loc).

import type { FieldFormat } from '../trace/dat/eventFormat';
import { fixComm } from './textScan';

export interface FieldReaders {
  /** The file's byte order. */
  readonly little: boolean;
  num(f: FieldFormat, buf: Buffer, base: number): number;
  /** Where a field's bytes are: [start, length], __data_loc / __rel_loc resolved. */
  span(f: FieldFormat, buf: Buffer, base: number): [number, number];
  /** A NUL-terminated string field, cut at `end` (the record's page end). */
  str(f: FieldFormat, buf: Buffer, base: number, end: number): string;
}

/** A field the readers can read: a string, or a number of 1, 2, 4 or 8 bytes. */
export function readable(field: FieldFormat | undefined): boolean {
  return field !== undefined && (field.dynamic !== null || field.arrayLength > 0 || field.size === 1 || field.size === 2 || field.size === 4 || field.size === 8);
}

export function fieldReaders(le: boolean): FieldReaders {
  const uint = (buf: Buffer, at: number, size: number): number => {
    switch (size) {
      case 1:
        return buf[at];
      case 2:
        return le ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
      case 4:
        return le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
      case 8: {
        const lo = le ? buf.readUInt32LE(at) : buf.readUInt32BE(at + 4);
        const hi = le ? buf.readUInt32LE(at + 4) : buf.readUInt32BE(at);
        return hi * 4294967296 + lo;
      }
      default:
        return NaN;
    }
  };
  const int = (buf: Buffer, at: number, size: number): number => {
    switch (size) {
      case 1:
        return buf.readInt8(at);
      case 2:
        return le ? buf.readInt16LE(at) : buf.readInt16BE(at);
      case 4:
        return le ? buf.readInt32LE(at) : buf.readInt32BE(at);
      case 8:
        return Number(le ? buf.readBigInt64LE(at) : buf.readBigInt64BE(at));
      default:
        return NaN;
    }
  };
  const span = (f: FieldFormat, buf: Buffer, base: number): [number, number] => {
    if (!f.dynamic) return [base + f.offset, f.size];
    const loc = uint(buf, base + f.offset, 4);
    return [(f.dynamic === 'rel_loc' ? base + f.offset + 4 : base) + (loc & 0xffff), loc >>> 16];
  };
  return {
    little: le,
    span,
    num: (f, buf, base) => (f.signed ? int(buf, base + f.offset, f.size) : uint(buf, base + f.offset, f.size)),
    str: (f, buf, base, end) => {
      const [start, length] = span(f, buf, base);
      const stop = Math.min(start + length, end);
      let zero = buf.indexOf(0, start);
      if (zero < 0 || zero > stop) zero = stop;
      return fixComm(buf.toString('latin1', start, zero));
    },
  };
}
