// How much one piece of work raised the process's peak RSS. On Linux "5" written to
// /proc/self/clear_refs resets the peak (VmHWM) to the current RSS (proc(5)), so the work's own
// peak is read without a full collection before it. Elsewhere a full collection before the work,
// and the peak compared with the peak of everything before it.
import { writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { KB_PER_MB, procStatusMb } from '../../bench/ownPeakRss';

/** VmHWM and VmRSS of /proc/self/status, in MB (only called where /proc/self/clear_refs is writable). */
const procStatus = () => procStatusMb()!;

export interface PeakMeter {
  /** What the figure is measured against, for the test's diagnostic. */
  readonly basis: string;
  /** Called right before the work. */
  start(): void;
  /** MB by which the peak RSS rose since start(). */
  growthMb(): number;
  /** The peak RSS in MB since start(). */
  peakMb(): number;
}

function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function clearedPeakMeter(): PeakMeter {
  let startMb = 0;
  return {
    basis: "each case's own peak (VmHWM, reset through /proc/self/clear_refs) less the RSS it started at",
    start() {
      resetPeak();
      startMb = procStatus().rssMb;
    },
    growthMb: () => procStatus().peakMb - startMb,
    peakMb: () => procStatus().peakMb,
  };
}

function collectingPeakMeter(): PeakMeter {
  setFlagsFromString('--expose_gc');
  const collectGarbage = runInNewContext('gc') as () => void;
  const peakMb = () => process.resourceUsage().maxRSS / KB_PER_MB;
  let startMb = 0;
  return {
    basis: 'the peak after each case less the peak before it, a full collection before each',
    start() {
      collectGarbage();
      startMb = peakMb();
    },
    growthMb: () => peakMb() - startMb,
    peakMb,
  };
}

export function peakMeter(): PeakMeter {
  return resetPeak() ? clearedPeakMeter() : collectingPeakMeter();
}
