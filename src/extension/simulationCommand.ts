// "KVM Spin: Run Simulation…": quick picks for scenario and policies, the simulated length
// (any value, checked) and the seeds, then the runs in worker threads with a cancellable
// progress notification. Run files go to the extension's storage folder so that they can be
// opened like traces. The results open in the comparison view, with the comparison as a
// Markdown document beside it; several seeds of a policy make one run with 95 % intervals.

import * as path from 'node:path';
import { mkdirSync } from 'node:fs';
import * as vscode from 'vscode';
import { BUILTIN_SCENARIOS, builtinScenario, LIMITS } from '../core/sim/scenario';
import { POLICIES } from '../core/sim/policies';
import { runJobsInWorkers } from '../core/sim/parallel';
import { SimulationCancelled } from '../core/sim/simulator';
import { MIN_DURATION_S } from '../core/sim/sweepSpec';
import { buildComparisonModel, rowFromSeeds } from '../core/analysis/comparison';
import { comparisonMarkdown } from '../core/analysis/comparisonReport';
import type { SimSiteCounts } from '../core/source/annotate';
import { runFromRunFile, type LoadedRun, type RunRegistry } from './runRegistry';
import { COMPARISON_VIEW } from './comparisonView';

export interface SimulationOutcome {
  name: string;
  scenario: { name: string; description: string };
  seconds: number;
  /** The seeds each policy ran with. */
  seeds: number[];
  runFiles: string[];
}

/** A simulation asked for without the quick picks (keybindings, walkthrough, tests). */
export interface SimulationRequest {
  scenario: string;
  policies: string[];
  seconds: number;
  /** Seeds per policy (1, 2, …): 1 by default. */
  seeds: number;
}

/** More seeds than this per policy is a sweep: `kvm-spin sweep`. */
const MAX_SEEDS = 50;

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
  const seeds = Array.from({ length: choice.seeds }, (_, i) => i + 1);
  const outDir = path.join(context.globalStorageUri.fsPath, 'runs');
  mkdirSync(outDir, { recursive: true });
  const jobs = choice.policies.flatMap((policy) => seeds.map((seed) => ({ scenario, policy, seed, durationNs: Math.round(choice.seconds * 1e9), outDir })));
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
    log.info(`simulated ${scenario.name} with ${choice.policies.length} policies × ${seeds.length} seed(s), ${choice.seconds} s each; run files in ${outDir}`);
    return {
      name: `${scenario.name}-${seeds.length > 1 ? `seeds1-${seeds.length}` : 'seed1'}`,
      scenario: { name: scenario.name, description: scenario.description },
      seconds: choice.seconds,
      seeds,
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
  const secondsText = await vscode.window.showInputBox({
    title: 'KVM Spin: simulated seconds per run',
    prompt: `Any length from ${MIN_DURATION_S * 1e6} µs to ${LIMITS.durationSeconds} s, e.g. 0.5 or 2`,
    value: '1',
    validateInput: (text) => (typeof parseSeconds(text) === 'string' ? (parseSeconds(text) as string) : undefined),
  });
  if (secondsText === undefined) return undefined;
  const seedsText = await vscode.window.showInputBox({
    title: 'KVM Spin: seeds per policy',
    prompt: `1 for a single run; 3 or more give each figure a 95 % interval (at most ${MAX_SEEDS})`,
    value: '1',
    validateInput: (text) => (typeof parseSeeds(text) === 'string' ? (parseSeeds(text) as string) : undefined),
  });
  if (seedsText === undefined) return undefined;
  return { scenario: scenarioPick.label, policies: policyPicks.map((p) => p.label), seconds: parseSeconds(secondsText) as number, seeds: parseSeeds(seedsText) as number };
}

