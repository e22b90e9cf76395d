// The trace clock: its name (as the trace says it, or null) and the unit of the store's
// timestamps. Which kernel clocks count nanoseconds is the kernel's own table
// (kernel/trace/trace.c trace_clocks[], `in_ns`; x86's ARCH_TRACE_CLOCKS adds x86-tsc, not ns).
// trace-cmd's "tsc2nsec" is x86-tsc already converted by the file's TSC2NSEC option.

import { NotATraceError } from './sniff';

export type TimeUnit = 'ns' | 'cycles';

/** A counter frequency that is no frequency: bad input, one line (exit 2). */
export class ClockHzError extends NotATraceError {}

export interface TraceClock {
  /** "local", "x86-tsc", …; null when the trace does not say (text reports). */
  name: string | null;
  /** 'cycles': raw counter values (TSC cycles for x86-tsc, ticks for counter and uptime). */
  unit: TimeUnit;
}

const NS_CLOCKS = new Set(['local', 'global', 'perf', 'mono', 'mono_raw', 'boot', 'tai', 'tsc2nsec']);

/** The unit a kernel trace clock counts in; unknown names are taken as counters, not ns. */
export function unitOfClock(name: string): TimeUnit {
  return NS_CLOCKS.has(name) ? 'ns' : 'cycles';
}

/** A counter frequency the user gave: a finite number of Hz above 0. */
export function checkClockHz(clockHz: number): void {
  if (typeof clockHz !== 'number' || !Number.isFinite(clockHz) || clockHz <= 0) throw new ClockHzError(`the counter frequency (clockHz) must be a number of Hz above 0, got ${String(clockHz)}`);
}

/**
 * Counter values → nanoseconds at `clockHz`, in place, as `trace-cmd report --ts2secs HZ` does
 * (lib/trace-cmd timestamp_calc: ts *= 1e9 / hz, truncated to an integer).
 */
export function countsToNs(ts: Float64Array, length: number, clockHz: number): void {
  checkClockHz(clockHz);
  const nsPerCount = 1e9 / clockHz;
  for (let i = 0; i < length; i++) ts[i] = Math.floor(ts[i] * nsPerCount);
}
