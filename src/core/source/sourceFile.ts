// Reading a kernel C file for the recognizer: refused, in one line, when it is larger than any
// source file the recognizer is for (read no further than the limit, whatever the file claims),
// or when it is not text.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** virt/kvm/kvm_main.c is about 0.2 MiB, the largest C files of the kernel a few MiB. */
export const MAX_SOURCE_BYTES = 32 << 20;
/** The head that decides whether a file is text. */
const TEXT_CHECK_BYTES = 64 << 10;

/** Not a C source file the recognizer can read: bad input. */
export class SourceFileError extends Error {}

const tooLarge = (path: string, size: string) => new SourceFileError(`${path} is ${size}: annotate reads kernel C files up to ${MAX_SOURCE_BYTES >> 20} MiB (kvm_main.c is about 0.2 MiB)`);

/** The file as UTF-8 text; SourceFileError when it is too large or binary. */
export function readSourceFile(path: string): string {
  const fd = openSync(path, 'r');
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new SourceFileError(`${path} is a directory: expected a C source file`);
    const size = st.size;
    if (size > MAX_SOURCE_BYTES) throw tooLarge(path, `${(size / 2 ** 20).toFixed(1)} MiB`);
    // Read to the end (a FIFO or a growing file has no size to trust), stopping past the limit.
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, MAX_SOURCE_BYTES + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > MAX_SOURCE_BYTES) throw tooLarge(path, `more than ${MAX_SOURCE_BYTES >> 20} MiB`);
    }
  } finally {
    closeSync(fd);
  }
  const bytes = Buffer.concat(chunks, total);
  rejectNonText(path, bytes.subarray(0, TEXT_CHECK_BYTES));
  return bytes.toString('utf8');
}

/** C source has no NUL bytes and few control characters; UTF-16 text is named as such. */
function rejectNonText(path: string, head: Buffer): void {
  let nul = 0;
  let controls = 0;
  for (let i = 0; i < head.length; i++) {
    const b = head[i];
    if (b === 0) nul++;
    if (b < 9 || (b > 13 && b < 32)) controls++;
  }
  const bom = head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff));
  if (bom || (nul > 0 && nul >= head.length / 4)) {
    throw new SourceFileError(`${path} is UTF-16 text, not UTF-8: convert it first (iconv -f UTF-16 -t UTF-8 ${path} > ${path}.utf8.c)`);
  }
  if (nul > 0 || controls > head.length / 100) {
    throw new SourceFileError(`${path} is binary data (${controls} of the first ${head.length} bytes are control characters), not C source`);
  }
}
