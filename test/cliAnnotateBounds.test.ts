// annotate on hostile input (issue 14): a C file far larger than any kernel source is refused
// with its size before it is read, binary data and UTF-16 text get one line and exit 2, and a
// large file that is read is blanked in memory proportional to it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, ftruncateSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, ROOT } from './support/paths';
import { scratchDir } from './support/scratch';
import { peakMeter } from './support/peakRss';
import { MAX_SOURCE_BYTES, readSourceFile, SourceFileError } from '../src/core/source/sourceFile';
import { recognize } from '../src/core/source/recognizer';

const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'kvm-spin.js'), ...args], { encoding: 'utf8' });
const dir = scratchDir('kvm-spin-annot-bounds-');

test('a 100 MB C file is refused with its size, before it is read', () => {
  const big = join(dir, 'big.c');
  const fd = openSync(big, 'w');
  ftruncateSync(fd, 100 * 2 ** 20);
  closeSync(fd);
  const start = performance.now();
  const r = cli('annotate', big);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `kvm-spin: ${big} is 100.0 MiB: annotate reads kernel C files up to 32 MiB (kvm_main.c is about 0.2 MiB)\n`);
  assert.equal(r.stdout, '');
  assert.ok(performance.now() - start < 5000);
  assert.equal(MAX_SOURCE_BYTES, 32 * 2 ** 20);
});

test('binary data and UTF-16 text: one line, exit 2', () => {
  const binary = join(dir, 'kvm_main.o');
  writeFileSync(binary, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
  const r = cli('annotate', binary);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^kvm-spin: .*kvm_main\.o is binary data \(\d+ of the first 4096 bytes are control characters\), not C source\n$/);
  const utf16 = join(dir, 'kvm_main-utf16.c');
  writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(readFileSync(fixture('kernel/kvm_main-5.15.c'), 'utf8'), 'utf16le')]));
  const u = cli('annotate', utf16);
  assert.equal(u.status, 2);
  assert.equal(u.stderr, `kvm-spin: ${utf16} is UTF-16 text, not UTF-8: convert it first (iconv -f UTF-16 -t UTF-8 ${utf16} > ${utf16}.utf8.c)\n`);
  // A C file with a stray form feed or tab is still C.
  const c = join(dir, 'ok.c');
  writeFileSync(c, '\f' + readFileSync(fixture('kernel/kvm_main-5.15.c'), 'utf8'));
  assert.ok(recognize(readSourceFile(c)).functions.some((f) => f.name === 'kvm_vcpu_on_spin'));
  assert.throws(() => readSourceFile(binary), SourceFileError);
});

test('a large file that is read is recognized in memory proportional to it (5.15 amid 24 MB of filler)', () => {
  const core = readFileSync(fixture('kernel/kvm_main-5.15.c'), 'utf8');
  const filler = Array.from({ length: 2000 }, (_, i) => `/* helper ${i} "*/" */\nstatic int kvm_filler_${i}(struct kvm *kvm) // 'x'\n{\n\treturn kvm->online_vcpus > ${i};\n}\n`).join('');
  const source = filler.repeat(Math.ceil((24 << 20) / filler.length)) + core;
  const peak = peakMeter();
  peak.start();
  const r = recognize(source);
  const growth = peak.growthMb();
  assert.equal(r.functions.find((f) => f.name === 'kvm_vcpu_on_spin')?.line, source.slice(0, source.indexOf('void kvm_vcpu_on_spin')).split('\n').length);
  assert.deepEqual(r.missing, []);
  // Blanking char by char (an array of one-character strings) took ~30 bytes per source byte.
  assert.ok(growth < 12 * (source.length / 2 ** 20), `peak RSS grew by ${growth.toFixed(0)} MB for a ${(source.length / 2 ** 20).toFixed(0)} MB source`);
});
