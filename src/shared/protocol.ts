// The one typed protocol between the extension host and the webviews: a discriminated union
// each way, validated on receipt (a webview is untrusted, and so is every name in a trace).

import type { InKernelAssumption } from '../core/replay/stateSweep';
import { DECISION_OUTCOMES } from '../core/analysis/tables';
export type { InKernelAssumption };

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
  /** The same per vCPU and per VM (coarser bins; at most 64 of each, the most updated; 0: no update in the bin). */
  windowPerVcpu: { vm: string; vcpu: number; series: Series }[];
  windowPerVm: { vm: string; series: Series }[];
  episodes: EpisodeRow[];
  episodesTotal: number;
  /** Simulator run files only: what the simulator knew, to judge the trace analysis by. */
  groundTruth?: GroundTruth;
  /** A trace still being read: this is the part read so far (bytes of the file's size); the whole trace's model replaces it. */
  partial?: { bytesRead: number; totalBytes: number };
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

export type HostToWebview =
  | { type: 'dashboard'; model: DashboardModel }
  | { type: 'error'; message: string }
  | { type: 'busy'; message: string }
  /** Reading the trace: bytes read so far of the file's size. */
  | { type: 'progress'; bytesRead: number; totalBytes: number }
  /** The trace did not open: cancelled (offer Reload), not a trace (offer Reopen as text), or another error. */
  | { type: 'loadFailed'; reason: LoadFailure; message: string }
  | { type: 'timeline'; id: number; window: TimelineWindow }
  | { type: 'timelineDetails'; id: number; details: TimelineDetails | null }
  | { type: 'eventList'; id: number; page: EventListPage }
  | { type: 'replay'; id: number; summary: ReplaySummary }
  | { type: 'instances'; id: number; reply: InstancesReply }
  /** Guest traces were added ("Add Guest Trace…"): the timeline now has guestLanes lanes; message: why a file was refused (one line), else null. */
  | { type: 'guests'; guestLanes: number; message: string | null };

/** A point on a timeline lane to explain: the decision within toleranceNs, else the run there. */
export interface TimelineDetailsRequest {
  /** guest: index into TimelineWindow.guestLanes. */
  lane: 'vcpu' | 'cpu' | 'guest';
  index: number;
  ns: number;
  toleranceNs: number;
}

/** Why a trace did not open. */
export type LoadFailure = 'cancelled' | 'notATrace' | 'error';
const LOAD_FAILURES: readonly string[] = ['cancelled', 'notATrace', 'error'] satisfies LoadFailure[];

export type WebviewToHost =
  | { type: 'ready' }
  /** Open the trace again (after a cancelled or failed load). */
  | { type: 'reload' }
  /** Reopen the file in VS Code's text editor (it is not a trace). */
  | { type: 'reopenAsText' }
  | { type: 'selectRange'; startNs: number; endNs: number }
  | { type: 'resetRange' }
  | { type: 'revealLine'; line: number }
  | { type: 'timeline'; id: number; request: TimelineRequest }
  | { type: 'timelineDetails'; id: number; request: TimelineDetailsRequest }
  | { type: 'eventList'; id: number; request: EventListRequest }
  | { type: 'replay'; id: number; inKernel: InKernelAssumption }
  | { type: 'instances'; id: number; request: InstancesRequest }
  | { type: 'exportPerfetto' };

// ---- The "What if" panel (replay of every policy at each PAUSE exit) ----

export interface ReplayPolicyRow {
  policy: string;
  decisions: number;
  agree: number;
  other: number;
  none: number;
  esrch: number;
  /** Shares of decisions (0..1); null when the trace has no decisions. */
  shares: { agree: number | null; other: number | null; none: number | null; esrch: number | null };
  /** Its targets judged against the guest's truth; absent without guest events (notJudged.helpful says why). */
  truth?: ReplayTruthRow;
}

