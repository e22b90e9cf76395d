// One argument parser for every command (node's util.parseArgs), so that a bad, unknown or
// missing value is reported the same way everywhere: one line, then the command's usage, exit 2.

import { parseArgs } from 'node:util';

/** A mistake in the command line: reported with the usage of the command it was meant for. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** May be given more than once (the value is then a list). */
  multiple?: boolean;
}

export interface CommandSpec {
  name: string;
  /** Printed for --help and after a usage error. */
  usage: string;
  options: Record<string, OptionSpec>;
  /** How many positional arguments, and what the message calls them. */
  positionals: { min: number; max: number; what: string };
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  help: boolean;
}

const HELP: OptionSpec = { type: 'boolean', short: 'h' };
const NEGATIVE_NUMBER = /^-[\d.]/;

export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  const options = { ...spec.options, help: HELP };
  const fail = (message: string): never => {
    throw new UsageError(`${spec.name}: ${message}`, spec.usage);
  };
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true, strict: true });
  } catch (err) {
    return fail(describeParseError(err as NodeJS.ErrnoException, Object.keys(spec.options)));
  }
  const values = parsed.values as ParsedArgs['values'];
  const help = values.help === true;
  const { min, max, what } = spec.positionals;
  const count = parsed.positionals.length;
  if (!help && (count < min || count > max)) {
    const wanted = max === 0 ? `no ${what}` : min === max ? `exactly ${min === 1 ? 'one' : min} ${what}` : `from ${min} to ${max} ${what}`;
    fail(`takes ${wanted}, got ${count === 0 ? 'none' : parsed.positionals.map((p) => `'${p}'`).join(' ')}`);
  }
  return { values, positionals: parsed.positionals, help };
}

/**
 * `--duration -2` is a value the user meant, not an option: parseArgs would call it ambiguous,
 * so it is joined into `--duration=-2` and checked (and refused with its reason) like any value.
 */
function joinNegativeValues(argv: string[], options: Record<string, OptionSpec>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : '';
    const next = argv[i + 1];
    if (Object.hasOwn(options, name) && options[name].type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

/** parseArgs' errors are sentences with advice for programmers; a user gets one short line. */
function describeParseError(err: NodeJS.ErrnoException, known: string[]): string {
  const option = /'(-[^' ]*)/.exec(err.message)?.[1] ?? '';
  const expected = known.map((o) => `--${o}`).join(', ');
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option}: expected ${expected ? `${expected} or --help` : 'only --help'}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(err.message) ? `${option} takes no value` : `${option} needs a value`;
    default:
      return err.message.split('\n')[0];
  }
}

/** The string value of an option, or undefined when it was not given. */
export function stringValue(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Every value of an option that may be given more than once (OptionSpec.multiple). */
export function stringValues(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** Checks an option's value; a refusal is a usage error of the command, with the reason. */
export class ValueChecker {
  constructor(private readonly spec: CommandSpec) {}

  refuse(option: string, text: string, reason: string): never {
    throw new UsageError(`${this.spec.name}: --${option} ${reason}, got '${text}'`, this.spec.usage);
  }

  /** A whole decimal number in [min, max]: no sign, no exponent, not empty. */
  wholeNumber(option: string, text: string, min: number, max: number): number {
    const n = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
    if (!(n >= min && n <= max)) this.refuse(option, text, `must be a whole number from ${min} to ${max}`);
    return n;
  }

  /** A plain decimal number of seconds in [minS, maxS]. */
  seconds(option: string, text: string, minS: number, maxS: number, unit = 'seconds'): number {
    const s = DECIMAL.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(s)) this.refuse(option, text, `must be a number of ${unit}`);
    if (s < minS) this.refuse(option, text, `must be at least ${describeSeconds(minS)}`);
    if (s > maxS) this.refuse(option, text, `must be at most ${maxS} ${unit}`);
    return s;
  }

  /** A finite number above zero. */
  positive(option: string, text: string, what: string): number {
    const n = DECIMAL.test(text) ? Number(text) : NaN;
    if (!(Number.isFinite(n) && n > 0)) this.refuse(option, text, `must be a positive number (${what})`);
    return n;
  }

  /**
   * `T0:T1` in trace seconds as the report prints them (`1.5:2.25`); either bound may be left
   * out (`1.5:`, `:2`). Parsed digit by digit into nanoseconds, as the importer reads
   * timestamps, so that a bound copied from the report falls exactly on its event.
   */
  timeRange(option: string, text: string): { startNs: number; endNs: number } {
    const parts = text.split(':');
    const reason = 'must be T0:T1 in trace seconds as the report prints them (1.5:2.25, 1.5: or :2)';
    if (parts.length !== 2 || (parts[0] === '' && parts[1] === '')) this.refuse(option, text, reason);
    const bound = (p: string, open: number) => (p === '' ? open : secondsToNs(p) ?? this.refuse(option, text, reason));
    const startNs = bound(parts[0], -Infinity);
    const endNs = bound(parts[1], Infinity);
    if (startNs > endNs) this.refuse(option, text, 'must not end before it starts (T0 ≤ T1)');
    return { startNs, endNs };
  }
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const TIMESTAMP = /^(\d{1,12})(?:\.(\d{0,9}))?$/;

/** "1.000001" -> 1000001000 ns, exactly; null for anything else. */
export function secondsToNs(text: string): number | null {
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  return Number(m[1]) * 1e9 + Number((m[2] ?? '').padEnd(9, '0'));
}

function describeSeconds(s: number): string {
  return s < 1e-3 ? `${s * 1e6} µs` : `${s} s`;
}
