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

export interface SimJob {
  scenario: Scenario;
  policy: string;
  seed: number;
  durationNs: number;
  /** Write the run file into this folder. */
  outDir?: string;
}

export type SimSummary = Omit<SimResult, 'store'> & { runFile?: string };

export function runJob(job: SimJob, onProgress?: (fraction: number) => void, shouldStop?: () => boolean): SimSummary {
  const result = simulate({
    scenario: job.scenario,
    policy: policyByName(job.policy),
    seed: job.seed,
    durationNs: job.durationNs,
    record: Boolean(job.outDir),
    onProgress,
    shouldStop,
  });
  const { store, ...summary } = result;
  if (!job.outDir || !store) return summary;
  const runFile = runFilePath(job, job.outDir);
  writeFileWhole(runFile, (write) => {
    writeTraceCmdText(store, write, [
      `kvm-spin simulate: scenario=${job.scenario.name} policy=${job.policy} seed=${job.seed} duration=${job.durationNs / 1e9}s`,
      `throughput=${summary.metrics.throughput.toFixed(4)} pleExits=${summary.metrics.pleExits} boosts=${summary.metrics.boosts}`,
      describeHardware(job.scenario.hardware),
      metricsHeader({ scenario: job.scenario.name, policy: job.policy, seed: job.seed, durationNs: summary.durationNs, metrics: summary.metrics, events: store.length }),
      siteCountsHeader({ label: `${job.scenario.name} / ${job.policy} / seed ${job.seed}`, vcpus: summary.vcpus.map(({ vm, vcpu }) => ({ vm, vcpu })), sites: summary.sites }),
    ]);
    write(runFileEndLine(store.length));
  });
  return { ...summary, runFile };
}
