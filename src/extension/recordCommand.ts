// "KVM Spin: Record Host Trace…": asks for a duration and a file, records through a private
// tracefs instance with a cancellable progress notification, then opens the trace editor.
// Without permission it says what is missing and offers the manual command line; a file that
// cannot be written is refused before anything is recorded.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { RecordPermissionError, recordHostTrace } from '../core/trace/record';
import { CancelledError } from '../core/trace/textImporter';
import { OutputError } from '../core/outputFile';

export async function recordTraceCommand(log: vscode.LogOutputChannel): Promise<vscode.Uri | undefined> {
  const seconds = await vscode.window.showInputBox({
    title: 'KVM Spin: record for how many seconds?',
    value: '10',
    validateInput: (v) => (Number(v) > 0 && Number(v) <= 3600 ? undefined : 'a number of seconds between 0 and 3600'),
  });
  if (!seconds) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const target = await vscode.window.showSaveDialog({
    title: 'KVM Spin: save the host trace as',
    defaultUri: folder ? vscode.Uri.joinPath(folder, `host-${stamp}.dat`) : undefined,
    filters: { 'trace.dat': ['dat'] },
  });
  if (!target) return undefined;
  const controller = new AbortController();
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `KVM Spin: recording ${seconds} s`, cancellable: true },
      (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        let reported = 0;
        return recordHostTrace({
          durationS: Number(seconds),
          out: target.fsPath,
          signal: controller.signal,
          onProgress: (elapsed, total) => {
            const percent = (100 * elapsed) / total;
            progress.report({ increment: percent - reported, message: `${elapsed.toFixed(0)} of ${total} s` });
            reported = percent;
          },
        });
      },
    );
    log.info(`recorded ${result.file} (${result.bytes} bytes; ${result.enabled.join(', ')})`);
    return vscode.Uri.file(result.file);
  } catch (err) {
    if (err instanceof CancelledError) log.info('recording cancelled');
    else if (err instanceof RecordPermissionError) {
      log.warn(err.message);
      const copy = await vscode.window.showErrorMessage(`KVM Spin: cannot record: ${err.missing}.`, 'Copy manual command');
      if (copy) await vscode.env.clipboard.writeText(err.manualCommand);
    } else if (err instanceof OutputError) {
      // Checked before recording starts: a full, read-only or missing place.
      log.warn(err.message);
      void vscode.window.showErrorMessage(`KVM Spin: ${err.message}`);
    } else {
      log.error(`recording failed: ${(err as Error).message}`);
      void vscode.window.showErrorMessage(`KVM Spin: recording ${path.basename(target.fsPath)} failed: ${(err as Error).message}`);
    }
    return undefined;
  }
}
