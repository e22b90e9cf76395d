// The progressive dashboard of a trace still being read: the part read so far analysed as a
// trace of its own, marked partial with how much was read, and replaced by the whole trace's
// dashboard when the import ends. When to make one: first after PARTIAL_FIRST_MS of reading,
// then about every PARTIAL_EVERY_MS, and never so often that the partial views cost more
// than a third of the time (each one analyses everything read so far).

import type { EventStore } from '../trace/model';
import { TraceSession } from '../session';
import { dashboardFromAnalysis } from '../analysis/viewModel';
import type { DashboardModel } from '../../shared/protocol';

export const PARTIAL_FIRST_MS = 600;
export const PARTIAL_EVERY_MS = 1000;
/** Past this share of the file the whole view is close: no partial one. */
const PARTIAL_LAST_SHARE = 0.85;
/** A partial view may take at most 1 / (1 + this) of the time between two. */
const READ_PER_PARTIAL = 2;

/**
 * The dashboard of the rows read so far, marked partial. rawCounts: the timestamps are raw
 * counter values, converted (if at all) only when the whole file is read: shown as such.
 */
export function partialDashboard(store: EventStore, title: string, bytesRead: number, totalBytes: number, rawCounts = false): DashboardModel {
  const session = new TraceSession(store);
  const clock = rawCounts ? { name: store.clock.name, unit: 'cycles' as const } : store.clock;
  return { ...dashboardFromAnalysis(session.model, session.analysis, { title, format: 'being read' }), clock, partial: { bytesRead, totalBytes } };
}

/** Decides when the next partial view is due (times in ms from any fixed origin). */
export class PartialSchedule {
  private nextAt: number;

  constructor(
    startMs: number,
    firstMs = PARTIAL_FIRST_MS,
    private readonly everyMs = PARTIAL_EVERY_MS,
  ) {
    this.nextAt = startMs + firstMs;
  }

  due(nowMs: number, bytesRead: number, totalBytes: number): boolean {
    return nowMs >= this.nextAt && totalBytes > 0 && bytesRead < totalBytes * PARTIAL_LAST_SHARE;
  }

  /** A partial view took from `startedMs` to `doneMs`: the next one waits at least everyMs, and twice its cost. */
  made(startedMs: number, doneMs: number): void {
    this.nextAt = doneMs + Math.max(this.everyMs, READ_PER_PARTIAL * (doneMs - startedMs));
  }
}
