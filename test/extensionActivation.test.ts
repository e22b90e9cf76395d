// The bundled extension loaded against a recording stand-in for the `vscode` module: checks
// that activation registers what package.json contributes and that "Open Trace…" runs the
// real worker and shows the summary or a one-line error. (The same flows in a real VS Code
// are the end-to-end suite's job.)
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import Module from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, ROOT } from './support/paths';
import { scratchDir } from './support/scratch';

interface Recorded {
  commands: Map<string, (...args: unknown[]) => unknown>;
  providers: Map<string, { provideTextDocumentContent(uri: { toString(): string }): string }>;
  shown: string[];
  errors: string[];
  progressTitles: string[];
  /** Answers for showQuickPick, in order: a function choosing among the items. */
  picks: ((items: { label: string; picked?: boolean; description?: string }[]) => unknown)[];
  /** Answers for showInputBox, in order: a function of its options (validateInput to try values). */
  inputs: ((options: { title: string; validateInput(text: string): string | undefined }) => string | undefined)[];
  /** Every command executed, with its first argument (as a string). */
  executed: [string, string][];
  codeLensProviders: { provideCodeLenses(doc: unknown): { command: { title: string; command: string; tooltip?: string } }[] }[];
  hoverProviders: { provideHover(doc: unknown, pos: { line: number }): { contents: { value: string } } | undefined }[];
  clipboard: string;
  infos: string[];
  activeDocument: unknown;
  editorProviders: Map<string, EditorProvider>;
  viewProviders: Map<string, { resolveWebviewView(view: unknown): void }>;
  /** Where the save dialog answers (null: cancelled), and what was written. */
  saveAs: string | null;
  written: Map<string, Buffer>;
  /** Messages each opened trace editor posted to its webview, by file name. */
  /** Every custom document opened, disposed at the end as VS Code does when editors close. */
  documents: { dispose(): void }[];
  editors: Map<string, { html: string; posted: { type: string; model?: { totals: { pleExits: number } }; message?: string; reason?: string; bytesRead?: number; totalBytes?: number }[]; opened: Promise<unknown>; send(m: unknown): Promise<void> }>;
  /** Set: the next progress notification is cancelled at once (its Cancel button pressed). */
  cancelNextRead?: boolean;
  /** vscode.openWith calls for VS Code's own editors ('default'): file and view type. */
  openedWith: [string, string][];
}

interface EditorProvider {
  openCustomDocument(uri: unknown, ctx: unknown, token: unknown): Promise<{ session: { opened: Promise<unknown> }; dispose(): void }>;
  resolveCustomEditor(doc: unknown, panel: unknown, token: unknown): Promise<void>;
}

const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };

