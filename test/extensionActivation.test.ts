// The bundled extension loaded against a recording stand-in for the `vscode` module: checks
// that activation registers what package.json contributes and that "Open Trace…" runs the
// real worker and shows the summary or a one-line error. (The same flows in a real VS Code
// are the end-to-end suite's job.)
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import Module from 'node:module';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, ROOT } from './support/paths';

interface Recorded {
  commands: Map<string, (...args: unknown[]) => unknown>;
  providers: Map<string, { provideTextDocumentContent(uri: { toString(): string }): string }>;
  shown: string[];
  errors: string[];
  progressTitles: string[];
  /** Answers for showQuickPick, in order: a function choosing among the items. */
  picks: ((items: { label: string; picked?: boolean }[]) => unknown)[];
  codeLensProviders: { provideCodeLenses(doc: unknown): { command: { title: string; command: string } }[] }[];
  hoverProviders: { provideHover(doc: unknown, pos: { line: number }): { contents: { value: string } } | undefined }[];
  clipboard: string;
  infos: string[];
  activeDocument: unknown;
  editorProviders: Map<string, EditorProvider>;
  /** Messages each opened trace editor posted to its webview, by file name. */
  /** Every custom document opened, disposed at the end as VS Code does when editors close. */
  documents: { dispose(): void }[];
  editors: Map<string, { html: string; posted: { type: string; model?: { totals: { pleExits: number } }; message?: string }[]; opened: Promise<unknown> }>;
}

interface EditorProvider {
  openCustomDocument(uri: unknown, ctx: unknown, token: unknown): Promise<{ session: { opened: Promise<unknown> }; dispose(): void }>;
  resolveCustomEditor(doc: unknown, panel: unknown, token: unknown): Promise<void>;
}

const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };

