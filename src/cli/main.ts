// `kvm-spin`: the command-line entry over src/core. Exit codes: 0 ok, 1 internal error or
// failed output, 2 bad input or usage (one line on stderr, never a stack trace), 128 + signo
// when interrupted (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseCommandArgs, UsageError } from './args';
import type { Command } from './command';
import { reportError } from './errors';
import { processIo, watchOutputErrors, type CliIo } from './io';
import { withSignals } from './signals';
import { analyzeCommand } from './analyze';
import { annotateCommand } from './annotate';
import { simulateCommand } from './simulate';
import { recordCommand } from './record';
import { replayCommand } from './replay';
import { exportCommand } from './export';
import { sweepCommand } from './commands/sweep';

/** Every command by name; adding a command is one line here. */
const COMMANDS = new Map<string, Command>([
  ['analyze', analyzeCommand],
  ['annotate', annotateCommand],
  ['simulate', simulateCommand],
  ['record', recordCommand],
  ['replay', replayCommand],
  ['export', exportCommand],
  ['sweep', sweepCommand],
]);

const NAMES = [...COMMANDS.keys()];
const USAGE = `usage: kvm-spin COMMAND [OPTIONS]   (kvm-spin COMMAND --help for its options)
       kvm-spin --version

${[...COMMANDS.values()].map((c) => c.summary).join('\n')}`;

/** Set by the bundler (scripts/build.mjs) from package.json. */
declare const KVM_SPIN_VERSION: string | undefined;

/** The version: injected into the bundle; when run from compiled sources, read from package.json. */
export function version(): string {
  if (typeof KVM_SPIN_VERSION === 'string') return KVM_SPIN_VERSION;
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(USAGE + '\n');
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const command = rest.length ? COMMANDS.get(rest[0]) : undefined;
    io.stdout.write((command?.spec.usage ?? USAGE) + '\n');
    return 0;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`kvm-spin ${version()}\n`);
    return 0;
  }
  const command = COMMANDS.get(name);
  try {
    if (!command) throw new UsageError(`unknown command '${name}': expected ${NAMES.slice(0, -1).join(', ')} or ${NAMES[NAMES.length - 1]}`, USAGE);
    const args = parseCommandArgs(command.spec, rest);
    if (args.help) {
      io.stdout.write(command.spec.usage + '\n');
      return 0;
    }
    return await withSignals(io, (signal) => command.run(args, { io, signal }));
  } catch (err) {
    return reportError(err, io);
  }
}

/** bin/kvm-spin.js: the real process, its output errors handled, the exit code set. */
export async function runCli(argv: string[]): Promise<void> {
  const outputFailure = watchOutputErrors();
  const code = await main(argv, processIo());
  process.exitCode = outputFailure() ?? code;
}

if (require.main === module) void runCli(process.argv.slice(2));
