// One simulation job as the CLI, the worker and the extension run it: simulate, optionally
// write the run file (trace-cmd-report-style text the analysis opens), return the summary.

import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeTraceCmdText } from '../export/traceCmdText';
import { policyByName } from './policies';
import type { Scenario } from './scenario';
import { simulate, type SimResult } from './simulator';
import { metricsHeader, siteCountsHeader } from './runFileSites';

export interface SimJob {
  scenario: Scenario;
  policy: string;
  seed: number;
  durationNs: number;
  /** Write the run file into this folder. */
  outDir?: string;
}

export type SimSummary = Omit<SimResult, 'store'> & { runFile?: string };

export function runFileName(job: Pick<SimJob, 'scenario' | 'policy' | 'seed'>): string {
  return `${job.scenario.name}-${job.policy}-seed${job.seed}.report`;
}

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
  const runFile = join(job.outDir, runFileName(job));
  const fd = openSync(runFile, 'w');
  try {
    writeTraceCmdText(store, (text) => writeSync(fd, text), [
      `kvm-spin simulate: scenario=${job.scenario.name} policy=${job.policy} seed=${job.seed} duration=${job.durationNs / 1e9}s`,
      `throughput=${summary.metrics.throughput.toFixed(4)} pleExits=${summary.metrics.pleExits} boosts=${summary.metrics.boosts}`,
      metricsHeader({ scenario: job.scenario.name, policy: job.policy, seed: job.seed, durationNs: summary.durationNs, metrics: summary.metrics }),
      siteCountsHeader({ label: `${job.scenario.name} / ${job.policy} / seed ${job.seed}`, vcpus: summary.vcpus.map(({ vm, vcpu }) => ({ vm, vcpu })), sites: summary.sites }),
    ]);
  } finally {
    closeSync(fd);
  }
  return { ...summary, runFile };
}