/** Targets judged against what the spinner waited for (guest events), as the simulator labels a boost. */
export interface ReplayTruthRow {
  /** Decisions the guest's events judge: the denominator of helpfulShare. */
  judged: number;
  helpful: number;
  overboost: number;
  unhelpful: number;
  noBoost: number;
  /** helpful / judged; null when nothing was judged. */
  helpfulShare: number | null;
}

/** The whole trace's replay, sized for the screen (no per-decision arrays). */
export interface ReplaySummary {
  inKernel: InKernelAssumption;
  /** The same in words: "in kernel mode", "in user mode", "in kernel mode with probability 0.5". */
  inKernelText: string;
  decisions: number;
  observedFrom: 'yield_to probes' | 'inferred from sched_switch';
  /** "per decision: … after the first different choice the real future would have differed". */
  counterfactual: string;
  policies: ReplayPolicyRow[];
  /** The host's own decisions judged the same way; absent without guest events. */
  observedTruth?: ReplayTruthRow;
  notReplayable: { policy: string; reason: string }[];
  assumptions: string[];
  /** Figures the replay does not judge → why (helpful, honoured). */
  notJudged: Record<string, string>;
}

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
  /** Seeds the row's figures are the means of (1: a single run). */
  seeds: number;
  /** One value per metric, in `metrics` order; null where the run cannot tell. */
  values: (number | null)[];
  /** Per metric, the 95 % interval of the mean over the seeds; null with one seed. */
  ci95: ([number, number] | null)[];
  /** Per metric: false when the change against the baseline is inside the noise (Welch), true beyond it, null when it cannot be told. */
  beyondNoise: (boolean | null)[];
  /** What the directed yield did at each PAUSE exit (null: not judged). */
  outcomes: { helped: number | null; otherBoosts: number | null; esrch: number | null; noBoost: number | null };
  counts: { pleExits: number; yieldAttempts: number | null; boosts: number | null; schedulerMismatch: number | null; lostOpportunity: number | null; overboost: number | null };
  judgedBy: string;
  /** Metric key or count key → why this run cannot judge it (shown beside "not judged"). */
  notJudged: Record<string, string>;
  /** An opened trace: what each policy would have chosen at its PAUSE exits; null for other runs. */
  replay: ComparisonReplay | null;
}

/** A trace's replay as the comparison view lists it: a row per replayed policy. */
export type ComparisonReplay = Pick<ReplaySummary, 'inKernel' | 'inKernelText' | 'observedFrom' | 'counterfactual' | 'policies' | 'observedTruth'>;

export interface ComparisonModel {
  /** Every run that can be picked. */
  runs: { id: string; label: string; source: 'simulator' | 'trace'; durationS: number }[];
  selected: string[];
  baseline: string | null;
  /** The user picked the baseline (false: the default, which follows the selection). */
  baselineChosen: boolean;
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
    case 'exportPerfetto':
    case 'reload':
    case 'reopenAsText':
      return { type: m.type };
    case 'timeline': {
      const request = parseTimelineRequest(m.request);
      return request && isWholeNumber(m.id) ? { type: 'timeline', id: m.id, request } : null;
    }
    case 'timelineDetails': {
      const request = parseDetailsRequest(m.request);
      return request && isWholeNumber(m.id) ? { type: 'timelineDetails', id: m.id, request } : null;
    }
    case 'replay': {
      const inKernel = parseInKernelAssumption(m.inKernel);
      return inKernel && isWholeNumber(m.id) ? { type: 'replay', id: m.id, inKernel } : null;
    }
    case 'eventList': {
      const request = parseEventListRequest(m.request);
      return request && isWholeNumber(m.id) ? { type: 'eventList', id: m.id, request } : null;
    }
    case 'instances': {
      const r = m.request as Record<string, unknown> | null;
      const filter = typeof r === 'object' && r !== null ? parseInstanceFilter(r.filter) : null;
      return filter && r && isWholeNumber(r.index) && isWholeNumber(m.id) ? { type: 'instances', id: m.id, request: { filter, index: r.index } } : null;
    }
    case 'selectRange':
      return isFiniteNumber(m.startNs) && isFiniteNumber(m.endNs) && m.endNs > m.startNs ? { type: 'selectRange', startNs: m.startNs, endNs: m.endNs } : null;
    case 'revealLine':
      return Number.isInteger(m.line) && (m.line as number) >= 1 ? { type: 'revealLine', line: m.line as number } : null;
    default:
      return null;
  }
}

