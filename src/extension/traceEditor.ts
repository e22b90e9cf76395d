// The trace editor: a read-only custom editor over a trace file. The trace is parsed once in
// a session worker (progress, cancellable); the webview gets dashboard aggregates, and a
// time-range selection asks the worker for new aggregates. The file is read from disk in
// the worker, never through a TextDocument (large files are not synced to extensions).

import * as path from 'node:path';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { parseWebviewMessage, type DashboardModel, type HostToWebview, type LoadFailure } from '../shared/protocol';
import type { InKernelAssumption } from '../core/replay/stateSweep';
import { comparisonReplay } from '../core/replay/replayViews';
import { rowFromAnalysis } from '../core/analysis/comparison';
import { AnalysisError, openTraceSession, type TraceSession } from './workerBridge';
import { makeNonce, renderWebviewHtml } from './webviewHtml';
import { runFromRunFile, type RunRegistry } from './runRegistry';
import { GuestTraceMemory } from './guestTraceMemory';
import { EXPORT_EXTENSION, type ExportFormat } from '../core/export/perfettoExport';

export const TRACE_EDITOR = 'kvmSpin.traceEditor';
/** The same editor offered through "Open With…" for any file. */
export const TRACE_EDITOR_ANY = 'kvmSpin.traceEditorAnyFile';
/** Saves the active trace's timeline tracks for ui.perfetto.dev. */
export const OPEN_IN_PERFETTO = 'kvmSpin.openInPerfetto';
const PERFETTO_UI = 'https://ui.perfetto.dev';

class TraceDocument implements vscode.CustomDocument {
  /** Reading progress of the current session, for the editors showing this document. */
  readonly progress = new vscode.EventEmitter<{ bytesRead: number; totalBytes: number }>();
  /** The last progress fired, for an editor page that was not ready to hear it. */
  lastProgress: { bytesRead: number; totalBytes: number } | undefined;
  /** The dashboard of the part read so far, while the rest is read (until the session opens). */
  readonly partial = new vscode.EventEmitter<DashboardModel>();
  lastPartial: DashboardModel | undefined;
  /** Guest traces added to the session ("Add Guest Trace…"), for the editors to redraw. */
  readonly guests = new vscode.EventEmitter<{ guestLanes: number; message: string | null }>();
  /** The guest lanes the session's timeline has (a refused file leaves them as they were). */
  guestLanes = 0;
  /** The last guest news, for a page that loads after it. */
  lastGuests: { guestLanes: number; message: string | null } | undefined;
  /** A new session replaces this one on Reload. */
  session!: TraceSession;
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {
    this.session.dispose();
    this.progress.dispose();
    this.partial.dispose();
    this.guests.dispose();
  }
}

/** How a failed load is told in the editor page. */
function loadFailure(err: unknown): LoadFailure {
  if (!(err instanceof AnalysisError)) return 'error';
  return err.kind === 'cancelled' ? 'cancelled' : err.notATrace ? 'notATrace' : 'error';
}

