// Worker-thread entry for an open trace editor: imports the trace once, keeps the columnar
// store, and answers dashboard requests (the whole trace or a time range) with aggregates, and
// the timeline's and the What if panel's requests (replays computed once per assumption).

import { parentPort, workerData } from 'node:worker_threads';
import { basename } from 'node:path';
import { importTraceFileParallel } from '../core/trace/parallelImport';
import { dashboardFromAnalysis } from '../core/analysis/viewModel';
import { TraceSession } from '../core/session';
import { applyRunFileOrigin, importWarnings, readGuestTraces } from '../core/pipeline';
import { NotATraceError } from '../core/trace/sniff';
import { readRunFileMetrics } from '../core/sim/runFileSites';
import { runFileContentWarnings } from '../core/sim/runFileCheck';
import type { DashboardModel } from '../shared/protocol';
import type { AddedGuests, SessionRequest, SessionMessage, TimelineQuery, TimelineQueryRequest } from '../shared/workerMessages';
import { timelineWindow } from '../core/views/timeline';
import { timelineDetails } from '../core/views/timelineDetails';
import { eventList } from '../core/views/eventList';
import { PartialSchedule, partialDashboard } from '../core/views/partialView';
import { writeTraceExport } from '../core/export/perfettoExport';
import { ReplayCache } from '../core/replay/replayCache';
import { decisionTargetFields, replaySummary } from '../core/replay/replayViews';
import { judgeReplay } from '../core/replay/replayTruth';
import { guestTruth, type GuestDecision } from '../core/analysis/guestTruth';
import { VANILLA_FILTER } from '../core/analysis/guestProblems';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';

const post = (m: SessionMessage) => parentPort?.postMessage(m);
/** partialFirstMs / partialEveryMs: when the progressive dashboard is shown (tests make it early). */
const { file, clockHz, partialFirstMs, partialEveryMs } = workerData as { file: string; clockHz?: number; partialFirstMs?: number; partialEveryMs?: number };

async function main(): Promise<void> {
  let last = 0;
  const schedule = new PartialSchedule(performance.now(), partialFirstMs, partialEveryMs);
  const trace = await importTraceFileParallel(file, {
    clockHz,
    onProgress: (bytesRead, totalBytes) => {
      const now = Date.now();
      if (now - last < 100 && bytesRead < totalBytes) return;
      last = now;
      post({ type: 'progress', bytesRead, totalBytes });
    },
    // A file read on this thread shows the part read so far while the rest is read.
    onStore: (store, bytesRead, totalBytes, rawCounts) => {
      const started = performance.now();
      if (!schedule.due(started, bytesRead, totalBytes)) return;
      post({ type: 'partial', model: partialDashboard(store, basename(file), bytesRead, totalBytes, rawCounts) });
      schedule.made(started, performance.now());
    },
  });
  // A run file's header names its trace id and guests (a trace.dat's options already did).
  applyRunFileOrigin(file, trace);
  const warnings = importWarnings(trace.stats);
  const session = new TraceSession(trace.store, {}, trace.census);
  const analyzeRange = (range: { startNs: number; endNs: number }) => {
    const analysis = session.analyzeRange(range.startNs, range.endNs);
    analysis.warnings.unshift(...warnings);
    return analysis;
  };
  const analysis = session.analysis;
  analysis.warnings.unshift(...warnings);
  // A run file cut short: warn everywhere, and no ground truth of a run the file does not hold.
  const incomplete = runFileContentWarnings(file, { eventLines: trace.stats.eventLines, pleExits: analysis.totals.pleExits });
  warnings.unshift(...incomplete);
  analysis.warnings.unshift(...incomplete);
  const run = incomplete.length ? null : readRunFileMetrics(file);
  const groundTruth: DashboardModel['groundTruth'] = run
    ? { scenario: run.scenario, policy: run.policy, decisions: run.metrics.decisions, boosts: run.metrics.boosts, helpfulBoosts: run.metrics.helpfulBoosts, esrch: run.metrics.esrch, problems: run.metrics.problems }
    : undefined;
  const dashboard = (range?: { startNs: number; endNs: number }): DashboardModel => ({
    ...dashboardFromAnalysis(session.model, range ? analyzeRange(range) : analysis, { title: basename(file), format: trace.format, range }),
    groundTruth,
    clock: trace.store.clock,
  });
  let pcpus = 0;
  for (let i = 0; i < trace.store.length; i++) if (trace.store.cpu[i] >= pcpus) pcpus = trace.store.cpu[i] + 1;
  post({ type: 'opened', format: trace.format, analysis, model: dashboard(), pcpus });
  const replays = new ReplayCache(session.model);
  parentPort?.on('message', async (req: SessionRequest | TimelineQueryRequest) => {
    if (!('query' in req)) return post({ type: 'dashboard', id: req.id, model: dashboard(req.range) });
    try {
      const answer = req.query.kind === 'addGuests' ? await addGuests(session, req.query.paths) : answerTimeline(session, replays, req.query);
      post({ type: 'answer', id: req.id, answer });
    } catch (err) {
      post({ type: 'failed', id: req.id, message: (err as Error)?.message ?? String(err) });
    }
  });
}