const isWholeNumber = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 1 << 20;
const isIndexList = (v: unknown): v is number[] => Array.isArray(v) && v.length <= 1 << 16 && v.every(isIndex);

export function parseInKernelAssumption(raw: unknown): InKernelAssumption | null {
  if (raw === 'kernel' || raw === 'user') return raw;
  if (typeof raw !== 'object' || raw === null) return null;
  const share = (raw as Record<string, unknown>).share;
  return isFiniteNumber(share) && share >= 0 && share <= 1 ? { share } : null;
}

function parseTimelineRequest(raw: unknown): TimelineRequest | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (!isFiniteNumber(r.startNs) || !isFiniteNumber(r.endNs) || !(r.endNs > r.startNs)) return null;
  if (!Number.isInteger(r.widthPx) || (r.widthPx as number) < 1 || (r.widthPx as number) > TIMELINE_MAX_WIDTH_PX) return null;
  const request: TimelineRequest = { startNs: r.startNs, endNs: r.endNs, widthPx: r.widthPx as number };
  if (r.highlight !== undefined) {
    const highlight = parseInstanceFilter(r.highlight);
    if (!highlight) return null;
    request.highlight = highlight;
  }
  if (r.lanes !== undefined) {
    const lanes = r.lanes as Record<string, unknown> | null;
    if (typeof lanes !== 'object' || lanes === null || !isIndexList(lanes.vcpus) || !isIndexList(lanes.cpus)) return null;
    if (lanes.guests !== undefined && !isIndexList(lanes.guests)) return null;
    request.lanes = { vcpus: lanes.vcpus, cpus: lanes.cpus, ...(lanes.guests !== undefined ? { guests: lanes.guests as number[] } : {}) };
  }
  return request;
}

function parseDetailsRequest(raw: unknown): TimelineDetailsRequest | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if ((r.lane !== 'vcpu' && r.lane !== 'cpu' && r.lane !== 'guest') || !isIndex(r.index) || !isFiniteNumber(r.ns) || !isFiniteNumber(r.toleranceNs) || r.toleranceNs < 0) return null;
  return { lane: r.lane, index: r.index, ns: r.ns, toleranceNs: r.toleranceNs };
}

function parseEventListRequest(raw: unknown): EventListRequest | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (!isFiniteNumber(r.startNs) || !isFiniteNumber(r.endNs) || !(r.endNs >= r.startNs)) return null;
  if (!isWholeNumber(r.offset) || !Number.isInteger(r.limit) || (r.limit as number) < 0 || (r.limit as number) > EVENT_LIST_MAX_LIMIT) return null;
  const f = r.filter as Record<string, unknown> | null;
  if (typeof f !== 'object' || f === null) return null;
  const filter: EventListFilter = {};
  if (f.vm !== undefined) {
    if (typeof f.vm !== 'string' || f.vm.length > 4096) return null;
    filter.vm = f.vm;
  }
  if (f.event !== undefined) {
    if (typeof f.event !== 'string' || f.event.length > 4096) return null;
    filter.event = f.event;
  }
  if (f.vcpuLane !== undefined) {
    if (!isIndex(f.vcpuLane)) return null;
    filter.vcpuLane = f.vcpuLane;
  }
  if (f.cpu !== undefined) {
    if (!isIndex(f.cpu)) return null;
    filter.cpu = f.cpu;
  }
  if (f.instances !== undefined) {
    const instances = parseInstanceFilter(f.instances);
    if (!instances) return null;
    filter.instances = instances;
  }
  return { startNs: r.startNs, endNs: r.endNs, offset: r.offset as number, limit: r.limit as number, filter };
}

