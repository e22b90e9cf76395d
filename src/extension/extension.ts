// Activation and commands: glue between VS Code and src/core (which never imports vscode).

import { loadStart } from './loadStart';
import * as vscode from 'vscode';
import { runSimulationCommand, showSimulationResults } from './simulationCommand';
import { RunRegistry } from './runRegistry';
import { SourceAnnotations } from './sourceAnnotations';
import { OPEN_IN_PERFETTO, TRACE_EDITOR, TRACE_EDITOR_ANY, TraceEditorProvider } from './traceEditor';
import { COMPARISON_VIEW, ComparisonViewProvider } from './comparisonView';
import { recordTraceCommand } from './recordCommand';
import { ADD_GUEST_TRACE, addGuestTraceCommand } from './addGuestTraceCommand';
import { makeApi, type KvmSpinApi } from './api';

const SUMMARY_SCHEME = 'kvm-spin-summary';

export function activate(context: vscode.ExtensionContext): KvmSpinApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('KVM Spin Explorer', { log: true });
  const summaries = new Map<string, string>();
  const changed = new vscode.EventEmitter<vscode.Uri>();
  /** Shows text as a read-only document named `name`. */
  const showReadOnly = async (name: string, text: string) => {
    const doc = vscode.Uri.from({ scheme: SUMMARY_SCHEME, path: `/${name}` });
    summaries.set(doc.toString(), text);
    changed.fire(doc);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(doc), { preview: false });
  };
  /** Markdown as the preview renders it (laid out, never cut at a line width); the text itself where no preview is available. */
  const showFormatted = async (name: string, text: string) => {
    const doc = vscode.Uri.from({ scheme: SUMMARY_SCHEME, path: `/${name}` });
    summaries.set(doc.toString(), text);
    changed.fire(doc);
    try {
      await vscode.commands.executeCommand('markdown.showPreview', doc);
    } catch {
      await showReadOnly(name, text);
    }
  };
  const registry = new RunRegistry();
  const annotations = new SourceAnnotations(context, registry, log);
  const traceEditor = new TraceEditorProvider(context, registry, log);
  const comparison = new ComparisonViewProvider(context, registry, log);
  const C_FILES: vscode.DocumentSelector = { language: 'c' };
  context.subscriptions.push(
    log,
    changed,
    registry,
    annotations,
    comparison,
    vscode.window.registerWebviewViewProvider(COMPARISON_VIEW, comparison),
    vscode.languages.registerCodeLensProvider(C_FILES, annotations),
    vscode.languages.registerHoverProvider(C_FILES, annotations),
    vscode.commands.registerCommand('kvmSpin.switchRun', async () => {
      if (registry.all.length === 0) {
        void vscode.window.showInformationMessage('KVM Spin: no run loaded yet — open a trace or run a simulation first.');
        return;
      }
      const pick = await vscode.window.showQuickPick(
        registry.all.map((r) => ({ label: r.label, detail: r.detail, id: r.id, description: r.id === registry.active?.id ? '$(check) shown now' : undefined })),
        { title: 'KVM Spin: run shown on kernel sources' },
      );
      if (pick) registry.setActive(pick.id);
    }),
    vscode.commands.registerCommand('kvmSpin.copyProbeCommands', async () => {
      const doc = vscode.window.activeTextEditor?.document;
      const commands = doc ? annotations.probeCommandsFor(doc) : null;
      if (!commands) {
        void vscode.window.showInformationMessage('KVM Spin: open virt/kvm/kvm_main.c (a file that defines kvm_vcpu_on_spin) first.');
        return;
      }
      await vscode.env.clipboard.writeText(commands.join('\n') + '\n');
      void vscode.window.showInformationMessage(`KVM Spin: ${commands.length - 1} commands copied (perf probe line probes, yield_to probes, trace-cmd record).`);
    }),
    vscode.workspace.registerTextDocumentContentProvider(SUMMARY_SCHEME, {
      onDidChange: changed.event,
      provideTextDocumentContent: (uri) => summaries.get(uri.toString()) ?? '',
    }),
    vscode.commands.registerCommand('kvmSpin.showLog', () => log.show()),
    vscode.commands.registerCommand(ADD_GUEST_TRACE, () => addGuestTraceCommand(context, log, TRACE_EDITOR, traceEditor)),
    vscode.commands.registerCommand(OPEN_IN_PERFETTO, () => traceEditor.openInPerfetto()),
    vscode.window.registerCustomEditorProvider(TRACE_EDITOR, traceEditor, { supportsMultipleEditorsPerDocument: false }),
    vscode.window.registerCustomEditorProvider(TRACE_EDITOR_ANY, traceEditor, { supportsMultipleEditorsPerDocument: false }),
    vscode.commands.registerCommand('kvmSpin.openTrace', async (target?: vscode.Uri) => {
      const uri = target ?? (await pickTrace());
      if (!uri) return;
      await vscode.commands.executeCommand('vscode.openWith', uri, TRACE_EDITOR_ANY);
    }),
    vscode.commands.registerCommand('kvmSpin.recordTrace', async () => {
      const uri = await recordTraceCommand(log);
      if (uri) await vscode.commands.executeCommand('vscode.openWith', uri, TRACE_EDITOR_ANY);
    }),
    vscode.commands.registerCommand('kvmSpin.openSample', async () => {
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.joinPath(context.extensionUri, 'samples', 'oversubscribed-4vm.report'), TRACE_EDITOR);
    }),
    // An argument { scenario, policies, seconds } skips the quick picks.
    // Resolves to the ids of the runs it added (none when cancelled or refused).
    vscode.commands.registerCommand('kvmSpin.runSimulation', async (request?: unknown): Promise<string[]> => {
      const outcome = await runSimulationCommand(context, log, request);
      if (!outcome) return [];
      const added = await showSimulationResults(outcome, registry, log, showFormatted);
      // A single run opens like a trace: its run file in the trace editor.
      if (outcome.runFiles.length === 1) await vscode.commands.executeCommand('kvmSpin.openTrace', vscode.Uri.file(outcome.runFiles[0]));
      return added;
    }),
  );
  const done = performance.now();
  const activationMs = done - started;
  const loadAndActivateMs = done - loadStart;
  log.info(`KVM Spin Explorer activated: activate() ${activationMs.toFixed(1)} ms, modules + activate() ${loadAndActivateMs.toFixed(1)} ms`);
  return makeApi(registry, annotations, { activationMs, loadAndActivateMs });
}

async function pickTrace(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Analyse trace',
    filters: { 'KVM host traces': ['dat', 'report', 'trace', 'ftrace', 'txt', 'perf', 'log'], 'All files': ['*'] },
  });
  return picked?.[0];
}

export function deactivate(): void {}
