// "KVM Spin: Add Guest Trace…": pairs guest traces with a host trace. On an open trace editor
// its session worker pairs them and the timeline shows each guest CPU beside the host vCPU
// thread that ran it (TraceEditorProvider.addGuestTraces). With no trace editor open, a host
// trace is picked and the bundled CLI's `analyze HOST --guest GUEST…` runs in a child process
// (cancellable, the extension host stays responsive); its summary of what the guests' lock,
// ipi and csd events say about each yield decision opens as a read-only text document.

import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import type { TraceEditorProvider } from './traceEditor';

export const ADD_GUEST_TRACE = 'kvmSpin.addGuestTrace';
const TRACE_FILTERS = { 'Traces': ['dat', 'report', 'trace', 'txt'], 'All files': ['*'] };
/** The CLI's summary of a large pair stays well below this. */
const MAX_OUTPUT_BYTES = 64 << 20;

/** The file of the active trace editor tab, if any. */
function activeTrace(viewType: string): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom && input.viewType === viewType ? input.uri : undefined;
}

export async function addGuestTraceCommand(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, traceEditorViewType: string, editor?: TraceEditorProvider): Promise<void> {
  const open = activeTrace(traceEditorViewType);
  const host = open ?? (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Host trace', filters: TRACE_FILTERS }))?.[0];
  if (!host) return;
  const guests = await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: 'Add guest trace(s)', title: `Guest traces of ${vscode.workspace.asRelativePath(host)}`, filters: TRACE_FILTERS });
  if (!guests?.length) return;
  if (open && editor && editor.activeUri?.toString() === open.toString()) return editor.addGuestTraces(guests.map((g) => g.fsPath));
  const cli = vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath;
  const args = [cli, 'analyze', host.fsPath, ...guests.flatMap((g) => ['--guest', g.fsPath])];
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Analysing host and guest traces', cancellable: true },
    (_, token) =>
      new Promise<{ ok: boolean; text: string }>((resolve) => {
        const child = execFile(process.execPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, maxBuffer: MAX_OUTPUT_BYTES }, (err, stdout, stderr) =>
          resolve(err ? { ok: false, text: stderr.trim() || String(err.message) } : { ok: true, text: stdout }),
        );
        token.onCancellationRequested(() => child.kill());
      }),
  );
  if (!result.ok) {
    log.warn(`add guest trace: ${result.text}`);
    void vscode.window.showErrorMessage(result.text.replace(/^kvm-spin: /, '').split('\n')[0]);
    return;
  }
  log.info(`host ${host.fsPath} analysed with ${guests.length} guest trace(s)`);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: result.text, language: 'plaintext' }), { preview: false });
}