/** Validates a message from the host (the webview side checks what it renders). */
export function parseHostMessage(raw: unknown): HostToWebview | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const m = raw as Record<string, unknown>;
  if (m.type === 'dashboard' && typeof m.model === 'object' && m.model !== null && Array.isArray((m.model as DashboardModel).vcpus)) return m as HostToWebview;
  if ((m.type === 'error' || m.type === 'busy') && typeof m.message === 'string') return m as HostToWebview;
  if (m.type === 'progress') return isFiniteNumber(m.bytesRead) && isFiniteNumber(m.totalBytes) && m.bytesRead >= 0 && m.totalBytes >= 0 ? { type: 'progress', bytesRead: m.bytesRead, totalBytes: m.totalBytes } : null;
  if (m.type === 'loadFailed') return typeof m.reason === 'string' && LOAD_FAILURES.includes(m.reason) && typeof m.message === 'string' ? { type: 'loadFailed', reason: m.reason as LoadFailure, message: m.message } : null;
  if (m.type === 'guests') return isWholeNumber(m.guestLanes) && (m.message === null || typeof m.message === 'string') ? { type: 'guests', guestLanes: m.guestLanes, message: m.message } : null;
  if (!isWholeNumber(m.id)) return null;
  if (m.type === 'timeline' && typeof m.window === 'object' && m.window !== null && Array.isArray((m.window as TimelineWindow).lanes)) return m as HostToWebview;
  if (m.type === 'timelineDetails' && typeof m.details === 'object') return m as HostToWebview;
  if (m.type === 'eventList' && typeof m.page === 'object' && m.page !== null && Array.isArray((m.page as EventListPage).rows)) return m as HostToWebview;
  if (m.type === 'instances' && typeof m.reply === 'object' && m.reply !== null && isFiniteNumber((m.reply as InstancesReply).total)) return m as HostToWebview;
  if (m.type === 'replay' && typeof m.summary === 'object' && m.summary !== null && isReplaySummary(m.summary as Record<string, unknown>)) return m as HostToWebview;
  return null;
}

function isReplaySummary(s: Record<string, unknown>): boolean {
  return Array.isArray(s.policies) && Array.isArray(s.notReplayable) && Array.isArray(s.assumptions) && typeof s.counterfactual === 'string' && typeof s.inKernelText === 'string' && typeof s.observedFrom === 'string' && parseInKernelAssumption(s.inKernel) !== null;
}

// ---- The timeline (trace editor) ----

/** Which lanes to fill (collapsed groups are left out); every lane when absent. */
export interface TimelineLaneSelection {
  vcpus: number[];
  cpus: number[];
  /** Guest lanes (TimelineWindow.guestLanes indices); every one when absent. */
  guests?: number[];
}

export interface TimelineRequest {
  startNs: number;
  endNs: number;
  widthPx: number;
  lanes?: TimelineLaneSelection;
  /** Instances to mark in the window (what a dashboard figure jumped to). */
  highlight?: InstanceFilter;
}

/** What each VcpuState code is called on screen and in exports (index = VcpuState). */
export const VCPU_STATE_LABELS = ['unknown', 'guest', 'exit handling', 'preempted', 'halted', 'woken'] as const;
/** What each CpuRunKind code is called (index = CpuRunKind). */
export const CPU_RUN_LABELS = ['idle', 'vCPU', 'other task'] as const;

/** Segments are flat: x0 px, x1 px, code, detail (SEGMENT_STRIDE numbers each). */
export const SEGMENT_STRIDE = 4;
/** Set on a segment's code when it merges runs of more than one state (the code's low bits: the dominant state). */
export const SEGMENT_MIXED = 16;
/** Boost arrows are flat: x px, spinner lane, target lane, outcome (DECISION_OUTCOMES index, 255 not judged), count. */
export const BOOST_STRIDE = 5;
/** IPI arrows are flat: x px, from lane, to lane, count. */
export const IPI_STRIDE = 4;
/** Outcome code of a decision that could not be judged (no sched events). */
export const OUTCOME_NOT_JUDGED = 255;