/** What VS Code does for vscode.openWith: open the document, resolve an editor, load the webview. */
async function openWith(rec: Recorded, uri: { fsPath: string }, viewType: string): Promise<void> {
  const provider = rec.editorProviders.get(viewType)!;
  const doc = await provider.openCustomDocument(uri, {}, token);
  rec.documents.push(doc);
  const posted: { type: string }[] = [];
  let onMessage: (m: unknown) => Promise<void> = async () => {};
  const panel = {
    webview: {
      options: {},
      html: '',
      cspSource: 'vscode-webview:',
      asWebviewUri: (u: unknown) => u,
      postMessage: async (m: { type: string }) => void posted.push(m),
      onDidReceiveMessage: (h: (m: unknown) => Promise<void>) => {
        onMessage = h;
        return { dispose() {} };
      },
    },
  };
  await provider.resolveCustomEditor(doc, panel, token);
  const name = uri.fsPath.replace(/^.*\//, '');
  rec.editors.set(name, { html: panel.webview.html, posted, opened: doc.session.opened.catch(() => undefined) });
  await onMessage({ type: 'ready' }); // the webview script's first message
  await onMessage({ type: 'exec', command: 'rm -rf /' }); // malformed: ignored
}

/** A TextDocument stand-in over a string. */
function fakeDocument(path: string, text: string, languageId = 'c') {
  const lines = text.split('\n');
  return {
    uri: { toString: () => `file:${path}`, fsPath: path },
    languageId,
    version: 1,
    lineCount: lines.length,
    getText: () => text,
    lineAt: (n: number) => ({ range: { line: n, text: lines[n] } }),
  };
}

function fakeVscode(rec: Recorded) {
  const uri = (scheme: string, path: string) => ({ scheme, path, fsPath: path, toString: () => `${scheme}:${path}` });
  class Range {
    constructor(
      readonly startLine: number,
      readonly startCharacter: number,
      readonly endLine: number,
      readonly endCharacter: number,
    ) {}
  }
  return {
    Range,
    CodeLens: class {
      constructor(
        readonly range: unknown,
        readonly command: unknown,
      ) {}
    },
    Hover: class {
      constructor(readonly contents: unknown) {}
    },
    MarkdownString: class {
      value = '';
      isTrusted = false;
      appendMarkdown(text: string) {
        this.value += text;
        return this;
      }
    },
    ThemeColor: class {
      constructor(readonly id: string) {}
    },
    OverviewRulerLane: { Right: 4 },
    env: { clipboard: { writeText: async (text: string) => void (rec.clipboard = text) } },
    languages: {
      registerCodeLensProvider: (_sel: unknown, p: Recorded['codeLensProviders'][number]) => {
        rec.codeLensProviders.push(p);
        return { dispose() {} };
      },
      registerHoverProvider: (_sel: unknown, p: Recorded['hoverProviders'][number]) => {
        rec.hoverProviders.push(p);
        return { dispose() {} };
      },
    },
    Uri: {
      file: (p: string) => uri('file', p),
      from: (c: { scheme: string; path: string }) => uri(c.scheme, c.path),
      joinPath: (base: { path: string }, ...parts: string[]) => uri('file', [base.path, ...parts].join('/')),
    },
    EventEmitter: class {
      event = () => ({ dispose() {} });
      fire() {}
      dispose() {}
    },
    ProgressLocation: { Notification: 15 },
    ViewColumn: { Beside: -2 },
    window: {
      registerCustomEditorProvider: (viewType: string, p: EditorProvider) => {
        rec.editorProviders.set(viewType, p);
        return { dispose() {} };
      },
      get activeTextEditor() {
        return rec.activeDocument ? { document: rec.activeDocument } : undefined;
      },
      visibleTextEditors: [],
      onDidChangeVisibleTextEditors: () => ({ dispose() {} }),
      createTextEditorDecorationType: () => ({ dispose() {} }),
      showInformationMessage: async (m: string) => void rec.infos.push(m),
      createOutputChannel: () => ({ info() {}, warn() {}, error() {}, debug() {}, show() {}, dispose() {} }),
      withProgress: async (opts: { title: string }, task: (p: unknown, t: unknown) => Promise<unknown>) => {
        rec.progressTitles.push(opts.title);
        return task({ report() {} }, { onCancellationRequested: () => ({ dispose() {} }) });
      },
      showErrorMessage: async (m: string) => void rec.errors.push(m),
      showOpenDialog: async () => undefined,
      showQuickPick: async (items: { label: string; picked?: boolean }[]) => rec.picks.shift()?.(items),
      showTextDocument: async (doc: { uri: { toString(): string } }) => {
        const key = doc.uri.toString();
        const provider = rec.providers.get(key.split(':')[0]);
        rec.shown.push(provider?.provideTextDocumentContent(doc.uri) ?? '');
      },
    },
    workspace: {
      onDidChangeTextDocument: () => ({ dispose() {} }),
      onDidCloseTextDocument: () => ({ dispose() {} }),
      asRelativePath: (u: { fsPath: string }) => u.fsPath,
      registerTextDocumentContentProvider: (scheme: string, p: Recorded['providers'] extends Map<string, infer P> ? P : never) => {
        rec.providers.set(scheme, p);
        return { dispose() {} };
      },
      openTextDocument: async (u: unknown) => ({ uri: u }),
    },
    commands: {
      executeCommand: async (id: string, ...args: unknown[]) =>
        id === 'vscode.openWith' ? openWith(rec, args[0] as { fsPath: string }, args[1] as string) : rec.commands.get(id)?.(...args),
      registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
        rec.commands.set(id, fn);
        return { dispose() {} };
      },
    },
  };
}

