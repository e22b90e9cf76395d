// Messages between the extension host and its worker threads (parsing, open trace sessions).

import type { AnalysisResult } from '../core/analysis/analyze';
import type { InKernelAssumption } from '../core/replay/stateSweep';
import type { DashboardModel, ReplaySummary, EventListPage, EventListRequest, InstancesReply, InstancesRequest, TimelineDetails, TimelineDetailsRequest, TimelineRequest, TimelineWindow } from './protocol';
import type { ExportFormat } from '../core/export/perfettoExport';

/** A request to an open trace's session worker: the dashboard for a range (or the whole trace). */
export interface SessionRequest {
  id: number;
  range?: { startNs: number; endNs: number };
}

/** Timeline requests to the session worker, and what each answers. */
export type TimelineQuery =
  | { kind: 'timeline'; request: TimelineRequest }
  /** inKernel: the assumption of the replay whose per-policy targets a PAUSE exit's details list. */
  | { kind: 'timelineDetails'; request: TimelineDetailsRequest; inKernel?: InKernelAssumption }
  | { kind: 'replay'; inKernel: InKernelAssumption }
  | { kind: 'eventList'; request: EventListRequest }
  | { kind: 'instances'; request: InstancesRequest }
  | { kind: 'export'; format: ExportFormat; out: string }
  /** Guest trace files of this host: paired by trace id (failed, with the one-line reason, when one is not its guest), then on the timeline. */
  | { kind: 'addGuests'; paths: string[] };

export interface TimelineAnswers {
  timeline: TimelineWindow;
  timelineDetails: TimelineDetails | null;
  eventList: EventListPage;
  export: { bytes: number };
  replay: ReplaySummary;
  instances: InstancesReply;
  addGuests: AddedGuests;
}

/** The guests the session holds after an addGuests, and how many guest lanes the timeline now has. */
export interface AddedGuests {
  guests: { source: string; traceId: string; name: string; events: number }[];
  guestLanes: number;
}

export interface TimelineQueryRequest {
  id: number;
  query: TimelineQuery;
}

export type SessionMessage =
  | { type: 'progress'; bytesRead: number; totalBytes: number }
  /** The dashboard of the part read so far (model.partial says how much). */
  | { type: 'partial'; model: DashboardModel }
  | { type: 'opened'; format: string; analysis: AnalysisResult; model: DashboardModel; pcpus: number }
  | { type: 'dashboard'; id: number; model: DashboardModel }
  | { type: 'answer'; id: number; answer: TimelineAnswers[keyof TimelineAnswers] }
  | { type: 'failed'; id: number; message: string }
  /** notATrace: the file is readable but holds no trace (the editor offers to reopen it as text). */
  | { type: 'error'; kind: 'bad-input' | 'internal'; message: string; notATrace?: boolean };
