// The side-panel comparison view (a WebviewView in its own activity-bar container): the runs
// the user has loaded, the ones picked for comparison and a baseline. The view model is
// computed here from each run's comparison row; the webview only draws. The selection is
// kept in workspace state, so it survives hiding the view and reloading the window.

import * as path from 'node:path';
import { readdirSync } from 'node:fs';
import * as vscode from 'vscode';
import { buildComparisonModel, comparisonCsv } from '../core/analysis/comparison';
import { parseComparisonMessage, type ComparisonReplay, type HostToComparison } from '../shared/protocol';
import { makeNonce, renderWebviewHtml } from './webviewHtml';
import { runFromRunFile, type RunRegistry } from './runRegistry';

export const COMPARISON_VIEW = 'kvmSpin.comparison';
const SELECTION_KEY = 'kvmSpin.comparison.selection';
/** Replays of opened run files by run id, so that a run reloaded from its file after a window reload still carries its replay. */
const REPLAYS_KEY = 'kvmSpin.comparison.replays';
/** Replays kept at most (the newest): each is a row per policy, a few hundred bytes. */
const MAX_KEPT_REPLAYS = 64;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Selection {
  ids: string[];
  baseline: string | null;
}

export class ComparisonViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private selection: Selection;
  private readonly subscriptions: vscode.Disposable[] = [];
  private storedRunsLoaded = false;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly registry: RunRegistry,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.selection = context.workspaceState.get<Selection>(SELECTION_KEY) ?? { ids: [], baseline: null };
    this.subscriptions.push(
      // A run the user just opened or simulated joins the comparison (onDidChange then posts).
      registry.onDidAdd((id) => {
        if (!this.selection.ids.includes(id)) this.setSelection([...this.selection.ids, id], this.selection.baseline);
      }),
      registry.onDidChange(() => {
        this.keepReplays();
        this.post();
      }),
    );
  }

  private keptReplays(): Record<string, ComparisonReplay> {
    return this.context.workspaceState.get<Record<string, ComparisonReplay>>(REPLAYS_KEY) ?? {};
  }

  private keepReplays(): void {
    const kept = this.keptReplays();
    let changed = false;
    for (const run of this.registry.all) {
      if (run.row.replay && JSON.stringify(kept[run.id]) !== JSON.stringify(run.row.replay)) {
        delete kept[run.id]; // re-inserted last: the newest are kept
        kept[run.id] = run.row.replay;
        changed = true;
      }
    }
    if (!changed) return;
    const ids = Object.keys(kept);
    for (const id of ids.slice(0, Math.max(0, ids.length - MAX_KEPT_REPLAYS))) delete kept[id];
    void this.context.workspaceState.update(REPLAYS_KEY, kept);
  }

  /** Simulated runs from earlier sessions, read from their run files' headers. */
  private loadStoredRuns(): void {
    if (this.storedRunsLoaded) return;
    this.storedRunsLoaded = true;
    const dir = path.join(this.context.globalStorageUri.fsPath, 'runs');
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.report'));
    } catch {
      return; // no simulation run yet
    }
    const replays = this.keptReplays();
    const runs = names
      .map((n) => runFromRunFile(path.join(dir, n), vscode.Uri.file(path.join(dir, n)).toString(), (why) => this.log.warn(why)))
      .filter((r) => r !== null)
      .map((r) => (Object.hasOwn(replays, r.id) ? { ...r, row: { ...r.row, replay: replays[r.id] } } : r));
    this.registry.addStored(runs);
    this.log.info(`comparison view: ${runs.length} stored simulator run(s) from ${dir}`);
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.loadStoredRuns();
    const webview = view.webview;
    webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.context.extensionUri, 'media')],
    };
    webview.html = renderWebviewHtml({
      title: 'Policy comparison',
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview', 'comparison.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'media', 'comparison.css')).toString(),
    });
    view.onDidDispose(() => (this.view = undefined), null, this.subscriptions);
    webview.onDidReceiveMessage((raw: unknown) => this.receive(raw), null, this.subscriptions);
  }

  private async receive(raw: unknown): Promise<void> {
    const msg = parseComparisonMessage(raw);
    if (!msg) {
      this.log.warn('ignored a malformed message from the comparison view');
      return;
    }
    switch (msg.type) {
      case 'ready':
        this.post();
        break;
      case 'selectRuns':
        this.select(msg.ids, msg.baseline);
        break;
      case 'simulate':
        await vscode.commands.executeCommand('kvmSpin.runSimulation');
        break;
      case 'openTrace':
        await vscode.commands.executeCommand('kvmSpin.openTrace');
        break;
      case 'exportCsv':
        await this.save('comparison.csv', { 'CSV': ['csv'] }, Buffer.from(comparisonCsv(this.selectedRows()), 'utf8'));
        break;
      case 'exportPng': {
        const png = Buffer.from(msg.dataUrl.slice(msg.dataUrl.indexOf(',') + 1), 'base64');
        if (!png.subarray(0, 8).equals(PNG_MAGIC)) {
          this.notify('the chart image was not a PNG; nothing saved');
          return;
        }
        await this.save('comparison.png', { 'PNG image': ['png'] }, png);
        break;
      }
    }
  }

  private selectedRows() {
    return this.selection.ids.map((id) => this.registry.get(id)?.row).filter((r) => r !== undefined);
  }

  select(ids: string[], baseline: string | null): void {
    this.setSelection(ids.filter((id) => this.registry.get(id)), baseline);
    this.post();
  }

  /** A baseline the user chose is kept while it is picked; null leaves it to the default (buildComparisonModel). */
  private setSelection(ids: string[], baseline: string | null): void {
    this.selection = { ids, baseline: baseline !== null && ids.includes(baseline) ? baseline : null };
    void this.context.workspaceState.update(SELECTION_KEY, this.selection);
  }

  private post(): void {
    if (!this.view) return;
    const model = buildComparisonModel(
      this.registry.all.map((r) => r.row),
      this.selection.ids,
      this.selection.baseline,
    );
    const message: HostToComparison = { type: 'comparison', model };
    void this.view.webview.postMessage(message);
  }

  private notify(message: string): void {
    const note: HostToComparison = { type: 'notice', message };
    void this.view?.webview.postMessage(note);
  }

  private async save(defaultName: string, filters: Record<string, string[]>, bytes: Uint8Array): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? this.context.globalStorageUri;
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(folder, defaultName), filters, saveLabel: 'Export' });
    if (!target) return;
    try {
      await vscode.workspace.fs.writeFile(target, bytes);
      this.log.info(`comparison exported to ${target.fsPath}`);
      this.notify(`Saved ${path.basename(target.fsPath)}`);
    } catch (err) {
      void vscode.window.showErrorMessage(`KVM Spin: could not save ${target.fsPath}: ${(err as Error).message}`);
    }
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
