// The runs the user has loaded (opened traces and simulated runs) and which one is active:
// the source annotations follow the active run.

import * as vscode from 'vscode';
import type { RunStats } from '../core/source/annotate';

export interface LoadedRun {
  id: string;
  label: string;
  detail: string;
  stats: RunStats;
}

export class RunRegistry implements vscode.Disposable {
  private readonly runs: LoadedRun[] = [];
  private activeId: string | null = null;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  get all(): readonly LoadedRun[] {
    return this.runs;
  }

  get active(): LoadedRun | null {
    return this.runs.find((r) => r.id === this.activeId) ?? null;
  }

  /** Adds (or replaces, by id) a run and makes it the active one. */
  add(run: LoadedRun): void {
    const at = this.runs.findIndex((r) => r.id === run.id);
    if (at >= 0) this.runs.splice(at, 1);
    this.runs.push(run);
    this.activeId = run.id;
    this.changed.fire();
  }

  setActive(id: string): void {
    if (this.runs.some((r) => r.id === id)) {
      this.activeId = id;
      this.changed.fire();
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
