// The guest traces added to a trace ("Add Guest Trace…"), kept in the workspace state by the
// trace's URI, so that a reload of the trace editor (its Reload, or VS Code's window reload)
// adds them again: a session worker starts with the host trace alone.
import type * as vscode from 'vscode';

const KEY_PREFIX = 'kvmSpin.guestTraces:';

export class GuestTraceMemory {
  constructor(private readonly state: vscode.Memento) {}

  /** The guest files added to `trace`, in the order they were added. */
  paths(trace: vscode.Uri): string[] {
    const saved = this.state.get<unknown>(KEY_PREFIX + trace.toString());
    return Array.isArray(saved) ? saved.filter((p): p is string => typeof p === 'string') : [];
  }

  async remember(trace: vscode.Uri, paths: readonly string[]): Promise<void> {
    const known = this.paths(trace);
    await this.state.update(KEY_PREFIX + trace.toString(), [...known, ...paths.filter((p) => !known.includes(p))]);
  }

  async forget(trace: vscode.Uri, paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    const kept = this.paths(trace).filter((p) => !paths.includes(p));
    await this.state.update(KEY_PREFIX + trace.toString(), kept.length ? kept : undefined);
  }
}
