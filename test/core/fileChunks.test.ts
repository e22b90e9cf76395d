// fileChunks reads the next chunk while the caller works on this one: the chunks still add up to
// exactly the bytes of the range, a chunk stays as it was until the next is asked for (the read
// ahead goes into the other buffer), and a caller that stops early leaves no file open.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { fileChunks } from '../../src/core/trace/textImporter';

const CHUNK = 1 << 20;
const dir = mkdtempSync(join(tmpdir(), 'kvm-spin-chunks-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A file of `size` bytes whose every byte depends on its offset (a misplaced chunk shows). */
function fileOf(size: number, name: string): { path: string; bytes: Buffer } {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 131 + (i >> 20) * 7) & 0xff;
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}

const openFiles = () => readdirSync('/proc/self/fd').length;

test('the chunks of a range are its bytes, each unchanged until the next one is asked for', async () => {
  const { path, bytes } = fileOf(2 * CHUNK + 12_345, 'whole.bin');
  await fc.assert(
    fc.asyncProperty(fc.nat(bytes.length), fc.nat(bytes.length), fc.boolean(), async (a, b, pause) => {
      const [start, end] = a <= b ? [a, b] : [b, a];
      const copies: Buffer[] = [];
      for await (const chunk of fileChunks(path, start, end)) {
        assert.ok(chunk.length > 0 && chunk.length <= CHUNK);
        const copy = Buffer.from(chunk);
        // The read ahead finishes while this chunk is in use (a turn of the event loop, or a few).
        if (pause) await new Promise((resolve) => setTimeout(resolve, 2));
        else await new Promise((resolve) => setImmediate(resolve));
        assert.ok(chunk.equals(copy), 'a chunk changed before the next one was asked for');
        copies.push(copy);
      }
      assert.ok(Buffer.concat(copies).equals(bytes.subarray(start, end)));
    }),
    { numRuns: 12, seed: 17 },
  );
});

test('reads to the end of the file when the range runs past it, and nothing from an empty range', async () => {
  const { path, bytes } = fileOf(CHUNK + 10, 'short.bin');
  const got: Buffer[] = [];
  for await (const chunk of fileChunks(path, 5)) got.push(Buffer.from(chunk));
  assert.deepEqual(
    got.map((c) => c.length),
    [CHUNK, 5],
  );
  assert.ok(Buffer.concat(got).equals(bytes.subarray(5)));
  let chunks = 0;
  for await (const _ of fileChunks(path, 100, 100)) chunks++;
  assert.equal(chunks, 0);
});

test('a caller that stops after the first chunk leaves no file open', async () => {
  const { path } = fileOf(3 * CHUNK, 'stop.bin');
  const before = openFiles();
  for (let k = 0; k < 5; k++) {
    for await (const chunk of fileChunks(path)) {
      assert.equal(chunk.length, CHUNK);
      break;
    }
  }
  assert.equal(openFiles(), before);
});