/** Reads guest traces of this host onto its clock (GuestTraceError: not its guest) and adds their lanes. */
async function addGuests(session: TraceSession, paths: string[]): Promise<AddedGuests> {
  session.addGuests(await readGuestTraces(session.store.origin, basename(file), paths, session.guests, { clockHz }));
  return { guests: session.guests.map(({ source, traceId, name, events }) => ({ source, traceId, name, events })), guestLanes: session.guestLanes?.lanes.length ?? 0 };
}

/** What each spinner waited for, from the session's guests; worked out once per set of guests. */
const decisionsOfGuests = new WeakMap<TraceSession, { guests: number; decisions: readonly GuestDecision[] }>();
function guestDecisions(session: TraceSession): readonly GuestDecision[] {
  let kept = decisionsOfGuests.get(session);
  if (!kept || kept.guests !== session.guests.length) {
    kept = { guests: session.guests.length, decisions: guestTruth(session.store, session.guests, VANILLA_FILTER).decisions };
    decisionsOfGuests.set(session, kept);
  }
  return kept.decisions;
}

/** The timeline's requests: windows, details, event pages, replays, and exports written from here (off the extension host). */
function answerTimeline(session: TraceSession, replays: ReplayCache, q: Exclude<TimelineQuery, { kind: 'addGuests' }>) {
  const store = session.store;
  switch (q.kind) {
    case 'timeline':
      return timelineWindow(session.tables, q.request, session.guestLanes);
    case 'timelineDetails': {
      const { inKernel } = q;
      const targets = inKernel === undefined ? undefined : (k: number) => decisionTargetFields(session.tables, replays.get(inKernel), k, inKernel);
      return timelineDetails(session.tables, { line: (row) => store.line[row], comm: (tid) => store.threads.get(tid)?.comm ?? '<...>' }, q.request, targets, session.guestLanes);
    }
    case 'replay': {
      // With guests added, each policy's target is also judged against the guests' truth.
      const r = replays.get(q.inKernel);
      return replaySummary(r, q.inKernel, session.guests.length ? judgeReplay(session.model, r, guestDecisions(session)) : undefined);
    }
    case 'eventList':
      return eventList(store, session.tables, q.request);
    case 'instances':
      return session.instances(q.request);
    case 'export': {
      const fd = openSync(q.out, 'w');
      let bytes = 0;
      try {
        writeTraceExport(q.format, session.tables, store, (chunk) => (bytes += typeof chunk === 'string' ? writeSync(fd, chunk) : writeSync(fd, chunk)));
      } catch (err) {
        closeSync(fd);
        rmSync(q.out, { force: true });
        throw err;
      }
      closeSync(fd);
      return { bytes };
    }
  }
}

main().catch((err) => {
  const code = (err as NodeJS.ErrnoException)?.code;
  const badInput = err instanceof NotATraceError || code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES';
  post({ type: 'error', kind: badInput ? 'bad-input' : 'internal', message: (err as Error)?.message ?? String(err), notATrace: err instanceof NotATraceError });
});