export class TraceEditorProvider implements vscode.CustomReadonlyEditorProvider<TraceDocument> {
  /** The trace editor last focused (for commands run from the palette). */
  private active: TraceDocument | undefined;
  private readonly guestMemory: GuestTraceMemory;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly registry: RunRegistry,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.guestMemory = new GuestTraceMemory(context.workspaceState);
  }

  async openCustomDocument(uri: vscode.Uri, _ctx: vscode.CustomDocumentOpenContext, token: vscode.CancellationToken): Promise<TraceDocument> {
    if (uri.scheme !== 'file') throw new Error(`KVM Spin reads local files only (got ${uri.scheme}:)`);
    const doc = new TraceDocument(uri);
    this.startSession(doc);
    token.onCancellationRequested(() => doc.session.dispose());
    return doc;
  }

  /** Reads the document's file in a new session worker: progress in a notification and in the editor page, cancellable. */
  private startSession(doc: TraceDocument): void {
    const uri = doc.uri;
    let reported = 0;
    let shownPercent = -1;
    let progress: vscode.Progress<{ message?: string; increment?: number }> | undefined;
    const session = openTraceSession(this.context.asAbsolutePath('dist/sessionWorker.js'), uri.fsPath, (read, total) => {
      if (total <= 0) return;
      const percent = (100 * read) / total;
      // The page hears of each whole percent (a message per worker chunk would be wasted).
      if (Math.floor(percent) !== shownPercent) {
        shownPercent = Math.floor(percent);
        doc.lastProgress = { bytesRead: read, totalBytes: total };
        doc.progress.fire(doc.lastProgress);
      }
      if (!progress) return;
      progress.report({ increment: percent - reported, message: `${Math.floor(percent)} %` });
      reported = percent;
    }, {
      clockHz: vscode.workspace.getConfiguration('kvmSpin').get<number | null>('clockHz') ?? undefined,
      onPartial: (model) => {
        if (doc.session !== session) return;
        doc.lastPartial = model;
        doc.partial.fire(model);
      },
    });
    doc.session = session;
    // A new session holds no guest traces: those added before are added again once it is open.
    doc.guestLanes = 0;
    doc.lastGuests = undefined;
    doc.lastProgress = undefined;
    doc.lastPartial = undefined;
    // The whole trace's dashboard replaces the partial one.
    void session.opened.then(() => doc.session === session && (doc.lastPartial = undefined), () => undefined);
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `KVM Spin: reading ${path.basename(uri.fsPath)}`, cancellable: true },
      async (p, cancel) => {
        progress = p;
        cancel.onCancellationRequested(() => session.dispose());
        await session.opened.catch(() => undefined);
      },
    );
    session.opened.then(
      async ({ format, analysis, pcpus }) => {
        this.log.info(`opened ${uri.fsPath} (${format}, ${analysis.totals.events} events)`);
        for (const w of analysis.warnings) this.log.warn(`${path.basename(uri.fsPath)}: ${w}`);
        // A simulator run file keeps the simulator's own counters and metrics; a trace its analysis.
        const id = uri.toString();
        const label = path.basename(uri.fsPath);
        const run = runFromRunFile(uri.fsPath, id) ?? {
          id,
          label,
          detail: `${format}, ${analysis.totals.pleExits.toLocaleString('en-US')} PAUSE exits`,
          stats: { kind: 'trace', label, analysis },
          row: rowFromAnalysis(id, label, analysis, pcpus),
        };
        // The comparison lists what each policy would have chosen on it (the What if panel's replay, cached in the worker).
        const replay = await session.query({ kind: 'replay', inKernel: 'kernel' }).catch((err: AnalysisError) => (err.kind !== 'cancelled' && this.log.warn(`${label}: replay failed: ${err.message}`), null));
        this.registry.add(replay ? { ...run, row: { ...run.row, replay: comparisonReplay(replay) } } : run);
        if (doc.session === session) await this.restoreGuests(doc, session);
      },
      (err: AnalysisError) => {
        if (err.kind === 'cancelled') this.log.info(`cancelled reading ${uri.fsPath}`);
        else {
          this.log.error(`${uri.fsPath}: ${err.message}`);
          void vscode.window.showErrorMessage(`KVM Spin: ${path.basename(uri.fsPath)}: ${err.message}`);
        }
      },
    );
  }

  async resolveCustomEditor(doc: TraceDocument, panel: vscode.WebviewPanel): Promise<void> {
    const webview = panel.webview;
    const assets = [vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.context.extensionUri, 'media')];
    webview.options = { enableScripts: true, localResourceRoots: assets };
    webview.html = renderWebviewHtml({
      title: path.basename(doc.uri.fsPath),
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview', 'traceEditor.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'media', 'traceEditor.css')).toString(),
    });
    const send = (message: HostToWebview) => void webview.postMessage(message);
    this.active = doc;
    panel.onDidChangeViewState(() => panel.active && (this.active = doc));
    panel.onDidDispose(() => this.active === doc && (this.active = undefined));
    /** A timeline reply; a failed one is logged (the webview keeps what it shows). */
    const answer = async (what: string, reply: () => Promise<HostToWebview>) => {
      try {
        send(await reply());
      } catch (err) {
        this.log.warn(`${path.basename(doc.uri.fsPath)}: ${what} request failed: ${(err as Error).message}`);
      }
    };
    let range: { startNs: number; endNs: number } | undefined;
    /** The "What if" panel's assumption: the timeline's details list the targets of that replay. */
    let inKernel: InKernelAssumption = 'kernel';
    const name = path.basename(doc.uri.fsPath);
    const progress = doc.progress.event((p) => send({ type: 'progress', ...p }));
    panel.onDidDispose(() => progress.dispose());
    // While the trace is read: the dashboard of the part read so far, marked partial.
    const partial = doc.partial.event((model) => !range && send({ type: 'dashboard', model }));
    panel.onDidDispose(() => partial.dispose());
    const guests = doc.guests.event((g) => send({ type: 'guests', ...g }));
    panel.onDidDispose(() => guests.dispose());
    const showRange = async () => {
      let opened;
      try {
        opened = await doc.session.opened;
      } catch (err) {
        const reason = loadFailure(err);
        send({ type: 'loadFailed', reason, message: reason === 'cancelled' ? `Loading ${name} was cancelled.` : `${name}: ${(err as Error).message}` });
        return;
      }
      try {
        send({ type: 'dashboard', model: range ? await doc.session.dashboard(range) : opened.model });
      } catch (err) {
        send({ type: 'error', message: `${name}: ${(err as Error).message}` });
      }
    };
    panel.webview.onDidReceiveMessage(async (raw: unknown) => {
      const msg = parseWebviewMessage(raw);
      if (!msg) {
        this.log.warn('ignored a malformed message from the trace editor webview');
        return;
      }
      switch (msg.type) {
        case 'ready':
          send({ type: 'busy', message: `Reading ${name}…` });
          if (doc.lastProgress) send({ type: 'progress', ...doc.lastProgress });
          if (doc.lastPartial) send({ type: 'dashboard', model: doc.lastPartial });
          if (doc.lastGuests) send({ type: 'guests', ...doc.lastGuests });
          await showRange();
          break;
        case 'selectRange':
          range = { startNs: msg.startNs, endNs: msg.endNs };
          await showRange();
          break;
        case 'resetRange':
          range = undefined;
          await showRange();
          break;
        case 'reload':
          doc.session.dispose();
          this.startSession(doc);
          range = undefined;
          send({ type: 'busy', message: `Reading ${name}…` });
          await showRange();
          break;
        case 'reopenAsText':
          await vscode.commands.executeCommand('vscode.openWith', doc.uri, 'default');
          break;
        case 'timeline':
          await answer('timeline', async () => ({ type: 'timeline', id: msg.id, window: await doc.session.query({ kind: 'timeline', request: msg.request }) }));
          break;
        case 'timelineDetails':
          await answer('details', async () => ({ type: 'timelineDetails', id: msg.id, details: await doc.session.query({ kind: 'timelineDetails', request: msg.request, inKernel }) }));
          break;
        case 'replay':
          inKernel = msg.inKernel;
          await answer('replay', async () => ({ type: 'replay', id: msg.id, summary: await doc.session.query({ kind: 'replay', inKernel: msg.inKernel }) }));
          break;
        case 'instances':
          await answer('instances', async () => ({ type: 'instances', id: msg.id, reply: await doc.session.query({ kind: 'instances', request: msg.request }) }));
          break;
        case 'eventList':
          await answer('event list', async () => ({ type: 'eventList', id: msg.id, page: await doc.session.query({ kind: 'eventList', request: msg.request }) }));
          break;
        case 'exportPerfetto':
          await this.openInPerfetto(doc);
          break;
        case 'revealLine': {
          const text = await vscode.workspace.openTextDocument(doc.uri);
          const line = Math.min(msg.line - 1, text.lineCount - 1);
          await vscode.window.showTextDocument(text, { viewColumn: vscode.ViewColumn.Beside, selection: new vscode.Range(line, 0, line, 0) });
          break;
        }
      }
    });
  }

  /** The file of the trace editor last focused, if any. */
  get activeUri(): vscode.Uri | undefined {
    return this.active?.uri;
  }

  /**
   * "Add Guest Trace…" on the trace editor last focused: its session worker pairs the guest
   * files with the trace and the timeline redraws with their lanes; a refused file (not a
   * guest of this host) is told in the page and in a message, in one line.
   */
  async addGuestTraces(paths: string[], doc = this.active): Promise<void> {
    if (!doc) return;
    const name = path.basename(doc.uri.fsPath);
    try {
      const added = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `KVM Spin: reading guest traces of ${name}` }, () => doc.session.query({ kind: 'addGuests', paths }));
      this.log.info(`${name}: ${added.guests.length} guest trace(s), ${added.guestLanes} guest lane(s)`);
      await this.guestMemory.remember(doc.uri, paths);
      this.tellGuests(doc, added.guestLanes, null);
    } catch (err) {
      const message = (err as Error).message.split('\n')[0];
      this.log.warn(`${name}: add guest trace: ${message}`);
      this.tellGuests(doc, doc.guestLanes, message);
      void vscode.window.showErrorMessage(`KVM Spin: ${message}`);
    }
  }

  private tellGuests(doc: TraceDocument, guestLanes: number, message: string | null): void {
    doc.guestLanes = guestLanes;
    doc.lastGuests = { guestLanes, message };
    doc.guests.fire(doc.lastGuests);
  }

  /**
   * After a reload: the guest traces added before are added again, one by one; one that is
   * gone or no longer pairs is said in the page and a warning, and forgotten.
   */
  private async restoreGuests(doc: TraceDocument, session: TraceSession): Promise<void> {
    const saved = this.guestMemory.paths(doc.uri);
    if (saved.length === 0) return;
    const lost: string[] = [];
    const reasons: string[] = [];
    for (const file of saved) {
      if (!existsSync(file)) {
        lost.push(file);
        reasons.push(`${path.basename(file)} is gone`);
        continue;
      }
      try {
        doc.guestLanes = (await session.query({ kind: 'addGuests', paths: [file] })).guestLanes;
      } catch (err) {
        if ((err as AnalysisError).kind === 'cancelled' || doc.session !== session) return;
        lost.push(file);
        reasons.push((err as Error).message.split('\n')[0]);
      }
    }
    if (doc.session !== session) return;
    await this.guestMemory.forget(doc.uri, lost);
    const name = path.basename(doc.uri.fsPath);
    if (lost.length < saved.length) this.tellGuests(doc, doc.guestLanes, null);
    this.log.info(`${name}: ${saved.length - lost.length} of ${saved.length} guest trace(s) added again`);
    if (lost.length === 0) return;
    const message = `Guest trace(s) added before the reload and not added again: ${reasons.join('; ')}.`;
    this.log.warn(`${name}: ${message}`);
    this.tellGuests(doc, doc.guestLanes, message);
    void vscode.window.showWarningMessage(`KVM Spin: ${name}: ${message}`);
  }

  /** "Open in Perfetto…": save the timeline's tracks (Perfetto protobuf or Chrome JSON), then offer the Perfetto UI. */
  async openInPerfetto(doc = this.active): Promise<void> {
    if (!doc) {
      void vscode.window.showInformationMessage('KVM Spin: open a trace in the trace editor first.');
      return;
    }
    const base = doc.uri.fsPath.replace(/\.[^./\\]*$/, '');
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(base + EXPORT_EXTENSION.perfetto),
      filters: { 'Perfetto trace': ['perfetto-trace', 'pftrace'], 'Chrome JSON trace': ['json'] },
      title: 'Save the timeline for Perfetto',
    });
    if (!target) return;
    const format: ExportFormat = target.fsPath.endsWith('.json') ? 'json' : 'perfetto';
    try {
      const { bytes } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `KVM Spin: writing ${path.basename(target.fsPath)}` }, () =>
        doc.session.query({ kind: 'export', format, out: target.fsPath }),
      );
      this.log.info(`exported ${doc.uri.fsPath} to ${target.fsPath} (${format}, ${bytes} bytes)`);
      const open = 'Open ui.perfetto.dev';
      if ((await vscode.window.showInformationMessage(`KVM Spin: saved ${path.basename(target.fsPath)}; open it in the Perfetto UI (Open trace file).`, open)) === open) {
        await vscode.env.openExternal(vscode.Uri.parse(PERFETTO_UI));
      }
    } catch (err) {
      void vscode.window.showErrorMessage(`KVM Spin: could not export ${path.basename(doc.uri.fsPath)}: ${(err as Error).message}`);
    }
  }
}
