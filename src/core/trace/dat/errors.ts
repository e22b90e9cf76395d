import { NotATraceError } from '../sniff';

/** Control characters of file text quoted in a message, escaped so the message stays one line. */
export function printable(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A damaged or unsupported trace.dat: bad input, reported in one line (names from the file included). */
export class TraceDatError extends NotATraceError {
  constructor(message: string) {
    super(printable(message));
  }
}
