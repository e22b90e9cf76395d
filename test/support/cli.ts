// The CLI two ways: in-process through main(argv, io) with collected output (fast: most tests),
// and spawned through bin/kvm-spin.js as a user runs it (one smoke test per command).
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/io';
import { ROOT } from './paths';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  /** Standard input, for the input `-`. */
  stdin?: Readable | string;
  /** Where signals come from (default: a quiet emitter; pass `process` for real ones). */
  signals?: CliIo['signals'];
  /** Called with each stdout write, after it is collected. */
  onStdout?: (text: string) => void;
}

/** main(argv) in this process; the simulator's and importer's workers come from the built dist/. */
export async function cliInProcess(args: string[], options: InProcessOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const stdin = typeof options.stdin === 'string' ? Readable.from([Buffer.from(options.stdin)]) : options.stdin ?? Readable.from([]);
  const io: CliIo = {
    stdout: {
      write: (text: string) => {
        stdout += text;
        options.onStdout?.(text);
      },
    },
    stderr: { write: (text: string) => (stderr += text) },
    stdin,
    signals: options.signals ?? new EventEmitter(),
    progress: false,
    workerDir: join(ROOT, 'dist'),
  };
  const status = await main(args, io);
  return { status, stdout, stderr };
}

export const CLI_BIN = join(ROOT, 'bin', 'kvm-spin.js');

/** The built CLI in a child process, as a user runs it. */
export function cliSpawned(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [CLI_BIN, ...args], { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
