// Decompression bombs for tests, built from nothing but the formats: a zlib stream of zeros
// (raw deflate blocks of 1 MiB repeated, RFC 1950/1951), zstd frames of RLE or raw blocks
// (RFC 8878 §3.1.1: frame header, 3-byte block headers), and a v7 trace.dat whose CPU chunk or
// metadata section is replaced by one: the new data is appended and the option that points to
// the old one (BUFFER's CPU entry, or EVENT_FORMATS …) is pointed at it. Small to write, huge
// to inflate.
import { constants, deflateRawSync } from 'node:zlib';
import { openTraceDat } from '../../src/core/trace/dat/datFile';

export const u16 = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
};
export const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};
export const u64 = (v: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
};

/** A zlib stream that inflates to `mib` MiB of zeros, about 1 KiB per MiB, with a valid Adler-32. */
export function zlibZeros(mib: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: constants.Z_SYNC_FLUSH }); // non-final, byte-aligned
  const last = deflateRawSync(Buffer.alloc(0)); // a final empty block
  const size = mib * 2 ** 20;
  const adler = ((size % 65521) * 65536 + 1) >>> 0; // zeros: A = 1, B = size mod 65521
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(adler);
  return Buffer.concat([Buffer.from([0x78, 0x9c]), ...Array<Buffer>(mib).fill(block), last, trailer]);
}

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const MAX_BLOCK = 128 << 10;

/** Frame header: no checksum, no dictionary; a 128 KiB window, or single segment with an 8-byte content size. */
function zstdHeader(contentSize?: number): Buffer {
  if (contentSize === undefined) return Buffer.concat([ZSTD_MAGIC, Buffer.from([0x00, 7 << 3])]);
  return Buffer.concat([ZSTD_MAGIC, Buffer.from([0xe0]), u64(contentSize)]);
}

const blockHeader = (last: boolean, type: 0 | 1, size: number) => {
  const v = (last ? 1 : 0) | (type << 1) | (size << 3);
  return Buffer.from([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff]);
};

/** A zstd frame of RLE blocks: `size` bytes of `byte`, four bytes per 128 KiB. */
export function zstdRle(size: number, byte = 0, options: { contentSize?: number } = {}): Buffer {
  const parts = [zstdHeader(options.contentSize)];
  for (let left = size; left > 0; left -= MAX_BLOCK) {
    const n = Math.min(left, MAX_BLOCK);
    parts.push(blockHeader(left <= MAX_BLOCK, 1, n), Buffer.from([byte]));
  }
  return Buffer.concat(parts);
}

/** A zstd frame holding `data` in raw blocks (what any decoder must give back exactly). */
export function zstdRaw(data: Buffer): Buffer {
  const parts = [zstdHeader()];
  for (let at = 0; at < data.length; at += MAX_BLOCK) {
    const piece = data.subarray(at, at + MAX_BLOCK);
    parts.push(blockHeader(at + MAX_BLOCK >= data.length, 0, piece.length), piece);
  }
  return Buffer.concat(parts);
}

/** One compressed chunk as trace-cmd writes a CPU's data: chunk count 1, sizes, data. */
export const cpuChunk = (compressed: Buffer, declaredSize: number) => Buffer.concat([u32(1), u32(compressed.length), u32(declaredSize), compressed]);

/** The file with CPU `cpu` of its first buffer that has it reading `data` (appended) instead. */
export function withCpuData(file: Buffer, path: string, cpu: number, data: Buffer): Buffer {
  const dat = openTraceDat(path);
  const entry = dat.buffers.flatMap((b) => b.cpus).find((c) => c.cpu === cpu);
  dat.close();
  if (!entry) throw new Error(`withCpuData: no CPU ${cpu}`);
  const old = Buffer.concat([u32(cpu), u64(entry.offset), u64(entry.size)]);
  const at = file.indexOf(old);
  if (at < 0 || file.indexOf(old, at + 1) >= 0) throw new Error('withCpuData: the BUFFER entry is not unique');
  const out = Buffer.from(file);
  Buffer.concat([u32(cpu), u64(file.length), u64(data.length - 4)]).copy(out, at); // the size leaves out the chunk count
  return Buffer.concat([out, data]);
}

/** The file with the section that option `optionId` points to replaced by a compressed one (appended). */
export function withSection(file: Buffer, optionId: number, compressed: Buffer, declaredSize: number): Buffer {
  for (let at = file.indexOf(Buffer.concat([u16(optionId), u32(8)])); at >= 0; at = file.indexOf(Buffer.concat([u16(optionId), u32(8)]), at + 1)) {
    const target = Number(file.readBigUInt64LE(at + 6));
    if (target + 16 > file.length || file.readUInt16LE(target) !== optionId) continue;
    const out = Buffer.from(file);
    u64(file.length).copy(out, at + 6);
    const content = Buffer.concat([u32(compressed.length), u32(declaredSize), compressed]);
    const header = Buffer.concat([u16(optionId), u16(1), u32(file.readUInt32LE(target + 4)), u64(content.length)]);
    return Buffer.concat([out, header, content]);
  }
  throw new Error(`withSection: no option ${optionId} pointing at its section`);
}
