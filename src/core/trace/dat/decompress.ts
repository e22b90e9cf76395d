// Every decompression of a trace.dat (v7 metadata sections and CPU chunks, zstd or zlib), each
// bounded by the size the file declares for it: the output is never allowed past that size plus
// a small margin, so a small chunk that would inflate to gigabytes is refused after at most
// the margin, in time and memory proportional to the declared size. Node's own zstd is used
// where it exists (Node ≥ 22.15, VS Code's extension host); fzstd otherwise, streamed block by
// block so that its output can be counted and stopped.

import * as zlib from 'node:zlib';
import { Decompress as ZstdStream } from 'fzstd';
import { TraceDatError } from './errors';

export type Compression = 'zstd' | 'zlib';

/** Where compressed data lies, for messages: `CPU 0 of buffer "top"`, chunk, file offset. */
export interface CompressedPlace {
  what: string;
  unit: 'chunk' | 'section';
  offset: number;
}

/** Output past the declared size up to this is cut and warned about; beyond it, refused. */
export const DECLARED_SIZE_MARGIN = 64 << 10;
/** A larger declared size is refused before any work (trace-cmd writes 10-page CPU chunks). */
export const MAX_DECLARED_SIZE = 512 << 20;
/** zstd windows beyond max(declared size, this) are refused: the decoder would allocate them. */
const MAX_ZSTD_WINDOW = 8 << 20;

type NodeZstd = (data: Uint8Array, options: { maxOutputLength: number; params?: Record<number, number> }) => Buffer;
const nodeZstd = (zlib as unknown as { zstdDecompressSync?: NodeZstd }).zstdDecompressSync;
const ZSTD_D_WINDOW_LOG_MAX = (zlib.constants as unknown as Record<string, number | undefined>).ZSTD_d_windowLogMax;

/** Which zstd decoder this process uses (for the benchmark and the log). */
export const zstdDecoder: 'node:zlib' | 'fzstd' = typeof nodeZstd === 'function' ? 'node:zlib' : 'fzstd';

/** Thrown inside a decoder when its output passes the bound. */
class OutputBoundExceeded extends Error {}

const label = (compression: Compression, at: CompressedPlace) => `${at.what}: ${compression} ${at.unit} at offset ${at.offset}`;

/**
 * Decompresses `data`, which the file says holds `declaredSize` bytes. Refuses (TraceDatError,
 * one line) damaged data, data shorter than declared, and data that inflates beyond the declared
 * size plus the margin; output longer than declared but within the margin is cut to the declared
 * size and reported through `warn`.
 */
export function decompressBounded(compression: string, data: Uint8Array, declaredSize: number, at: CompressedPlace, warn: (message: string) => void): Buffer {
  if (compression !== 'zstd' && compression !== 'zlib') throw new TraceDatError(`trace.dat: ${at.what} is compressed with unsupported "${compression}" (zstd and zlib are read)`);
  const name = label(compression, at);
  if (declaredSize > MAX_DECLARED_SIZE) throw new TraceDatError(`trace.dat: ${name} declares ${declaredSize} bytes, more than the ${MAX_DECLARED_SIZE >> 20} MiB this reader decompresses at once`);
  const limit = declaredSize + DECLARED_SIZE_MARGIN;
  let out: Buffer;
  try {
    out = compression === 'zlib' ? zlib.inflateSync(data, { maxOutputLength: limit }) : zstd(data, declaredSize, limit, name);
  } catch (err) {
    if (err instanceof TraceDatError) throw err;
    if (err instanceof OutputBoundExceeded || (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TraceDatError(`trace.dat: ${name} ${compression === 'zlib' ? 'inflates' : 'decompresses'} beyond its declared ${declaredSize} bytes`);
    }
    throw new TraceDatError(`trace.dat: ${name} is damaged (${oneLine(err)})`);
  }
  if (out.length < declaredSize) throw new TraceDatError(`trace.dat: ${name} decompressed to ${out.length} bytes, its declared size is ${declaredSize}`);
  if (out.length > declaredSize) {
    warn(`${name} holds ${out.length} bytes, ${out.length - declaredSize} more than its declared ${declaredSize}; the extra bytes were not read`);
    out = out.subarray(0, declaredSize);
  }
  return out;
}

function oneLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0];
}

