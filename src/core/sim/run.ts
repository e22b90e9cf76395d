// One simulation job as the CLI, the worker and the extension run it: simulate, optionally
// write the run file (trace-cmd-report-style text the analysis opens) whole or not at all,
// return the summary.

import { writeTraceCmdText } from '../export/traceCmdText';
import { writeFileWhole } from '../outputFile';
import { runFilePath } from './runFileName';
import { policyByName } from './policies';
import { describeHardware, type Scenario } from './scenario';
import { simulate, type SimResult } from './simulator';
import { metricsHeader, runFileEndLine, siteCountsHeader } from './runFileSites';
import { originHeader } from './runFileOrigin';
import { writeGuestViewFiles, type GuestTraceFormat } from './guestViewFile';

export interface SimJob {
  scenario: Scenario;
  policy: string;
  seed: number;
  durationNs: number;
  /** Write the run file into this folder. */
  outDir?: string;
  /** Beside the run file, write each VM's own trace of the run in this format (guestViewFile.ts). */
  guestTrace?: GuestTraceFormat;
}

export type SimSummary = Omit<SimResult, 'store' | 'guestView'> & { runFile?: string; guestFiles?: string[] };

export function runJob(job: SimJob, onProgress?: (fraction: number) => void, shouldStop?: () => boolean): SimSummary {
  const result = simulate({
    scenario: job.scenario,
    policy: policyByName(job.policy),
    seed: job.seed,
    durationNs: job.durationNs,
    record: Boolean(job.outDir),
    guestView: Boolean(job.outDir && job.guestTrace),
    onProgress,
    shouldStop,
  });
  const { store, guestView, ...summary } = result;
  if (!job.outDir || !store) return summary;
  const runFile = runFilePath(job, job.outDir);
  const origin = guestView ? [originHeader({ traceId: guestView.hostTraceId, guests: guestView.vms.map((vm) => ({ traceId: vm.traceId, name: vm.name, vcpus: vm.vcpus })) })] : [];
  writeFileWhole(runFile, (write) => {
    writeTraceCmdText(store, write, [
      `kvm-spin simulate: scenario=${job.scenario.name} policy=${job.policy} seed=${job.seed} duration=${job.durationNs / 1e9}s`,
      `throughput=${summary.metrics.throughput.toFixed(4)} pleExits=${summary.metrics.pleExits} boosts=${summary.metrics.boosts}`,
      describeHardware(job.scenario.hardware),
      metricsHeader({ scenario: job.scenario.name, policy: job.policy, seed: job.seed, durationNs: summary.durationNs, metrics: summary.metrics, events: store.length }),
      siteCountsHeader({ label: `${job.scenario.name} / ${job.policy} / seed ${job.seed}`, vcpus: summary.vcpus.map(({ vm, vcpu }) => ({ vm, vcpu })), sites: summary.sites }),
      ...origin,
    ]);
    write(runFileEndLine(store.length));
  });
  const guestFiles = guestView ? writeGuestViewFiles(guestView, runFile, `scenario=${job.scenario.name} policy=${job.policy} seed=${job.seed}`, job.guestTrace) : undefined;
  return { ...summary, runFile, guestFiles };
}
