// Exit statistics per reason as `perf kvm stat report --event=vmexit` prints them: an exit's
// time runs from kvm_exit to that vCPU's next kvm_entry (an exit with no entry before the
// trace ends is not a sample); samples %, time % of the scope's totals; min, max, mean, and
// the relative standard deviation of the mean (tools/perf/util/stat.c: 100 · sqrt(M2 / (n − 1)
// / n) / mean, 0 below two samples). Sorted by samples, as perf's default sort key.

export interface ExitReasonStats {
  reason: string;
  samples: number;
  samplesPct: number;
  timePct: number;
  timeNs: number;
  minNs: number;
  maxNs: number;
  meanNs: number;
  /** ± of perf's "Avg time" column, in percent. */
  relStddevPct: number;
}

/** Running statistics of one reason (Welford), mergeable across vCPUs (Chan et al.). */
export class ExitTimeStats {
  n = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;
  timeNs = 0;

  add(ns: number): void {
    this.n++;
    const delta = ns - this.mean;
    this.mean += delta / this.n;
    this.m2 += delta * (ns - this.mean);
    this.timeNs += ns;
    if (ns < this.min) this.min = ns;
    if (ns > this.max) this.max = ns;
  }

  merge(o: ExitTimeStats): void {
    if (o.n === 0) return;
    const n = this.n + o.n;
    const delta = o.mean - this.mean;
    this.m2 += o.m2 + (delta * delta * this.n * o.n) / n;
    this.mean += (delta * o.n) / n;
    this.n = n;
    this.timeNs += o.timeNs;
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
  }
}

/** The table of one scope (a vCPU or a VM): reason name → its running statistics. */
export function exitStatsTable(byReason: ReadonlyMap<string, ExitTimeStats>): ExitReasonStats[] {
  let samples = 0;
  let timeNs = 0;
  for (const s of byReason.values()) {
    samples += s.n;
    timeNs += s.timeNs;
  }
  const rows: ExitReasonStats[] = [];
  for (const [reason, s] of byReason) {
    if (s.n === 0) continue;
    const stddevOfMean = s.n < 2 ? 0 : Math.sqrt(s.m2 / (s.n - 1) / s.n);
    rows.push({
      reason,
      samples: s.n,
      samplesPct: (100 * s.n) / samples,
      timePct: timeNs > 0 ? (100 * s.timeNs) / timeNs : 0,
      timeNs: s.timeNs,
      minNs: s.min,
      maxNs: s.max,
      meanNs: s.timeNs / s.n,
      relStddevPct: s.mean ? (100 * stddevOfMean) / s.mean : 0,
    });
  }
  return rows.sort((p, q) => q.samples - p.samples || (p.reason < q.reason ? -1 : 1));
}
