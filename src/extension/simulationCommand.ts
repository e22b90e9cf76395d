// "KVM Spin: Run Simulation…": quick picks for scenario, policies and length, then the runs
// in worker threads with a cancellable progress notification. Run files go to the
// extension's storage folder so that they can be opened like traces.

import * as path from 'node:path';
import { mkdirSync } from 'node:fs';
import * as vscode from 'vscode';
import { BUILTIN_SCENARIOS, builtinScenario } from '../core/sim/scenario';
import { POLICIES } from '../core/sim/policies';
import { runJobsInWorkers } from '../core/sim/parallel';
import { formatComparison } from '../core/sim/report';
import { SimulationCancelled } from '../core/sim/simulator';

export interface SimulationOutcome {
  name: string;
  comparison: string;
  runFiles: string[];
}

export async function runSimulationCommand(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Promise<SimulationOutcome | undefined> {
  const scenarioPick = await vscode.window.showQuickPick(
    Object.keys(BUILTIN_SCENARIOS).map((name) => ({ label: name, detail: builtinScenario(name).description })),
    { title: 'KVM Spin: scenario to simulate', matchOnDetail: true },
  );
  if (!scenarioPick) return undefined;
  const policyPicks = await vscode.window.showQuickPick(
    POLICIES.map((p) => ({ label: p.name, detail: p.description, picked: ['vanilla-5.6', 'debooster', 'strict-boost', 'strict-boost+debooster', 'oracle'].includes(p.name) })),
    { title: 'KVM Spin: policies to compare', canPickMany: true, matchOnDetail: true },
  );
  if (!policyPicks || policyPicks.length === 0) return undefined;
  const durationPick = await vscode.window.showQuickPick(['0.5', '1', '5', '10'].map((s) => ({ label: `${s} s`, seconds: Number(s) })), {
    title: 'KVM Spin: simulated time per policy',
  });
  if (!durationPick) return undefined;
  const scenario = builtinScenario(scenarioPick.label);
  const seed = 1;
  const outDir = path.join(context.globalStorageUri.fsPath, 'runs');
  mkdirSync(outDir, { recursive: true });
  const jobs = policyPicks.map((p) => ({ scenario, policy: p.label, seed, durationNs: durationPick.seconds * 1e9, outDir }));
  const controller = new AbortController();
  try {
    const runs = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `KVM Spin: simulating ${scenario.name}`, cancellable: true },
      (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        let reported = 0;
        return runJobsInWorkers(jobs, {
          workerScript: context.asAbsolutePath('dist/simWorker.js'),
          concurrency: 2,
          signal: controller.signal,
          onProgress: (done, total) => {
            const percent = (100 * done) / total;
            progress.report({ increment: percent - reported, message: `${Math.floor(percent)} %` });
            reported = percent;
          },
        });
      },
    );
    log.info(`simulated ${scenario.name} with ${jobs.length} policies, seed ${seed}, ${durationPick.seconds} s each; run files in ${outDir}`);
    return {
      name: `${scenario.name}-seed${seed}`,
      comparison: formatComparison({ scenario, seed, durationSeconds: durationPick.seconds }, runs),
      runFiles: runs.map((r) => r.runFile!).filter(Boolean),
    };
  } catch (err) {
    if (err instanceof SimulationCancelled) log.info('simulation cancelled');
    else {
      log.error(`simulation failed: ${(err as Error).message}`);
      void vscode.window.showErrorMessage(`KVM Spin: simulation failed: ${(err as Error).message}`);
    }
    return undefined;
  }
}
