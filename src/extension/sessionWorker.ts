// Worker-thread entry for an open trace editor: imports the trace once, keeps the columnar
// store, and answers dashboard requests (the whole trace or a time range) with aggregates.

import { parentPort, workerData } from 'node:worker_threads';
import { basename } from 'node:path';
import { importTraceFileParallel } from '../core/trace/parallelImport';
import { dashboardFromAnalysis } from '../core/analysis/viewModel';
import { TraceSession } from '../core/session';
import { importWarnings } from '../core/pipeline';
import { NotATraceError } from '../core/trace/sniff';
import { readRunFileMetrics } from '../core/sim/runFileSites';
import type { DashboardModel } from '../protocol';
import type { SessionRequest, SessionMessage } from './workerMessages';

const post = (m: SessionMessage) => parentPort?.postMessage(m);
const { file } = workerData as { file: string };

async function main(): Promise<void> {
  let last = 0;
  const trace = await importTraceFileParallel(file, {
    onProgress: (bytesRead, totalBytes) => {
      const now = Date.now();
      if (now - last < 100 && bytesRead < totalBytes) return;
      last = now;
      post({ type: 'progress', bytesRead, totalBytes });
    },
  });
  const warnings = importWarnings(trace.stats);
  const session = new TraceSession(trace.store);
  const analyzeRange = (range: { startNs: number; endNs: number }) => {
    const analysis = session.analyzeRange(range.startNs, range.endNs);
    analysis.warnings.unshift(...warnings);
    return analysis;
  };
  const analysis = session.analysis;
  analysis.warnings.unshift(...warnings);
  const run = readRunFileMetrics(file);
  const groundTruth: DashboardModel['groundTruth'] = run
    ? { scenario: run.scenario, policy: run.policy, decisions: run.metrics.decisions, boosts: run.metrics.boosts, helpfulBoosts: run.metrics.helpfulBoosts, esrch: run.metrics.esrch, problems: run.metrics.problems }
    : undefined;
  const dashboard = (range?: { startNs: number; endNs: number }): DashboardModel => ({
    ...dashboardFromAnalysis(session.model, range ? analyzeRange(range) : analysis, { title: basename(file), format: trace.format, range }),
    groundTruth,
  });
  let pcpus = 0;
  for (let i = 0; i < trace.store.length; i++) if (trace.store.cpu[i] >= pcpus) pcpus = trace.store.cpu[i] + 1;
  post({ type: 'opened', format: trace.format, analysis, model: dashboard(), pcpus });
  parentPort?.on('message', (req: SessionRequest) => {
    post({ type: 'dashboard', id: req.id, model: dashboard(req.range) });
  });
}

main().catch((err) => {
  const code = (err as NodeJS.ErrnoException)?.code;
  const badInput = err instanceof NotATraceError || code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES';
  post({ type: 'error', kind: badInput ? 'bad-input' : 'internal', message: (err as Error)?.message ?? String(err) });
});