/** zstd through Node's decoder or fzstd, after the frames' sizes are checked. */
function zstd(data: Uint8Array, declaredSize: number, limit: number, name: string): Buffer {
  const windowLimit = Math.max(limit, MAX_ZSTD_WINDOW);
  let content = 0;
  for (const frame of zstdFrames(data)) {
    content += frame.contentSize ?? 0;
    if (content > limit) throw new TraceDatError(`trace.dat: ${name} is too large for its declared size: its frame holds ${content} bytes, the file declares ${declaredSize}`);
    if (frame.windowSize > windowLimit) throw new TraceDatError(`trace.dat: ${name} asks for a ${frame.windowSize}-byte window, more than the ${windowLimit} its declared ${declaredSize} bytes need`);
  }
  if (nodeZstd) {
    const params = ZSTD_D_WINDOW_LOG_MAX === undefined ? undefined : { [ZSTD_D_WINDOW_LOG_MAX]: Math.ceil(Math.log2(windowLimit)) };
    return nodeZstd(data, { maxOutputLength: limit, params });
  }
  return fzstdBounded(data, limit);
}

/** fzstd's streaming decoder, stopped as soon as the output passes `limit`. */
function fzstdBounded(data: Uint8Array, limit: number): Buffer {
  const blocks: Uint8Array[] = [];
  let length = 0;
  const stream = new ZstdStream((block) => {
    length += block.length;
    if (length > limit) throw new OutputBoundExceeded();
    blocks.push(block);
  });
  stream.push(data, true);
  return blocks.length === 1 ? Buffer.from(blocks[0].buffer, blocks[0].byteOffset, blocks[0].length) : Buffer.concat(blocks, length);
}

export interface ZstdFrame {
  /** What the frame header says it holds, when it says. */
  contentSize?: number;
  /** The history buffer a decoder allocates for it. */
  windowSize: number;
}

/**
 * The frames of the data (RFC 8878 §3.1): each header's content size and window, found by
 * walking block headers (3 bytes each) without decoding; skippable frames are passed over.
 * Stops where the data stops looking like frames: the decoder then says what is wrong.
 */
export function zstdFrames(data: Uint8Array): ZstdFrame[] {
  const frames: ZstdFrame[] = [];
  const u32 = (at: number) => (data[at] | (data[at + 1] << 8) | (data[at + 2] << 16) | (data[at + 3] << 24)) >>> 0;
  for (let at = 0; at + 8 <= data.length; ) {
    const magic = u32(at);
    if (magic >>> 4 === 0x184d2a5) {
      at += 8 + u32(at + 4);
      continue;
    }
    if (magic !== 0xfd2fb528) break;
    const descriptor = data[at + 4];
    const singleSegment = (descriptor >> 5) & 1;
    const fcsFlag = descriptor >> 6;
    const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
    let pos = at + 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 3];
    if (pos + fcsBytes > data.length) break;
    const frame: ZstdFrame = { windowSize: 0 };
    if (fcsBytes > 0) {
      let size = 0;
      for (let i = fcsBytes - 1; i >= 0; i--) size = size * 256 + data[pos + i];
      frame.contentSize = fcsBytes === 2 ? size + 256 : size;
      pos += fcsBytes;
    }
    if (singleSegment) frame.windowSize = frame.contentSize ?? 0;
    else {
      const base = 2 ** (10 + (data[at + 5] >> 3));
      frame.windowSize = base + (base / 8) * (data[at + 5] & 7);
    }
    frames.push(frame);
    // Blocks: bit 0 last, bits 1-2 type (RLE has one byte of content), bits 3-23 size.
    for (let last = false; !last && pos + 3 <= data.length; ) {
      const header = data[pos] | (data[pos + 1] << 8) | (data[pos + 2] << 16);
      last = (header & 1) === 1;
      pos += 3 + (((header >> 1) & 3) === 1 ? 1 : header >>> 3);
    }
    at = pos + ((descriptor >> 2) & 1) * 4; // the content checksum
  }
  return frames;
}
