// Rewrites a trace.dat v7 with another compression (none or zlib), for tests: Debian's
// trace-cmd 3.1.6 cannot write zlib, so a real file recorded with zstd is rewritten the way
// trace-cmd lays a zlib file out (trace-cmd.dat.v7.5.txt and trace-output.c): every metadata
// section compressed on its own (flag 1, u32 compressed size, u32 size, data), each CPU's
// pages as a u32 chunk count then (u32 compressed size, u32 size, data) chunks, the CPU's
// recorded size leaving the count out, CPU data page-aligned after its flyrecord section
// header, option sections uncompressed, every offset (HEADER_INFO … CMDLINES, BUFFER, DONE)
// pointing into the new file. Written independently of src/core's reader, so that reading
// the result checks the reader rather than itself.
import { deflateSync, inflateSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { u16, u32, u64 } from '../../src/core/trace/dat/littleEndian';

type Compression = 'none' | 'zlib' | 'zstd';
const SECTION_OPTIONS = new Set([16, 17, 18, 19, 20, 21]); // HEADER_INFO … CMDLINES: a u64 offset each
const BUFFER = 3;
const DONE = 0;

/** The new file, appended to; u64 fields written before their value is known are patched at the end. */
class Out {
  private parts: Buffer[] = [];
  private patches: { at: number; value: number }[] = [];
  length = 0;
  patchU64(at: number, value: number): void {
    this.patches.push({ at, value });
  }
  put(b: Buffer): number {
    const at = this.length;
    this.parts.push(b);
    this.length += b.length;
    return at;
  }
  alignTo(n: number): void {
    const pad = (n - (this.length % n)) % n;
    if (pad) this.put(Buffer.alloc(pad));
  }
  done(): Buffer {
    const file = Buffer.concat(this.parts);
    for (const { at, value } of this.patches) file.writeBigUInt64LE(BigInt(value), at);
    return file;
  }
}

const cstring = (b: Buffer, at: number) => {
  const end = b.indexOf(0, at);
  return { text: b.toString('latin1', at, end), next: end + 1 };
};

/** Ring-buffer pages to put in a buffer in place of the CPU data it has (e.g. the empty top buffer). */
export interface ExtraCpuData {
  buffer: string;
  /** cpu → its pages, uncompressed, a whole number of pages. */
  cpus: Map<number, Buffer>;
}

export function recompressV7(input: Buffer, to: 'none' | 'zlib', extra?: ExtraCpuData): Buffer {
  let p = 10;
  const version = cstring(input, p);
  if (version.text !== '7') throw new Error('recompressV7: not a v7 file');
  p = version.next;
  if (input[p] !== 0) throw new Error('recompressV7: big-endian files are not handled');
  const pageSize = input.readUInt32LE(p + 2);
  const fixedHead = input.subarray(0, p + 6);
  p += 6;
  const compression = cstring(input, p);
  const from = compression.text as Compression;
  p = cstring(input, compression.next).next;
  const firstOptions = Number(input.readBigUInt64LE(p));

  const inflate = (data: Buffer, size: number): Buffer => {
    if (from === 'zstd') return Buffer.from(zstdDecompress(data, new Uint8Array(size)));
    if (from === 'zlib') return inflateSync(data);
    return data;
  };
  const squeeze = (data: Buffer): Buffer => {
    if (to === 'none') return data;
    const packed = deflateSync(data);
    return Buffer.concat([u32(packed.length), u32(data.length), packed]);
  };
  /** A section's header fields and its uncompressed content. */
  const readSection = (at: number) => {
    const id = input.readUInt16LE(at);
    const flags = input.readUInt16LE(at + 2);
    const desc = input.readUInt32LE(at + 4);
    const size = Number(input.readBigUInt64LE(at + 8));
    let data = input.subarray(at + 16, at + 16 + size);
    if (flags & 1) data = inflate(data.subarray(8, 8 + data.readUInt32LE(0)), data.readUInt32LE(4));
    return { id, desc, data };
  };
  const sectionHeader = (id: number, flags: number, desc: number, size: number) => Buffer.concat([u16(id), u16(flags), u32(desc), u64(size)]);

  const out = new Out();
  out.put(fixedHead);
  out.put(Buffer.from(to === 'zlib' ? 'zlib\0' + '1.2.13\0' : 'none\0\0', 'latin1'));
  const firstOptionsAt = out.put(u64(0)); // patched at the end

  // Walk the option sections in order; keep their options, to be rewritten with new offsets.
  const optionSections: { desc: number; options: { id: number; data: Buffer }[] }[] = [];
  for (let next = firstOptions; next !== 0; ) {
    const s = readSection(next);
    next = 0;
    const options: { id: number; data: Buffer }[] = [];
    for (let q = 0; q < s.data.length; ) {
      const id = s.data.readUInt16LE(q);
      const len = s.data.readUInt32LE(q + 2);
      const data = Buffer.from(s.data.subarray(q + 6, q + 6 + len));
      q += 6 + len;
      options.push({ id, data });
      if (id === DONE) {
        next = Number(data.readBigUInt64LE(0));
        break;
      }
    }
    optionSections.push({ desc: s.desc, options });
  }

  // Metadata sections, each compressed on its own.
  for (const { options } of optionSections) {
    for (const o of options) {
      if (!SECTION_OPTIONS.has(o.id)) continue;
      const s = readSection(Number(o.data.readBigUInt64LE(0)));
      const body = squeeze(s.data);
      const at = out.put(sectionHeader(s.id, to === 'none' ? 0 : 1, s.desc, body.length));
      out.put(body);
      o.data = u64(at);
    }
  }

  // Each buffer: its flyrecord section header, then every CPU's pages, page-aligned.
  for (const { options } of optionSections) {
    for (const o of options) {
      if (o.id !== BUFFER) continue;
      const flyrecord = Number(o.data.readBigUInt64LE(0));
      const name = cstring(o.data, 8);
      const clockEnd = cstring(o.data, name.next).next;
      // Each CPU's pages, uncompressed: from the input, or the extra data given for this buffer.
      const cpus: { cpu: number; pages: Buffer[] }[] = [];
      if (extra && extra.buffer === name.text) for (const [cpu, pages] of extra.cpus) cpus.push({ cpu, pages: [pages] });
      else {
        for (let k = 0, count = o.data.readUInt32LE(clockEnd + 4); k < count; k++) {
          const entry = clockEnd + 8 + 20 * k;
          const at = Number(o.data.readBigUInt64LE(entry + 4));
          const size = Number(o.data.readBigUInt64LE(entry + 12));
          const pages: Buffer[] = [];
          if (size > 0 && from === 'none') pages.push(input.subarray(at, at + size));
          else if (size > 0) {
            const chunks = input.readUInt32LE(at);
            for (let c = 0, q = at + 4; c < chunks; c++) {
              const csize = input.readUInt32LE(q);
              pages.push(inflate(input.subarray(q + 8, q + 8 + csize), input.readUInt32LE(q + 4)));
              q += 8 + csize;
            }
          }
          cpus.push({ cpu: o.data.readUInt32LE(entry), pages });
        }
      }
      const headerAt = out.put(sectionHeader(BUFFER, to === 'none' ? 0 : 1, input.readUInt32LE(flyrecord + 4), 0));
      const entries: Buffer[] = [];
      for (const { cpu, pages } of cpus) {
        if (pages.length === 0) {
          entries.push(Buffer.concat([u32(cpu), u64(0), u64(0)])); // an empty CPU: offset 0, size 0
          continue;
        }
        out.alignTo(pageSize);
        const start = out.length;
        if (to === 'none') for (const page of pages) out.put(page);
        else {
          out.put(u32(pages.length));
          for (const page of pages) out.put(squeeze(page));
        }
        // Compressed data's recorded size leaves out the chunk count in front of it.
        entries.push(Buffer.concat([u32(cpu), u64(start), u64(out.length - start - (to === 'none' ? 0 : 4))]));
      }
      // BUFFER: flyrecord offset, name, clock, page size, CPU count, then (cpu, offset, size) each.
      o.data = Buffer.concat([u64(headerAt), o.data.subarray(8, clockEnd), u32(pageSize), u32(cpus.length), ...entries]);
      // The section's size runs to the end of its last CPU's data.
      out.patchU64(headerAt + 8, out.length - headerAt - 16);
    }
  }

  // Option sections last, each DONE pointing at the next (0 after the last); the header at the first.
  const sectionAts: number[] = [];
  const doneAts: number[] = [];
  for (const section of optionSections) {
    const body = Buffer.concat(section.options.map((o) => Buffer.concat([u16(o.id), u32(o.data.length), o.data])));
    sectionAts.push(out.put(sectionHeader(0, 0, section.desc, body.length)));
    let q = out.put(body);
    for (const o of section.options) {
      if (o.id === DONE) doneAts.push(q + 6);
      q += 6 + o.data.length;
    }
  }
  out.patchU64(firstOptionsAt, sectionAts[0]);
  doneAts.forEach((at, i) => out.patchU64(at, sectionAts[i + 1] ?? 0));
  return out.done();
}
