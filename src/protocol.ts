// The one typed protocol between the extension host and the webviews: a discriminated union
// each way, validated on receipt (a webview is untrusted, and so is every name in a trace).

export interface Series {
  /** Start of the first bin and the width of each, in ns. */
  startNs: number;
  binNs: number;
  values: number[];
}

export interface VcpuRow {
  vm: string;
  vcpu: number;
  /** Thread name from the trace: untrusted text. */
  comm: string;
  pleExits: number;
  /** On-CPU spin time (never more than the vCPU's guest + host time). */
  spinNs: number;
  /** Time inside PAUSE exits, on a CPU or not. */
  pleNs: number;
  /** null without sched_switch events (DashboardModel.notJudged says why), as are the outcomes below. */
  preemptedNs: number | null;
  /** Time inside PAUSE exits with the thread preempted. */
  preemptedInExitNs: number | null;
  boostedRan: number | null;
  boostedNotRun: number | null;
  esrch: number | null;
  notBoosted: number | null;
  noCandidate: number | null;
}

/** boosts[i][j]: boosts from sources[i] to targets[j]; a last "other" row or column sums the vCPUs not shown. */
export interface BoostMatrix {
  vm: string;
  sources: string[];
  targets: string[];
  boosts: number[][];
  /** false: the trace cannot tell boost targets (DashboardModel.notJudged['targets'] says why). */
  judged: boolean;
}

export interface EpisodeRow {
  vm: string;
  vcpu: number;
  startNs: number;
  endNs: number;
  pleExits: number;
  firstLine: number;
  lastLine: number;
}

export interface DashboardModel {
  title: string;
  format: string;
  /** The trace clock; every *Ns time is in its unit (raw counter values when 'cycles'). Absent: ns. */
  clock?: { name: string | null; unit: 'ns' | 'cycles' };
  /** The whole trace, and the range this model covers. */
  traceStartNs: number;
  traceEndNs: number;
  rangeStartNs: number;
  rangeEndNs: number;
  /** null: not judged (notJudged says why). */
  totals: { events: number; kvmExits: number; pleExits: number; boosts: number | null; yieldAttempts: number | null; episodes: number; lostEvents: number };
  problems: { schedulerMismatch: number | null; lostOpportunity: number | null; overboost: number | null };
  inference: string;
  /** Figure path ('problems.overboost', 'decisions.esrch', 'vcpus.time.preempted', …) → why the trace cannot judge it. */
  notJudged: Record<string, string>;
  warnings: string[];
  /** The busiest vCPUs by PAUSE exits, at most a few hundred (a VM may have 4,096). */
  vcpus: VcpuRow[];
  /** The vCPUs not in `vcpus`, summed; null when every vCPU is listed. */
  vcpusOmitted: { count: number; pleExits: number; spinNs: number } | null;
  /** Per VM: boosts between its busiest sources and targets. */
  matrices: BoostMatrix[];
  pleExitsOverTime: Series;
  /** Largest PLE window seen in each bin (cycles). */
  windowOverTime: Series;
  episodes: EpisodeRow[];
  episodesTotal: number;
  /** Simulator run files only: what the simulator knew, to judge the trace analysis by. */
  groundTruth?: GroundTruth;
}

export interface GroundTruth {
  scenario: string;
  policy: string;
  /** Whole run (a time range does not apply to it). */
  decisions: number;
  boosts: number;
  /** Boosts of the vCPU the spinner truly waited for. */
  helpfulBoosts: number;
  esrch: number;
  problems: { schedulerMismatch: number; lostOpportunity: number; overboost: number };
}

export type HostToWebview = { type: 'dashboard'; model: DashboardModel } | { type: 'error'; message: string } | { type: 'busy'; message: string };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'selectRange'; startNs: number; endNs: number }
  | { type: 'resetRange' }
  | { type: 'revealLine'; line: number };

// ---- The comparison view ----

export interface ComparisonMetricInfo {
  key: string;
  label: string;
  description: string;
  higherIsBetter: boolean;
  format: 'ratio' | 'percent' | 'rate' | 'count';
}

