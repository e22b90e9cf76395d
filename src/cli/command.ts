// The shape of one `kvm-spin` command: its arguments and what it does with them.

import type { CommandSpec, ParsedArgs } from './args';
import type { CliIo } from './io';

export interface CommandContext {
  io: CliIo;
  /** Fires on SIGINT, SIGTERM or SIGHUP. */
  signal: AbortSignal;
}

export interface Command {
  spec: CommandSpec;
  /** The lines of the tool's overall usage that describe this command. */
  summary: string;
  run(args: ParsedArgs, context: CommandContext): Promise<number>;
}
