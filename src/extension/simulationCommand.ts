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

/** A simulation asked for without the quick picks (keybindings, walkthrough, tests). */
export interface SimulationRequest {
  scenario: string;
  policies: string[];
  seconds: number;
}

export async function runSimulationCommand(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  request?: unknown,
): Promise<SimulationOutcome | undefined> {
  const choice = request === undefined ? await pickSimulation() : checkRequest(request);
  if (typeof choice === 'string') {
    void vscode.window.showErrorMessage(`KVM Spin: ${choice}`);
    return undefined;
  }
  if (!choice) return undefined;
  const scenario = builtinScenario(choice.scenario);
  const seed = 1;
  const outDir = path.join(context.globalStorageUri.fsPath, 'runs');
  mkdirSync(outDir, { recursive: true });
  const jobs = choice.policies.map((policy) => ({ scenario, policy, seed, durationNs: choice.seconds * 1e9, outDir }));
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
    log.info(`simulated ${scenario.name} with ${jobs.length} policies, seed ${seed}, ${choice.seconds} s each; run files in ${outDir}`);
    return {
      name: `${scenario.name}-seed${seed}`,
      comparison: formatComparison({ scenario, seed, durationSeconds: choice.seconds }, runs),
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

async function pickSimulation(): Promise<SimulationRequest | undefined> {
  const scenarioPick = await vscode.window.showQuickPick(
    Object.keys(BUILTIN_SCENARIOS).map((name) => ({ label: name, detail: builtinScenario(name).description })),
    { title: 'KVM Spin: scenario to simulate', matchOnDetail: true },
  );
  if (!scenarioPick) return undefined;
  const policyPicks = await vscode.window.showQuickPick(
    POLICIES.map((p) => ({ label: p.name, detail: p.description, picked: DEFAULT_POLICIES.includes(p.name) })),
    { title: 'KVM Spin: policies to compare', canPickMany: true, matchOnDetail: true },
  );
  if (!policyPicks || policyPicks.length === 0) return undefined;
  const durationPick = await vscode.window.showQuickPick(['0.5', '1', '5', '10'].map((s) => ({ label: `${s} s`, seconds: Number(s) })), {
    title: 'KVM Spin: simulated time per policy',
  });
  if (!durationPick) return undefined;
  return { scenario: scenarioPick.label, policies: policyPicks.map((p) => p.label), seconds: durationPick.seconds };
}

const DEFAULT_POLICIES = ['vanilla-5.6', 'debooster', 'strict-boost', 'strict-boost+debooster', 'oracle'];

/** A request from a command argument, or the one-line reason it cannot run. */
function checkRequest(raw: unknown): SimulationRequest | string {
  const r = raw as Partial<SimulationRequest> | null;
  const scenarios = Object.keys(BUILTIN_SCENARIOS);
  const policies = POLICIES.map((p) => p.name);
  if (!r || typeof r !== 'object') return 'Run Simulation expects { scenario, policies, seconds }';
  if (typeof r.scenario !== 'string' || !scenarios.includes(r.scenario)) return `unknown scenario ${JSON.stringify(r.scenario)}; expected one of ${scenarios.join(', ')}`;
  const wanted = r.policies ?? DEFAULT_POLICIES;
  if (!Array.isArray(wanted) || wanted.length === 0 || wanted.some((p) => typeof p !== 'string' || !policies.includes(p))) {
    return `policies must be a non-empty list of ${policies.join(', ')}`;
  }
  const seconds = r.seconds ?? 1;
  if (typeof seconds !== 'number' || !(seconds > 0 && seconds <= 60)) return 'seconds must be a number in (0, 60]';
  return { scenario: r.scenario, policies: wanted as string[], seconds };
}
