import { NotATraceError } from '../sniff';

/** A damaged or unsupported trace.dat: bad input, reported in one line. */
export class TraceDatError extends NotATraceError {}