test('activation registers the contributed commands; Open Trace shows the summary or the error', async () => {
  const rec: Recorded = {
    commands: new Map(),
    providers: new Map(),
    shown: [],
    errors: [],
    progressTitles: [],
    picks: [],
    codeLensProviders: [],
    hoverProviders: [],
    clipboard: '',
    infos: [],
    activeDocument: undefined,
    editorProviders: new Map(),
    documents: [],
    editors: new Map(),
  };
  const fake = fakeVscode(rec);
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = mod._load;
  mod._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? fake : original(request, ...rest));
  try {
    const extension = require(join(ROOT, 'dist', 'extension.js'));
    const subscriptions: unknown[] = [];
    const storage = mkdtempSync(join(tmpdir(), 'kvm-spin-ext-'));
    extension.activate({ subscriptions, asAbsolutePath: (p: string) => join(ROOT, p), extensionUri: fake.Uri.file(ROOT), globalStorageUri: fake.Uri.file(storage) });
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const contributed = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual([...rec.commands.keys()].sort(), contributed);
    assert.ok(!pkg.activationEvents.includes('*'));
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, true);

    // Open Trace… opens the trace editor: a strict CSP, the bundled script, a dashboard posted.
    await rec.commands.get('kvmSpin.openTrace')!(fake.Uri.file(fixture('handchecked-ftrace-tgid.txt')));
    assert.deepEqual(rec.progressTitles, ['KVM Spin: reading handchecked-ftrace-tgid.txt']);
    const editor = rec.editors.get('handchecked-ftrace-tgid.txt')!;
    assert.match(editor.html, /content="default-src 'none'; script-src 'nonce-[A-Za-z0-9]{32}'; style-src vscode-webview: 'nonce-/);
    assert.match(editor.html, /<script nonce="[A-Za-z0-9]{32}" src="[^"]*\/dist\/webview\/traceEditor\.js"><\/script>/);
    assert.deepEqual(editor.posted.map((m) => m.type), ['busy', 'dashboard']);
    assert.equal(editor.posted[1].model!.totals.pleExits, 4);
    // Not a trace: the editor says so in one line.
    await rec.commands.get('kvmSpin.openTrace')!(fake.Uri.file(join(ROOT, 'LICENSE')));
    const bad = rec.editors.get('LICENSE')!;
    await bad.opened;
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(bad.posted.map((m) => m.type), ['busy', 'error']);
    assert.match(bad.posted[1].message!, /^LICENSE: no trace event lines found: expected trace-cmd report text/);
    assert.equal(rec.errors.length, 1);
    assert.match(rec.errors[0], /^KVM Spin: LICENSE: no trace event lines found: expected trace-cmd report text/);

    // Run Simulation…: scenario, one policy, 0.5 s -> the comparison, then the run opened like a trace.
    rec.picks.push(
      (items) => items.find((i) => i.label === 'undercommit'),
      (items) => items.filter((i) => i.label === 'vanilla-5.6'),
      (items) => items.find((i) => i.label === '0.5 s'),
    );
    await rec.commands.get('kvmSpin.runSimulation')!();
    assert.deepEqual(rec.progressTitles.slice(2), ['KVM Spin: simulating undercommit', 'KVM Spin: reading undercommit-vanilla-5.6-seed1.report']);
    assert.equal(rec.shown.length, 1);
    assert.match(rec.shown[0], /^undercommit: .*\n.*\n\npolicy +throughput[^\n]*\nvanilla-5\.6 +\d+\.\d{3} +\+0%/);
    const runEditor = rec.editors.get('undercommit-vanilla-5.6-seed1.report')!;
    await runEditor.opened;
    assert.equal(runEditor.posted[1].type, 'dashboard');
    assert.deepEqual(readdirSync(join(storage, 'runs')), ['undercommit-vanilla-5.6-seed1.report']);

    // Kernel source: lenses and hovers follow the active run (the simulated one just loaded).
    const kvmMain = fakeDocument('/src/virt/kvm/kvm_main.c', readFileSync(fixture('kernel/kvm_main-6.13.c'), 'utf8'));
    const lenses = rec.codeLensProviders[0].provideCodeLenses(kvmMain);
    assert.deepEqual(lenses.map((l) => l.command.command), ['', 'kvmSpin.runSimulation', 'kvmSpin.switchRun']);
    assert.match(lenses[0].command.title, /^PAUSE exits handled [\d,]+ · boosts 0 · -ESRCH 0 · without a boost [\d,]+ \(simulator\)$/);
    assert.equal(lenses[2].command.title, 'Switch run… (undercommit / vanilla-5.6 / seed 1)');
    const hover = rec.hoverProviders[0].provideHover(kvmMain, { line: 35 }); // line 36: skip_not_ready
    assert.match(hover!.contents.value, /^\*\*on_spin\.skip_not_ready\*\* — [\d,]+ \(from simulator\)/);
    assert.match(hover!.contents.value, /\| lock\/vcpu \d \| [\d,]+ \|/);
    assert.equal(rec.codeLensProviders[0].provideCodeLenses(fakeDocument('/x.c', 'int main(void) { return 0; }')).length, 0);
    // Copy perf probe commands for the active kvm_main.c.
    rec.activeDocument = kvmMain;
    await rec.commands.get('kvmSpin.copyProbeCommands')!();
    assert.match(rec.clipboard, /^# run as root.*\nperf probe -m kvm -a 'kvm_vcpu_on_spin:0'   # on_spin\.entry \(line 9\)\n/);
    rec.activeDocument = fakeDocument('/x.c', 'int main(void) { return 0; }');
    await rec.commands.get('kvmSpin.copyProbeCommands')!();
    assert.match(rec.infos[rec.infos.length - 1], /open virt\/kvm\/kvm_main\.c/);
  } finally {
    for (const doc of rec.documents) doc.dispose();
    mod._load = original;
  }
});
