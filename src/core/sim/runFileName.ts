// The name and place of a simulator run file. The name comes from the scenario's name, which
// a scenario file in an untrusted workspace chooses: it is made a plain file name that always
// lands in the folder asked for.

import { dirname, resolve } from 'node:path';
import { OutputError, removePartials } from '../outputFile';
import type { SimJob } from './run';

/** Bytes of a run-file name at most: NAME_MAX is 255, and the partial name adds about 30. */
const MAX_NAME_BYTES = 200;
/** Names Windows reserves for devices, whatever the extension. */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;

/**
 * `name` as a safe piece of a file name: letters, digits, `.`, `_`, `+`, `-` (anything else,
 * path separators and control characters included, becomes `_`), no leading dot (so no `..`
 * and no hidden file), never a Windows device name, at most `maxBytes` bytes of UTF-8.
 */
export function fileNamePart(name: string, maxBytes: number): string {
  let safe = name.replace(/[^\p{L}\p{N}._+-]/gu, '_').replace(/^\.+/, '');
  if (WINDOWS_DEVICE.test(safe.split('.')[0])) safe = `_${safe}`;
  let bytes = 0;
  let cut = '';
  for (const ch of safe) {
    bytes += Buffer.byteLength(ch);
    if (bytes > maxBytes) break;
    cut += ch;
  }
  return cut || '_';
}

export function runFileName(job: Pick<SimJob, 'scenario' | 'policy' | 'seed'>): string {
  const rest = `-${fileNamePart(job.policy, 60)}-seed${job.seed}.report`;
  return fileNamePart(job.scenario.name, MAX_NAME_BYTES - Buffer.byteLength(rest)) + rest;
}

/** The run file's path: always directly inside `outDir`. */
export function runFilePath(job: Pick<SimJob, 'scenario' | 'policy' | 'seed'>, outDir: string): string {
  const file = resolve(outDir, runFileName(job));
  if (dirname(file) !== resolve(outDir)) throw new OutputError(`run file name ${JSON.stringify(runFileName(job))} would leave ${outDir}`);
  return file;
}

/** Removes what stopped workers of these jobs left half-written. */
export function removePartialRunFiles(jobs: SimJob[]): void {
  for (const job of jobs) if (job.outDir) removePartials(runFilePath(job, job.outDir));
}
