// "KVM Spin: Add Guest Trace…": pairs guest traces with a host trace (the one open in the trace
// editor, or one picked) and shows what the guests' lock, ipi and csd events say about each
// yield decision beside the host-only inference. The work runs in a child process — the
// bundled CLI's `analyze HOST --guest GUEST…` — so the extension host stays responsive and
// the run can be cancelled; its summary opens as a read-only text document.

import { execFile } from 'node:child_process';
import * as vscode from 'vscode';

export const ADD_GUEST_TRACE = 'kvmSpin.addGuestTrace';
const TRACE_FILTERS = { 'Traces': ['dat', 'report', 'trace', 'txt'], 'All files': ['*'] };
/** The CLI's summary of a large pair stays well below this. */
const MAX_OUTPUT_BYTES = 64 << 20;

/** The file of the active trace editor tab, if any. */
function activeTrace(viewType: string): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom && input.viewType === viewType ? input.uri : undefined;
}

export async function addGuestTraceCommand(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, traceEditorViewType: string): Promise<void> {
  const host =
    activeTrace(traceEditorViewType) ?? (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Host trace', filters: TRACE_FILTERS }))?.[0];
  if (!host) return;
  const guests = await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: 'Add guest trace(s)', title: `Guest traces of ${vscode.workspace.asRelativePath(host)}`, filters: TRACE_FILTERS });
  if (!guests?.length) return;
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