export interface TimelineLane {
  kind: 'vcpu' | 'cpu' | 'guest';
  /** Index into TimelineWindow.vcpuLanes, cpuLanes or guestLanes. */
  index: number;
  /**
   * vCPU lanes: code = VcpuState, detail = pCPU (-1 none); pCPU lanes: code = CpuRunKind, detail = vCPU lane (-1);
   * guest lanes: code = GUEST_RUN_LABELS index, detail = the guest task's tid (-1).
   */
  segments: number[];
  /**
   * vCPU lanes: PAUSE exits; guest lanes: the guest's ipi_send_cpu/cpumask and csd_queue_cpu;
   * as pairs (pixel columns since the lane's previous tick, or from 0 for the first; count).
   */
  ticks: number[];
}

/** What each guest lane run code is called (index = GuestRunKind, src/core/views/guestLanes.ts). */
export const GUEST_RUN_LABELS = ['not known', 'idle', 'task', 'lock contention', 'csd function'] as const;

/** A guest CPU's lane, drawn right after the host vCPU lane of the thread that ran it. */
export interface TimelineGuestLane {
  /** The guest's name (untrusted text, may be empty) and trace id. */
  name: string;
  traceId: string;
  vcpu: number;
  hostTid: number;
  /** Index into TimelineWindow.vcpuLanes; -1 when the host trace never shows that thread. */
  afterVcpuLane: number;
}

export interface TimelineWindow {
  startNs: number;
  endNs: number;
  widthPx: number;
  traceStartNs: number;
  traceEndNs: number;
  /** Thread names are untrusted text. */
  vcpuLanes: { vm: string; vmIndex: number; vcpu: number; tid: number; comm: string }[];
  cpuLanes: { cpu: number }[];
  /** Present once guest traces were added. */
  guestLanes?: TimelineGuestLane[];
  lanes: TimelineLane[];
  boosts: number[];
  /** Boost decisions in the window, and how many merged arrows were left out by the cap. */
  boostsInWindow: number;
  boostsOmitted: number;
  ipis: number[];
  ipisInWindow: number;
  ipisOmitted: number;
  /** The marks of the request's highlight, when it had one. */
  highlight?: InstanceMarks;
}

export interface TimelineDetails {
  title: string;
  /** Field name and value, both shown as text. */
  fields: [string, string][];
  /** Raw line (text traces) or record number (trace.dat) of the event behind it; 0 when none. */
  line: number;
  startNs: number;
  endNs: number;
}

export interface EventListFilter {
  vm?: string;
  /** vCPU lane index. */
  vcpuLane?: number;
  cpu?: number;
  event?: string;
  /** Only the events of these instances (a dashboard figure's PAUSE exits). */
  instances?: InstanceFilter;
}

export interface EventListRequest {
  startNs: number;
  endNs: number;
  offset: number;
  limit: number;
  filter: EventListFilter;
}

export interface EventListRow {
  ts: number;
  cpu: number;
  tid: number;
  /** Untrusted text. */
  comm: string;
  event: string;
  info: string;
  line: number;
}

export interface EventListPage {
  offset: number;
  /** Matching events in the window. */
  total: number;
  rows: EventListRow[];
  /** Event names present in the trace, for the filter. */
  eventNames: string[];
}

/** Largest page of events one request may ask for. */
export const EVENT_LIST_MAX_LIMIT = 1000;
/** Widest timeline one request may ask for, in pixels. */
export const TIMELINE_MAX_WIDTH_PX = 8192;

// ---- Instances: from a dashboard figure to the timeline ----

