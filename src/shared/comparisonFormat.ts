// How the comparison shows a figure and its change against the baseline: one definition for
// the comparison view (webview) and its text report (host). No Node, no DOM, no vscode.

export type MetricFormat = 'ratio' | 'percent' | 'rate' | 'count';

export function formatMetric(v: number | null, format: MetricFormat): string {
  if (v === null) return '—';
  switch (format) {
    case 'percent':
      return `${(v * 100).toFixed(1)} %`;
    case 'ratio':
      return v.toFixed(3);
    case 'rate':
      return Math.abs(v) < 10 ? v.toFixed(2) : Math.round(v).toLocaleString('en-US');
    case 'count':
      return v.toLocaleString('en-US');
  }
}

/** "± half-width" of a 95 % interval, in the metric's format (percent points for shares). */
export function formatHalfWidth(ci: [number, number] | null, format: MetricFormat): string {
  if (!ci) return '';
  const half = (ci[1] - ci[0]) / 2;
  return `± ${format === 'percent' ? `${(half * 100).toFixed(1)}` : formatMetric(half, format)}`;
}

/** better / worse: beyond the noise (or nothing known of it); noise: inside it, not coloured. */
export type DeltaVerdict = 'better' | 'worse' | 'same' | 'noise';

/**
 * The change against the baseline in %. `beyondNoise` false (the seeds' Welch interval of the
 * difference includes 0) brackets it and judges it neither better nor worse.
 */
export function metricDelta(v: number | null, base: number | null, higherIsBetter: boolean, beyondNoise: boolean | null = null): { text: string; verdict: DeltaVerdict } | null {
  if (v === null || base === null) return null;
  if (base === 0) return v === 0 ? { text: '±0 %', verdict: 'same' } : null;
  const change = (v - base) / Math.abs(base);
  if (Math.abs(change) < 0.0005) return { text: '±0 %', verdict: 'same' };
  const pct = change * 100;
  const text = `${pct > 0 ? '+' : ''}${Math.abs(pct) < 10 ? pct.toFixed(1) : pct.toFixed(0)} %`;
  if (beyondNoise === false) return { text: `(${text})`, verdict: 'noise' };
  return { text, verdict: change > 0 === higherIsBetter ? 'better' : 'worse' };
}