/** Simulated seconds typed by the user, or why they cannot be used. */
export function parseSeconds(text: string): number | string {
  const s = /^\s*(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*s?\s*$/i.test(text) ? Number(text.trim().replace(/s$/i, '')) : NaN;
  if (!Number.isFinite(s)) return 'a number of simulated seconds, e.g. 0.5';
  if (s < MIN_DURATION_S) return `at least ${MIN_DURATION_S * 1e6} µs (${MIN_DURATION_S} s)`;
  if (s > LIMITS.durationSeconds) return `at most ${LIMITS.durationSeconds} s`;
  return s;
}

function parseSeeds(text: string): number | string {
  const n = /^\s*\d{1,3}\s*$/.test(text) ? Number(text) : NaN;
  return n >= 1 && n <= MAX_SEEDS ? n : `a whole number from 1 to ${MAX_SEEDS}`;
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
  const seconds = typeof r.seconds === 'number' ? parseSeconds(String(r.seconds)) : r.seconds === undefined ? 1 : 'a number';
  if (typeof seconds === 'string') return `seconds must be ${seconds}`;
  const seeds = r.seeds === undefined ? 1 : parseSeeds(String(r.seeds));
  if (typeof seeds === 'string') return `seeds must be ${seeds}`;
  return { scenario: r.scenario, policies: wanted as string[], seconds, seeds };
}

/**
 * The runs of a finished simulation into the registry (one run per policy: several seeds make
 * one run of their means with intervals), then the comparison view shown and the comparison as
 * a Markdown document. Resolves to the ids of the runs added.
 */
export async function showSimulationResults(outcome: SimulationOutcome, registry: RunRegistry, log: vscode.LogOutputChannel, showDocument: (name: string, text: string) => Promise<void>): Promise<string[]> {
  const loaded = outcome.runFiles.map((file) => runFromRunFile(file, vscode.Uri.file(file).toString(), (why) => log.warn(why))).filter((r): r is LoadedRun => r !== null);
  const byPolicy = new Map<string, LoadedRun[]>();
  for (const run of loaded) {
    const policy = run.row.policy ?? run.id;
    byPolicy.set(policy, [...(byPolicy.get(policy) ?? []), run]);
  }
  const added = [...byPolicy].map(([policy, runs]) => (runs.length === 1 ? runs[0] : runOfSeeds(outcome, policy, runs)));
  for (const run of added) registry.add(run);
  await vscode.commands.executeCommand(`${COMPARISON_VIEW}.focus`);
  const model = buildComparisonModel(added.map((r) => r.row), added.map((r) => r.id), null);
  const seeds = outcome.seeds.length > 1 ? `seeds ${outcome.seeds[0]}–${outcome.seeds.at(-1)} (means)` : `seed ${outcome.seeds[0]}`;
  await showDocument(`${outcome.name}.comparison.md`, comparisonMarkdown(model, { title: `${outcome.scenario.name}: simulated comparison`, lines: [outcome.scenario.description, '', `${seeds}, ${outcome.seconds} simulated s per run.`] }));
  return added.map((r) => r.id);
}

/** One policy over several seeds: the mean of its rows and of its site counts (for the annotations). */
function runOfSeeds(outcome: SimulationOutcome, policy: string, runs: LoadedRun[]): LoadedRun {
  const seeds = `seeds ${outcome.seeds[0]}–${outcome.seeds.at(-1)}`;
  const label = `${outcome.scenario.name} / ${policy} / ${seeds}`;
  const id = `kvm-spin-seeds:${outcome.scenario.name}/${policy}/${outcome.seeds.length}/${outcome.seconds}`;
  const counts = runs.map((r) => (r.stats.kind === 'simulator' ? r.stats.counts : null)).filter((c): c is SimSiteCounts => c !== null);
  const sites: SimSiteCounts['sites'] = {};
  for (const site of Object.keys(counts[0]?.sites ?? {}) as (keyof SimSiteCounts['sites'])[]) {
    sites[site] = counts[0].sites[site]!.map((_, v) => Math.round(counts.reduce((sum, c) => sum + (c.sites[site]?.[v] ?? 0), 0) / counts.length));
  }
  return {
    id,
    label,
    detail: `${outcome.scenario.name}, ${policy}, ${outcome.seconds} s simulated, mean of ${runs.length} seeds`,
    stats: { kind: 'simulator', policy, counts: { label: `${label} (mean site counts)`, vcpus: counts[0]?.vcpus ?? [], sites } },
    row: rowFromSeeds(id, label, runs.map((r) => r.row)),
  };
}