/** vCPUs by number within a VM; exclude: every vCPU of the VM but these (a matrix's "other"). */
export interface VcpuPick {
  vcpus: number[];
  exclude?: boolean;
}

export type DecisionOutcomeName = (typeof DECISION_OUTCOMES)[number];
const OUTCOME_NAMES: readonly string[] = DECISION_OUTCOMES;
export type ProblemName = 'schedulerMismatch' | 'lostOpportunity' | 'overboost';
const PROBLEM_NAMES: readonly string[] = ['schedulerMismatch', 'lostOpportunity', 'overboost'] satisfies ProblemName[];

/**
 * What a dashboard figure counts, as the range analysis counts it: PAUSE exits (one yield
 * decision each) or continuous-PLE episodes, narrowed by VM, spinner and target vCPU,
 * outcome, problem, a yield attempt, and a time range ([startNs, endNs), or with the end
 * included; a bound at or beyond the trace's edge means the edge).
 */
export interface InstanceFilter {
  of: 'decisions' | 'episodes';
  vm?: string;
  spinner?: VcpuPick;
  target?: VcpuPick;
  outcomes?: DecisionOutcomeName[];
  problem?: ProblemName;
  withAttempts?: boolean;
  startNs?: number;
  endNs?: number;
  endInclusive?: boolean;
}

/** The index-th instance of a filter (for previous / next). */
export interface InstancesRequest {
  filter: InstanceFilter;
  index: number;
}

export interface InstancesReply {
  total: number;
  /** The index answered (clamped to the list). */
  index: number;
  /** null when there are none. lane, targetLane: vCPU lanes (-1 none). */
  instance: { startNs: number; endNs: number; lane: number; targetLane: number } | null;
}

/** A window's marks of the highlighted instances: x0 px, x1 px, vCPU lane (MARK_STRIDE numbers each). */
export interface InstanceMarks {
  marks: number[];
  /** Instances overlapping the window. */
  inWindow: number;
  /** More marks than one window carries: every k-th was kept. */
  sampled: boolean;
}

function parseVcpuPick(raw: unknown): VcpuPick | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const p = raw as Record<string, unknown>;
  if (!isIndexList(p.vcpus) || (p.exclude !== undefined && typeof p.exclude !== 'boolean')) return null;
  return p.exclude ? { vcpus: p.vcpus, exclude: true } : { vcpus: p.vcpus };
}

/** Validates an instance filter from a webview; null for anything malformed. */
export function parseInstanceFilter(raw: unknown): InstanceFilter | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (r.of !== 'decisions' && r.of !== 'episodes') return null;
  const f: InstanceFilter = { of: r.of };
  if (r.vm !== undefined) {
    if (typeof r.vm !== 'string' || r.vm.length > 4096) return null;
    f.vm = r.vm;
  }
  for (const side of ['spinner', 'target'] as const) {
    if (r[side] === undefined) continue;
    const pick = parseVcpuPick(r[side]);
    if (!pick) return null;
    f[side] = pick;
  }
  if (r.outcomes !== undefined) {
    if (!Array.isArray(r.outcomes) || r.outcomes.length > OUTCOME_NAMES.length || !r.outcomes.every((o) => OUTCOME_NAMES.includes(o as string))) return null;
    f.outcomes = r.outcomes as DecisionOutcomeName[];
  }
  if (r.problem !== undefined) {
    if (!PROBLEM_NAMES.includes(r.problem as string)) return null;
    f.problem = r.problem as ProblemName;
  }
  for (const flag of ['withAttempts', 'endInclusive'] as const) {
    if (r[flag] === undefined) continue;
    if (typeof r[flag] !== 'boolean') return null;
    f[flag] = r[flag] as boolean;
  }
  for (const bound of ['startNs', 'endNs'] as const) {
    if (r[bound] === undefined) continue;
    if (!isFiniteNumber(r[bound])) return null;
    f[bound] = r[bound] as number;
  }
  return f;
}
