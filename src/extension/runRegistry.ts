// The runs the user has loaded (opened traces and simulated runs) and which one is active:
// the source annotations follow the active run.

import * as vscode from 'vscode';
import type { RunStats } from '../core/source/annotate';
import { rowFromSimulation, type ComparisonRow } from '../core/analysis/comparison';
import { readRunFileSiteCounts } from '../core/sim/runFileSites';
import { checkRunFile } from '../core/sim/runFileCheck';

export interface LoadedRun {
  id: string;
  label: string;
  detail: string;
  stats: RunStats;
  /** The run's row in the comparison view. */
  row: ComparisonRow;
}

export class RunRegistry implements vscode.Disposable {
  private readonly runs: LoadedRun[] = [];
  private activeId: string | null = null;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly added = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changed.event;
  /** A run the user just opened or simulated (its id); fired before onDidChange. */
  readonly onDidAdd = this.added.event;

  get all(): readonly LoadedRun[] {
    return this.runs;
  }

  get active(): LoadedRun | null {
    return this.runs.find((r) => r.id === this.activeId) ?? null;
  }

  get(id: string): LoadedRun | undefined {
    return this.runs.find((r) => r.id === id);
  }

  /** Adds (or replaces, by id) a run and makes it the active one. */
  add(run: LoadedRun): void {
    const at = this.runs.findIndex((r) => r.id === run.id);
    if (at >= 0) this.runs.splice(at, 1);
    this.runs.push(run);
    this.activeId = run.id;
    this.added.fire(run.id);
    this.changed.fire();
  }

  /** Runs kept from earlier sessions: listed, but neither active nor picked. */
  addStored(runs: LoadedRun[]): void {
    let n = 0;
    for (const run of runs) {
      if (this.runs.some((r) => r.id === run.id)) continue;
      this.runs.push(run);
      n++;
    }
    if (n > 0) this.changed.fire();
  }

  setActive(id: string): void {
    if (this.runs.some((r) => r.id === id)) {
      this.activeId = id;
      this.changed.fire();
    }
  }

  dispose(): void {
    this.changed.dispose();
    this.added.dispose();
  }
}

/**
 * A whole simulator run file as a loaded run (from its header comments), or null for other
 * files and for run files that are not whole (cut short: their header describes a run the file
 * does not hold); `onRefused` hears why such a file is not listed.
 */
export function runFromRunFile(file: string, id: string, onRefused?: (why: string) => void): LoadedRun | null {
  try {
    const verdict = checkRunFile(file);
    if (!verdict.runFile) return null;
    if (verdict.problem) {
      onRefused?.(`${file}: not listed as a simulated run: ${verdict.problem}`);
      return null;
    }
    const counts = readRunFileSiteCounts(file);
    const run = verdict.header;
    if (!counts || !run) return null;
    return {
      id,
      label: counts.label,
      detail: `${run.scenario}, ${run.policy}, ${(run.durationNs / 1e9).toFixed(1)} s simulated`,
      stats: { kind: 'simulator', counts, policy: run.policy },
      row: rowFromSimulation(id, counts.label, run.durationNs, run.metrics, { scenario: run.scenario, policy: run.policy }),
    };
  } catch (err) {
    onRefused?.(`${file}: not listed: ${(err as Error).message}`);
    return null; // unreadable: not listed
  }
}
