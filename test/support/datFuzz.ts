// The damaged trace.dat property: the recorded trace.dat fixtures, truncated and with bytes
// flipped or overwritten (fast-check), every case ending in a result (possibly with warnings) or
// in exactly one line of the project's bad-input error, each well under a second, without a large
// allocation. npm test runs a share of the cases (core/datFuzz.test.ts), `npm run test:model` the
// whole set (model/datFuzz.model.ts), `npm run test:fuzz` many more with a random seed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as fc from 'fast-check';
import { analyzeTraceFile } from '../../src/core/pipeline';
import { NotATraceError } from '../../src/core/trace/sniff';
import { fixture } from './paths';
import { scratchDir } from './scratch';
import { recompressV7 } from './datRecompress';
import { peakMeter } from './peakRss';

/** CPU time (user + system) of one case: wall time on a shared 2-core machine measures the neighbours. */
const MAX_CASE_MS = 1000;
/** A case may raise the process's peak RSS by this much (peakRss.ts says over what). */
const MAX_PEAK_GROWTH_MB = 64;
const peak = peakMeter();
const tmp = scratchDir('kvm-spin-fuzz-');
const zstd = readFileSync(fixture(join('dat', 'sched-v7-zstd.dat')));
const FIXTURES: [string, Buffer][] = [
  ['v6 (uncompressed)', gunzipSync(readFileSync(fixture(join('dat', 'sched-v6.dat.gz'))))],
  ['v7 zstd', zstd],
  ['v7 zlib', recompressV7(zstd, 'zlib')],
  ['v7 uncompressed', recompressV7(zstd, 'none')],
];

type Mutation = { kind: 'truncate'; at: number } | { kind: 'flip'; at: number; xor: number } | { kind: 'word'; at: number; value: number };

/** Positions anywhere, or in the first 64 KiB where the headers and formats are. */
const position = (length: number) => fc.oneof(fc.nat(length - 1), fc.nat(Math.min(length - 1, 65535)));
const mutation = (length: number): fc.Arbitrary<Mutation> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(length - 1) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: position(length), xor: fc.integer({ min: 1, max: 255 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('word' as const), at: position(length - 4), value: fc.oneof(fc.nat(), fc.constantFrom(0, 0xffffffff, 0x7fffffff, 0x80000000, 1 << 24)) }) },
  );

function mutate(file: Buffer, mutations: Mutation[]): Buffer {
  let out = Buffer.from(file);
  for (const m of mutations) {
    if (m.kind === 'truncate') out = out.subarray(0, Math.min(m.at, out.length));
    else if (m.at < out.length - 4) {
      if (m.kind === 'flip') out[m.at] ^= m.xor;
      else out.writeUInt32LE(m.value >>> 0, m.at);
    }
  }
  return out;
}

/** The fixed seed of npm test's and test:model's cases (test:fuzz draws its own). */
export const FUZZ_SEED = 14;

/** Registers one test per fixture: `runs` damaged copies of it from fast-check's `seed`. */
export function damagedDatTests(runs: number, seed: number): void {
  for (const [label, file] of FIXTURES) damagedDatTest(label, file, runs, seed);
}

function damagedDatTest(label: string, file: Buffer, runs: number, seed: number): void {
  test(`${label}: ${runs} damaged copies each end in a result or one line of bad input, bounded in time and memory`, async (t) => {
    const path = join(tmp, `${label.replace(/\W+/g, '-')}.dat`);
    const tally = { results: 0, warned: 0, refused: 0, slowestMs: 0, peakGrowthMb: 0, highestPeakMb: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(mutation(file.length), { minLength: 1, maxLength: 6 }), async (mutations) => {
        const bytes = mutate(file, mutations);
        writeFileSync(path, bytes);
        peak.start();
        const start = process.cpuUsage();
        try {
          const r = await analyzeTraceFile(path);
          tally.results++;
          if (r.analysis.warnings.some((w) => /damaged|more than its declared|did not match|not trace events/.test(w))) tally.warned++;
        } catch (err) {
          assert.ok(err instanceof NotATraceError, `not a bad-input error: ${(err as Error)?.stack ?? err}`);
          assert.ok(err.message.length > 0 && !err.message.includes('\n'), `not one line: ${JSON.stringify(err.message)}`);
          tally.refused++;
        }
        const used = process.cpuUsage(start);
        const ms = (used.user + used.system) / 1000;
        const growthMb = peak.growthMb();
        tally.slowestMs = Math.max(tally.slowestMs, ms);
        tally.peakGrowthMb = Math.max(tally.peakGrowthMb, growthMb);
        tally.highestPeakMb = Math.max(tally.highestPeakMb, peak.peakMb());
        assert.ok(ms < MAX_CASE_MS, `took ${ms.toFixed(0)} ms of CPU`);
        // A 2 MB file, a few times over: a bomb, a 2 GiB zstd window or a 512 MiB declared size would show.
        assert.ok(growthMb < MAX_PEAK_GROWTH_MB, `peak RSS grew by ${growthMb.toFixed(0)} MB`);
      }),
      { numRuns: runs, seed: seed, endOnFailure: true, includeErrorInReport: true },
    );
    t.diagnostic(`${label}: ${runs} cases (seed ${seed}): ${tally.results} results (${tally.warned} with a damage warning), ${tally.refused} refused in one line; slowest ${tally.slowestMs.toFixed(0)} ms of CPU, largest peak-RSS step ${tally.peakGrowthMb.toFixed(0)} MB (${peak.basis}), highest peak RSS ${tally.highestPeakMb.toFixed(0)} MB`);
  });
}
