// Durations as people read them: the SI prefix chosen by magnitude ("5.86 µs", not
// "0.00586 ms"), in ns or, for a raw counter clock, in cycles (kcycles, Mcycles, …).

export type ClockUnit = 'ns' | 'cycles';

/** Prefixes from the base unit up, as [factor, ns-clock name, cycles-clock name]. */
const PREFIXES: [number, string, string][] = [
  [1, 'ns', 'cycles'],
  [1e3, 'µs', 'kcycles'],
  [1e6, 'ms', 'Mcycles'],
  [1e9, 's', 'Gcycles'],
];

/** `value` (ns, or cycles when `unit` is 'cycles') with the largest prefix that keeps it ≥ 1, to `digits` significant digits. */
export function formatDuration(value: number, unit: ClockUnit = 'ns', digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  const a = Math.abs(value);
  let i = 0;
  while (i + 1 < PREFIXES.length && a >= PREFIXES[i + 1][0]) i++;
  const [factor, nsName, cyclesName] = PREFIXES[i];
  const scaled = Number((value / factor).toPrecision(digits));
  // Rounding may carry into the next prefix (999.96 µs → 1000 µs): show 1 ms instead.
  if (Math.abs(scaled) >= 1000 && i + 1 < PREFIXES.length) return formatDuration(Math.sign(value) * PREFIXES[i + 1][0] * (Math.abs(scaled) / 1000), unit, digits);
  return `${scaled.toLocaleString('en-US', { maximumSignificantDigits: digits })} ${unit === 'cycles' ? cyclesName : nsName}`;
}
