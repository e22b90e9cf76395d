// Messages between the extension host and its worker threads (parsing, open trace sessions).

import type { AnalysisResult } from '../core/analysis/analyze';
import type { DashboardModel } from '../protocol';

/** A request to an open trace's session worker: the dashboard for a range (or the whole trace). */
export interface SessionRequest {
  id: number;
  range?: { startNs: number; endNs: number };
}

export type SessionMessage =
  | { type: 'progress'; bytesRead: number; totalBytes: number }
  | { type: 'opened'; format: string; analysis: AnalysisResult; model: DashboardModel; pcpus: number }
  | { type: 'dashboard'; id: number; model: DashboardModel }
  | { type: 'error'; kind: 'bad-input' | 'internal'; message: string };