export interface ComparisonModelRow {
  id: string;
  /** From a file name: untrusted text. */
  label: string;
  source: 'simulator' | 'trace';
  durationS: number;
  /** One value per metric, in `metrics` order; null where the run cannot tell. */
  values: (number | null)[];
  /** What the directed yield did at each PAUSE exit (null: not judged). */
  outcomes: { helped: number | null; otherBoosts: number | null; esrch: number | null; noBoost: number | null };
  counts: { pleExits: number; yieldAttempts: number | null; boosts: number | null; schedulerMismatch: number | null; lostOpportunity: number | null; overboost: number | null };
  judgedBy: string;
  /** Metric key or count key → why this run cannot judge it (shown beside "not judged"). */
  notJudged: Record<string, string>;
}

export interface ComparisonModel {
  /** Every run that can be picked. */
  runs: { id: string; label: string; source: 'simulator' | 'trace'; durationS: number }[];
  selected: string[];
  baseline: string | null;
  metrics: ComparisonMetricInfo[];
  rows: ComparisonModelRow[];
}

export type HostToComparison = { type: 'comparison'; model: ComparisonModel } | { type: 'notice'; message: string };

export type ComparisonToHost =
  | { type: 'ready' }
  | { type: 'selectRuns'; ids: string[]; baseline: string | null }
  | { type: 'simulate' }
  | { type: 'openTrace' }
  | { type: 'exportCsv' }
  | { type: 'exportPng'; dataUrl: string };

/** A PNG data URL as canvas.toDataURL makes it (bounded: a chart is well under 8 MB). */
const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/;

/** Validates a message from the comparison webview; null for anything malformed. */
export function parseComparisonMessage(raw: unknown): ComparisonToHost | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'simulate':
    case 'openTrace':
    case 'exportCsv':
      return { type: m.type };
    case 'selectRuns':
      if (!Array.isArray(m.ids) || m.ids.length > 1000 || !m.ids.every((id) => typeof id === 'string' && id.length < 4096)) return null;
      if (m.baseline !== null && typeof m.baseline !== 'string') return null;
      return { type: 'selectRuns', ids: m.ids as string[], baseline: m.baseline as string | null };
    case 'exportPng':
      return typeof m.dataUrl === 'string' && m.dataUrl.length < 8 << 20 && PNG_DATA_URL.test(m.dataUrl) ? { type: 'exportPng', dataUrl: m.dataUrl } : null;
    default:
      return null;
  }
}

/** Validates a message from the host to the comparison webview. */
export function parseComparisonHostMessage(raw: unknown): HostToComparison | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const m = raw as Record<string, unknown>;
  if (m.type === 'comparison' && typeof m.model === 'object' && m.model !== null) {
    const model = m.model as ComparisonModel;
    if (Array.isArray(model.runs) && Array.isArray(model.rows) && Array.isArray(model.metrics) && Array.isArray(model.selected)) return m as HostToComparison;
    return null;
  }
  if (m.type === 'notice' && typeof m.message === 'string') return m as HostToComparison;
  return null;
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Validates a message from a webview; null for anything malformed. */
export function parseWebviewMessage(raw: unknown): WebviewToHost | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'resetRange':
      return { type: m.type };
    case 'selectRange':
      return isFiniteNumber(m.startNs) && isFiniteNumber(m.endNs) && m.endNs > m.startNs ? { type: 'selectRange', startNs: m.startNs, endNs: m.endNs } : null;
    case 'revealLine':
      return Number.isInteger(m.line) && (m.line as number) >= 1 ? { type: 'revealLine', line: m.line as number } : null;
    default:
      return null;
  }
}

/** Validates a message from the host (the webview side checks what it renders). */
export function parseHostMessage(raw: unknown): HostToWebview | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const m = raw as Record<string, unknown>;
  if (m.type === 'dashboard' && typeof m.model === 'object' && m.model !== null && Array.isArray((m.model as DashboardModel).vcpus)) return m as HostToWebview;
  if ((m.type === 'error' || m.type === 'busy') && typeof m.message === 'string') return m as HostToWebview;
  return null;
}