/** What VS Code does for vscode.openWith: open the document, resolve an editor, load the webview. */
async function openWith(rec: Recorded, uri: { fsPath: string }, viewType: string): Promise<void> {
  if (viewType === 'default') return void rec.openedWith.push([uri.fsPath, viewType]);
  const provider = rec.editorProviders.get(viewType)!;
  const doc = await provider.openCustomDocument(uri, {}, token);
  rec.documents.push(doc);
  const { webview, posted, send } = fakeWebview<{ type: string }>();
  const noEvent = () => ({ dispose() {} });
  await provider.resolveCustomEditor(doc, { webview, active: true, onDidChangeViewState: noEvent, onDidDispose: noEvent }, token);
  const name = uri.fsPath.replace(/^.*\//, '');
  rec.editors.set(name, { html: webview.html, posted, opened: doc.session.opened.catch(() => undefined), send });
  await send({ type: 'ready' }); // the webview script's first message
  await send({ type: 'exec', command: 'rm -rf /' }); // malformed: ignored
}

/** A webview stand-in: records what the host posts, and lets the test play the page's messages. */
function fakeWebview<M>() {
  const posted: M[] = [];
  let onMessage: (m: unknown) => Promise<void> = async () => {};
  const webview = {
    options: {},
    html: '',
    cspSource: 'vscode-webview:',
    asWebviewUri: (u: unknown) => u,
    postMessage: async (m: M) => void posted.push(m),
    onDidReceiveMessage: (h: (m: unknown) => Promise<void>) => {
      onMessage = h;
      return { dispose() {} };
    },
  };
  return { webview, posted, send: (m: unknown) => onMessage(m) };
}

interface ComparisonModelSeen {
  runs: { id: string; label: string; source: string }[];
  rows: { id: string; label: string; seeds: number; values: (number | null)[]; ci95: ([number, number] | null)[]; replay: unknown }[];
  selected: string[];
  baseline: string | null;
}

/** What VS Code does when a webview view becomes visible: resolve it; the webview script then talks. */
function openView(rec: Recorded, viewType: string) {
  const { webview, posted, send } = fakeWebview<{ type: string; model?: ComparisonModelSeen }>();
  rec.viewProviders.get(viewType)!.resolveWebviewView({ webview, onDidDispose: () => ({ dispose() {} }) });
  return {
    get html() {
      return webview.html;
    },
    posted,
    send,
    last: () => posted.filter((m) => m.type === 'comparison').at(-1)!.model!,
  };
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
      private listeners: ((e: unknown) => void)[] = [];
      event = (listener: (e: unknown) => void) => {
        this.listeners.push(listener);
        return { dispose: () => void (this.listeners = this.listeners.filter((l) => l !== listener)) };
      };
      fire(e?: unknown) {
        for (const l of [...this.listeners]) l(e);
      }
      dispose() {
        this.listeners = [];
      }
    },
    ProgressLocation: { Notification: 15 },
    ViewColumn: { Beside: -2 },
    window: {
      registerWebviewViewProvider: (viewType: string, p: { resolveWebviewView(view: unknown): void }) => {
        rec.viewProviders.set(viewType, p);
        return { dispose() {} };
      },
      showSaveDialog: async () => (rec.saveAs ? uri('file', rec.saveAs) : undefined),
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
        const cancel = rec.cancelNextRead;
        rec.cancelNextRead = false;
        return task({ report() {} }, { onCancellationRequested: (fn: () => void) => (cancel && setImmediate(fn), { dispose() {} }) });
      },
      showErrorMessage: async (m: string) => void rec.errors.push(m),
      showOpenDialog: async () => undefined,
      showQuickPick: async (items: { label: string; picked?: boolean }[]) => rec.picks.shift()?.(items),
      showInputBox: async (options: { title: string; validateInput(text: string): string | undefined }) => rec.inputs.shift()?.(options),
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
      workspaceFolders: undefined,
      getConfiguration: () => ({ get: () => undefined }),
      fs: { writeFile: async (u: { fsPath: string }, bytes: Uint8Array) => void rec.written.set(u.fsPath, Buffer.from(bytes)) },
    },
    commands: {
      executeCommand: async (id: string, ...args: unknown[]) => {
        rec.executed.push([id, String(args[0] ?? '')]);
        // The Markdown preview shows the document's text: recorded like a shown document.
        if (id === 'markdown.showPreview') return void rec.shown.push(rec.providers.get(String(args[0]).split(':')[0])!.provideTextDocumentContent(args[0] as { toString(): string }));
        return id === 'vscode.openWith' ? openWith(rec, args[0] as { fsPath: string }, args[1] as string) : rec.commands.get(id)?.(...args);
      },
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
    inputs: [],
    executed: [],
    codeLensProviders: [],
    hoverProviders: [],
    clipboard: '',
    infos: [],
    activeDocument: undefined,
    editorProviders: new Map(),
    documents: [],
    editors: new Map(),
    openedWith: [],
    viewProviders: new Map(),
    saveAs: null,
    written: new Map(),
  };
  const fake = fakeVscode(rec);
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = mod._load;
  mod._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? fake : original(request, ...rest));
  try {
    const extension = require(join(ROOT, 'dist', 'extension.js'));
    const subscriptions: unknown[] = [];
    const storage = scratchDir('kvm-spin-ext-');
    const workspaceState = new Map<string, unknown>();
    extension.activate({
      subscriptions,
      asAbsolutePath: (p: string) => join(ROOT, p),
      extensionUri: fake.Uri.file(ROOT),
      globalStorageUri: fake.Uri.file(storage),
      workspaceState: { get: (k: string) => workspaceState.get(k), update: async (k: string, v: unknown) => void workspaceState.set(k, v) },
    });
    // The comparison view, opened before any run exists: an empty picker.
    const comparison = openView(rec, 'kvmSpin.comparison');
    await comparison.send({ type: 'ready' });
    assert.deepEqual(comparison.posted.map((m) => m.type), ['comparison']);
    assert.deepEqual(comparison.last().runs, []);
    assert.match(comparison.html, /script-src 'nonce-[A-Za-z0-9]{32}'.*dist\/webview\/comparison\.js/s);
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
    // Reading progress reaches the page too, between "busy" and the dashboard, up to 100 %.
    const reports = editor.posted.filter((m) => m.type === 'progress');
    assert.ok(reports.length >= 1 && reports.at(-1)!.bytesRead === reports.at(-1)!.totalBytes, JSON.stringify(reports));
    assert.deepEqual(editor.posted.filter((m) => m.type !== 'progress').map((m) => m.type), ['busy', 'dashboard']);
    assert.equal(editor.posted.at(-1)!.model!.totals.pleExits, 4);
    // Not a trace: the editor says so in one line and offers to reopen it as text.
    await rec.commands.get('kvmSpin.openTrace')!(fake.Uri.file(join(ROOT, 'LICENSE')));
    const bad = rec.editors.get('LICENSE')!;
    await bad.opened;
    await new Promise((r) => setTimeout(r, 10));
    const failed = bad.posted.filter((m) => m.type !== 'progress');
    assert.deepEqual(failed.map((m) => m.type), ['busy', 'loadFailed']);
    assert.equal(failed[1].reason, 'notATrace');
    assert.match(failed[1].message!, /^LICENSE: no trace event lines found: expected trace-cmd report text/);
    assert.equal(rec.errors.length, 1);
    assert.match(rec.errors[0], /^KVM Spin: LICENSE: no trace event lines found: expected trace-cmd report text/);
    // "Reopen as text" hands the file to VS Code's text editor; Reload reads it again in a new session.
    await bad.send({ type: 'reopenAsText' });
    assert.deepEqual(rec.openedWith, [[join(ROOT, 'LICENSE'), 'default']]);
    await bad.send({ type: 'reload' });
    assert.deepEqual(bad.posted.filter((m) => m.type !== 'progress').map((m) => m.type), ['busy', 'loadFailed', 'busy', 'loadFailed']);
    assert.equal(rec.progressTitles.at(-1), 'KVM Spin: reading LICENSE');

    // Run Simulation…: scenario, one policy, a typed length (any value, checked), one seed -> the
    // comparison view and the comparison as Markdown, then the run opened like a trace.
    rec.picks.push(
      (items) => items.find((i) => i.label === 'undercommit'),
      (items) => items.filter((i) => i.label === 'vanilla-5.6'),
    );
    const refusedLengths: (string | undefined)[] = [];
    rec.inputs.push(
      (o) => {
        refusedLengths.push(...['abc', '0', '700', '0.5', '0.37 s', '1e-6'].map((t) => o.validateInput(t)));
        return '0.5';
      },
      (o) => (o.validateInput('0') && !o.validateInput('3') ? '1' : 'bad'),
    );
    await rec.commands.get('kvmSpin.runSimulation')!();
    assert.deepEqual(refusedLengths, ['a number of simulated seconds, e.g. 0.5', 'at least 1 µs (0.000001 s)', 'at most 600 s', undefined, undefined, undefined]);
    assert.deepEqual(rec.progressTitles.slice(3), ['KVM Spin: simulating undercommit', 'KVM Spin: reading undercommit-vanilla-5.6-seed1.report']);
    assert.ok(rec.executed.some(([id]) => id === 'kvmSpin.comparison.focus'), 'the results open in the comparison view');
    assert.equal(rec.shown.length, 1);
    assert.match(rec.shown[0], /^# undercommit: simulated comparison\n/);
    assert.match(rec.shown[0], /\n\| metric \| undercommit \/ vanilla-5\.6 \/ seed 1 \|\n\|---\|---:\|\n\| Throughput \(CPUs\) \| \d+\.\d{3} \|\n/);
    const runEditor = rec.editors.get('undercommit-vanilla-5.6-seed1.report')!;
    await runEditor.opened;
    assert.equal(runEditor.posted.filter((m) => m.type !== 'progress')[1].type, 'dashboard');
    assert.deepEqual(readdirSync(join(storage, 'runs')), ['undercommit-vanilla-5.6-seed1.report']);

    // The comparison view picked up both runs as they came (the bad file never became a run).
    const picked = comparison.last();
    assert.deepEqual(picked.runs.map((r) => [r.label, r.source]), [['handchecked-ftrace-tgid.txt', 'trace'], ['undercommit / vanilla-5.6 / seed 1', 'simulator']]);
    assert.equal(picked.rows.length, 2);
    // The default baseline is the simulated run, not the 4 ms trace loaded first.
    assert.equal(picked.baseline, picked.runs[1].id);
    // Export CSV through the save dialog; a malformed message is ignored.
    rec.saveAs = join(storage, 'comparison.csv');
    await comparison.send({ type: 'exportCsv' });
    const csv = rec.written.get(rec.saveAs)!.toString('utf8').split('\n');
    // Header, the two runs, then the trace's replay: a line per replayed policy.
    const replayLines = csv.filter((l) => l.startsWith('handchecked-ftrace-tgid.txt,replay,'));
    assert.ok(replayLines.length >= 5, csv.join('\n'));
    assert.equal(csv.length, 4 + replayLines.length);
    assert.match(replayLines[0], /,vanilla-5\.6,\d+,\d+,\d+,\d+,\d+,$/);
    // Spin share: on-CPU spin 27 µs over 4.02 ms × 2 CPUs (it was 486 µs, counting 459 µs preempted in a PAUSE exit).
    assert.match(csv[1], /^handchecked-ftrace-tgid\.txt,trace,0\.00402,1,,0\.00335821,995\.025,/);
    assert.match(csv[2], /^undercommit \/ vanilla-5\.6 \/ seed 1,simulator,0\.5,1,\d/);
    await comparison.send({ type: 'exportPng', dataUrl: 'data:text/html,<b>' });
    // Pick only the simulated run: the model follows, the choice is kept in workspace state.
    await comparison.send({ type: 'selectRuns', ids: [picked.runs[1].id, 'file:/gone'], baseline: null });
    assert.deepEqual(comparison.last().selected, [picked.runs[1].id]);
    assert.deepEqual(workspaceState.get('kvmSpin.comparison.selection'), { ids: [picked.runs[1].id], baseline: null });

    // Kernel source: lenses and hovers follow the active run (the simulated one just loaded).
    const kvmMain = fakeDocument('/src/virt/kvm/kvm_main.c', readFileSync(fixture('kernel/kvm_main-6.13.c'), 'utf8'));
    const lenses = rec.codeLensProviders[0].provideCodeLenses(kvmMain);
    // "Compare policies" opens the comparison view (it started a new simulation before).
    assert.deepEqual(lenses.map((l) => l.command.command), ['', '', 'kvmSpin.comparison.focus', 'kvmSpin.switchRun']);
    assert.match(lenses[0].command.title, /^PAUSE exits handled [\d,]+ · boosts 0 · -ESRCH 0 · without a boost [\d,]+ \(simulator\)$/);
    // A vanilla-5.6 run on a 6.13 file: the lens says the kernels differ, the tooltip how.
    assert.equal(lenses[1].command.title, "⚠ the run's kernel differs from this file");
    assert.equal(lenses[1].command.tooltip, "the run is of vanilla-5.6, whose kvm_vcpu_on_spin differs from this file's: a two-pass walk where this file has a single one; no 5.13 pending-interrupt rule, which this file has; its counts are that kernel's, placed on the matching lines here");
    assert.equal(lenses[3].command.title, 'Switch run… (undercommit / vanilla-5.6 / seed 1)');
    const hover = rec.hoverProviders[0].provideHover(kvmMain, { line: 35 }); // line 36: skip_not_ready
    assert.match(hover!.contents.value, /^⚠ the run's kernel differs from this file: the run is of vanilla\\-5\\\.6/);
    assert.match(hover!.contents.value, /\n\n\*\*on_spin\.skip_not_ready\*\* — [\d,]+ \(from simulator; \d+ % of the [\d,]+ entries of kvm_vcpu_on_spin\)/);
    // Switch run: the run shown now is marked.
    let offered: { label: string; description?: string }[] = [];
    rec.picks.push((items) => void (offered = items));
    await rec.commands.get('kvmSpin.switchRun')!();
    assert.deepEqual(offered.map((i) => [i.label, i.description]), [['handchecked-ftrace-tgid.txt', undefined], ['undercommit / vanilla-5.6 / seed 1', '$(check) shown now']]);
    assert.match(hover!.contents.value, /\| (lock|ipi)\/vcpu \d \| [\d,]+ \|/);
    assert.equal(rec.codeLensProviders[0].provideCodeLenses(fakeDocument('/x.c', 'int main(void) { return 0; }')).length, 0);
    // Copy perf probe commands for the active kvm_main.c.
    rec.activeDocument = kvmMain;
    await rec.commands.get('kvmSpin.copyProbeCommands')!();
    assert.match(rec.clipboard, /^# run as root.*\nperf probe -m kvm -a 'kvm_vcpu_on_spin:0'   # on_spin\.entry \(line 9\)\n/);
    rec.activeDocument = fakeDocument('/x.c', 'int main(void) { return 0; }');
    await rec.commands.get('kvmSpin.copyProbeCommands')!();
    assert.match(rec.infos[rec.infos.length - 1], /open virt\/kvm\/kvm_main\.c/);

    // The run file opened like a trace is replayed (in its session's worker): wait for the replay to reach the view.
    for (let i = 0; i < 200 && !comparison.last().rows[0]?.replay; i++) await new Promise((r) => setTimeout(r, 25));
    const replayed = comparison.last().rows[0].replay;
    assert.ok(replayed, 'the run file opened in the trace editor was replayed');
    // A window reload: the simulated run comes back from its run file, still picked.
    extension.activate({
      subscriptions: [],
      asAbsolutePath: (p: string) => join(ROOT, p),
      extensionUri: fake.Uri.file(ROOT),
      globalStorageUri: fake.Uri.file(storage),
      workspaceState: { get: (k: string) => workspaceState.get(k), update: async (k: string, v: unknown) => void workspaceState.set(k, v) },
    });
    const reloaded = openView(rec, 'kvmSpin.comparison');
    await reloaded.send({ type: 'ready' });
    assert.deepEqual(reloaded.last().runs.map((r) => r.label), ['undercommit / vanilla-5.6 / seed 1']);
    assert.deepEqual(reloaded.last().selected, [picked.runs[1].id]);
    // It was opened like a trace, so it had a replay: the reloaded run carries it too.
    assert.deepEqual(reloaded.last().rows[0].replay, replayed);

    // Cancelled from the notification: the page says so neutrally; Reload reads the trace after all.
    rec.cancelNextRead = true;
    await rec.commands.get('kvmSpin.openTrace')!(fake.Uri.file(fixture('ftrace-kprobes.txt')));
    const cancelled = rec.editors.get('ftrace-kprobes.txt')!;
    assert.deepEqual(cancelled.posted.filter((m) => m.type !== 'progress').map((m) => [m.type, m.reason, m.message]), [
      ['busy', undefined, 'Reading ftrace-kprobes.txt…'],
      ['loadFailed', 'cancelled', 'Loading ftrace-kprobes.txt was cancelled.'],
    ]);
    await cancelled.send({ type: 'reload' });
    assert.equal(cancelled.posted.at(-1)!.type, 'dashboard');

    // Several seeds per policy: one run per policy, its figures means with 95 % intervals.
    const ids = (await rec.commands.get('kvmSpin.runSimulation')!({ scenario: 'undercommit', policies: ['vanilla-5.6', 'oracle'], seconds: 0.002, seeds: 3 })) as string[];
    assert.equal(ids.length, 2);
    const seeded = reloaded.last().rows.filter((r) => ids.includes(r.id));
    assert.deepEqual(seeded.map((r) => [r.label, r.seeds]), [['undercommit / vanilla-5.6 / seeds 1–3', 3], ['undercommit / oracle / seeds 1–3', 3]]);
    assert.ok(seeded.every((r) => r.ci95[0] !== null && r.ci95[0][0] <= r.values[0]! && r.values[0]! <= r.ci95[0][1]));
    assert.match(rec.shown.at(-1)!, /\nseeds 1–3 \(means\), 0\.002 simulated s per run\.\n/);
    assert.deepEqual(await rec.commands.get('kvmSpin.runSimulation')!({ scenario: 'undercommit', seconds: 700 }), []);
    assert.equal(rec.errors.at(-1), 'KVM Spin: seconds must be at most 600 s');
  } finally {
    for (const doc of rec.documents) doc.dispose();
    mod._load = original;
  }
});
