// Rewrites the option sections of an uncompressed trace.dat v7 that recompressV7 wrote (its
// option sections come last, chained by DONE, the first one named in the file header): adds
// options (TSC2NSEC, GUEST, TRACEID, TIME_SHIFT, encoded by src/core's optionWriter.ts) and can
// set every buffer's clock, the way trace-cmd's recorder writes them.
// Nothing else in the file points into option sections, so they can be cut off and laid anew.
import type { DatOption } from '../../src/core/trace/dat/optionWriter';

export { guestOption, timeShiftOption, traceIdOption, tsc2nsecOption, type DatOption } from '../../src/core/trace/dat/optionWriter';

const u16 = (v: number) => Buffer.from([v & 0xff, v >> 8]);
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};
const u64 = (v: bigint | number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)));
  return b;
};

const DONE = 0;
const BUFFER = 3;
const TRACECLOCK = 4;

export function withOptions(input: Buffer, add: DatOption[], clock?: string): Buffer {
  let p = 10;
  p = input.indexOf(0, p) + 1; // version
  p += 6; // endianness, long size, page size
  p = input.indexOf(0, p) + 1; // compression
  p = input.indexOf(0, p) + 1; // compressor version
  const headerAt = p;
  const first = Number(input.readBigUInt64LE(headerAt));
  const sections: { desc: number; options: DatOption[] }[] = [];
  for (let next = first; next !== 0; ) {
    if (input.readUInt16LE(next + 2) !== 0) throw new Error('withOptions: compressed option sections are not handled');
    const desc = input.readUInt32LE(next + 4);
    const size = Number(input.readBigUInt64LE(next + 8));
    const body = input.subarray(next + 16, next + 16 + size);
    const options: DatOption[] = [];
    next = 0;
    for (let q = 0; q < body.length; ) {
      const id = body.readUInt16LE(q);
      const data = Buffer.from(body.subarray(q + 6, q + 6 + body.readUInt32LE(q + 2)));
      q += 6 + data.length;
      if (id === DONE) {
        next = Number(data.readBigUInt64LE(0));
        break;
      }
      if (clock !== undefined && id === BUFFER) options.push({ id, data: withClock(data, clock) });
      else if (clock !== undefined && id === TRACECLOCK) options.push({ id, data: withClockSelected(data, clock) });
      else options.push({ id, data });
    }
    sections.push({ desc, options });
  }
  sections[sections.length - 1].options.push(...add);
  // Option sections are the file's tail (recompressV7 writes them last): cut them off, lay them anew.
  const cut = Math.min(...sectionStarts(input, first));
  let at = cut;
  const starts: number[] = [];
  const laid: Buffer[] = [];
  for (const s of sections) {
    const body = Buffer.concat([...s.options, { id: DONE, data: u64(0) }].map((o) => Buffer.concat([u16(o.id), u32(o.data.length), o.data])));
    const section = Buffer.concat([u16(0), u16(0), u32(s.desc), u64(body.length), body]);
    starts.push(at);
    laid.push(section);
    at += section.length;
  }
  // Each DONE (the section's last 8 bytes) names the next section; the last one 0.
  laid.forEach((section, i) => section.writeBigUInt64LE(BigInt(starts[i + 1] ?? 0), section.length - 8));
  const file = Buffer.concat([input.subarray(0, cut), ...laid]);
  file.writeBigUInt64LE(BigInt(starts[0]), headerAt);
  return file;
}

function sectionStarts(input: Buffer, first: number): number[] {
  const starts: number[] = [];
  for (let next = first; next !== 0; ) {
    starts.push(next);
    const size = Number(input.readBigUInt64LE(next + 8));
    const body = input.subarray(next + 16, next + 16 + size);
    next = 0;
    for (let q = 0; q < body.length; ) {
      const id = body.readUInt16LE(q);
      const len = body.readUInt32LE(q + 2);
      if (id === DONE) next = Number(body.readBigUInt64LE(q + 6));
      q += 6 + len;
    }
  }
  return starts;
}

/** A BUFFER option with another clock: u64 offset, name\0, clock\0, then the rest unchanged. */
function withClock(data: Buffer, clock: string): Buffer {
  const nameEnd = data.indexOf(0, 8);
  const clockEnd = data.indexOf(0, nameEnd + 1);
  return Buffer.concat([data.subarray(0, nameEnd + 1), Buffer.from(clock + '\0', 'latin1'), data.subarray(clockEnd + 1)]);
}

/** TRACECLOCK: the top instance's trace_clock file, "local global [x86-tsc] …", with `clock` selected. */
function withClockSelected(data: Buffer, clock: string): Buffer {
  const names = data.toString('latin1').replace(/\0.*$/s, '').replace(/[[\]]/g, '').trim().split(/\s+/);
  if (!names.includes(clock)) names.push(clock);
  return Buffer.from(names.map((n) => (n === clock ? `[${n}]` : n)).join(' ') + '\n\0', 'latin1');
}
