// Files the tool writes (simulator run files, recorded traces): checked before any work starts,
// written under a temporary name in the target folder and renamed only once complete and on
// disk, so that no reader ever takes a half-written file for a whole one. A full or read-only
// disk is the user's to fix: one line naming the file and the cause.

import { accessSync, closeSync, constants, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, statfsSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { threadId } from 'node:worker_threads';

/** A file that cannot be written where the user asked: bad input, exit 2. */
export class OutputError extends Error {}

/** Below this much free space an output folder is refused before anything starts. */
export const MIN_FREE_BYTES = 1 << 20;

/** Write failures that are the user's to fix (full, read-only, forbidden or missing place), in words. */
const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUO: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'the folder does not exist',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'a file of that name is in the way of a folder',
};

/** `err` as an OutputError naming `file` when the user can fix it; otherwise `err` itself. */
export function asOutputError(err: unknown, file: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (err instanceof OutputError || !code || !Object.hasOwn(CAUSES, code)) return err;
  return new OutputError(`cannot write ${file}: ${CAUSES[code]} (${code})`);
}

/**
 * Throws OutputError unless `file` can be written: not a folder, in an existing writable folder
 * on a writable file system with at least MIN_FREE_BYTES free. Nothing is created.
 */
export function checkOutputFile(file: string): void {
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
  } catch (err) {
    throw asOutputError(err, file);
  }
  checkOutputFolder(dirname(resolve(file)), file);
}

/** Creates `dir` when missing and checks it as checkOutputFile does. */
export function prepareOutputFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw asOutputError(err, dir);
  }
  checkOutputFolder(dir, dir);
}

/** `dir` is an existing folder we may write in, with room; `what` names the output in messages. */
function checkOutputFolder(dir: string, what: string): void {
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw asOutputError(err, what);
  }
  checkFreeSpace(what, dir);
}

function checkFreeSpace(file: string, dir: string): void {
  let free: number;
  try {
    const fs = statfsSync(dir);
    free = fs.bavail * fs.bsize;
  } catch {
    return; // a file system that cannot tell: the write itself will say
  }
  if (free < MIN_FREE_BYTES) throw new OutputError(`cannot write ${file}: no space left on the device (${free} bytes free in ${dir})`);
}

const PARTIAL = '.partial-';

/** The temporary name `file` is written under until complete (hidden, same folder, never `*.report`). */
export function partialPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}${PARTIAL}${process.pid}-${threadId}`);
}

/**
 * Removes the partial files this process left for `file` (and the temporary files a tool wrote
 * beside them, named after them): after a worker was stopped mid-write, or a child killed.
 */
export function removePartials(file: string): void {
  const prefix = `.${basename(file)}${PARTIAL}${process.pid}-`;
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return;
  }
  for (const name of names) if (name.startsWith(prefix)) unlinkQuietly(join(dirname(file), name));
}

export function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** Makes the complete `partial` durable and gives it its final name (atomic within a folder). */
export function commitPartial(partial: string, file: string): void {
  const fd = openSync(partial, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(partial, file);
  syncFolder(dirname(file));
}

/** The rename itself on disk; some file systems cannot fsync a folder, and that is fine. */
function syncFolder(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // best effort
  }
}

/**
 * Writes `file` through `body` (which calls `write` with text chunks): all of it under the
 * partial name, then fsync and rename. On any failure the partial file is removed and `file`
 * is untouched; a full, read-only or forbidden place throws OutputError.
 */
export function writeFileWhole(file: string, body: (write: (chunk: string | Uint8Array) => void) => void): void {
  const partial = partialPathFor(file);
  try {
    const fd = openSync(partial, 'w', 0o644); // our own name: a stale one (a reused pid) is overwritten
    try {
      body((chunk) => writeAll(fd, typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    } finally {
      closeSync(fd);
    }
    commitPartial(partial, file);
  } catch (err) {
    unlinkQuietly(partial);
    throw asOutputError(err, file);
  }
}

/** write(2) may write less than asked (a disk filling up): go on until all is written or it fails. */
function writeAll(fd: number, bytes: Buffer): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}
