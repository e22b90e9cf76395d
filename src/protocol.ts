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
  spinNs: number;
  pleNs: number;
  preemptedNs: number;
  boostedRan: number;
  boostedNotRun: number;
  esrch: number;
  notBoosted: number;
  noCandidate: number;
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
  /** The whole trace, and the range this model covers. */
  traceStartNs: number;
  traceEndNs: number;
  rangeStartNs: number;
  rangeEndNs: number;
  totals: { events: number; kvmExits: number; pleExits: number; boosts: number; yieldAttempts: number; episodes: number; lostEvents: number };
  problems: { schedulerMismatch: number; lostOpportunity: number; overboost: number };
  inference: string;
  warnings: string[];
  vcpus: VcpuRow[];
  /** Per VM: vCPU labels and boosts[source][target]. */
  matrices: { vm: string; labels: string[]; boosts: number[][] }[];
  pleExitsOverTime: Series;
  /** Largest PLE window seen in each bin (cycles). */
  windowOverTime: Series;
  episodes: EpisodeRow[];
  episodesTotal: number;
}

export type HostToWebview = { type: 'dashboard'; model: DashboardModel } | { type: 'error'; message: string } | { type: 'busy'; message: string };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'selectRange'; startNs: number; endNs: number }
  | { type: 'resetRange' }
  | { type: 'revealLine'; line: number };

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
