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
}

function fakeVscode(rec: Recorded) {
  const uri = (scheme: string, path: string) => ({ scheme, path, fsPath: path, toString: () => `${scheme}:${path}` });
  return {
    Uri: { file: (p: string) => uri('file', p), from: (c: { scheme: string; path: string }) => uri(c.scheme, c.path) },
    EventEmitter: class {
      event = () => ({ dispose() {} });
      fire() {}
      dispose() {}
    },
    ProgressLocation: { Notification: 15 },
    window: {
      createOutputChannel: () => ({ info() {}, warn() {}, error() {}, show() {}, dispose() {} }),
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
      registerTextDocumentContentProvider: (scheme: string, p: Recorded['providers'] extends Map<string, infer P> ? P : never) => {
        rec.providers.set(scheme, p);
        return { dispose() {} };
      },
      openTextDocument: async (u: unknown) => ({ uri: u }),
    },
    commands: {
      executeCommand: async (id: string, ...args: unknown[]) => rec.commands.get(id)?.(...args),
      registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
        rec.commands.set(id, fn);
        return { dispose() {} };
      },
    },
  };
}

test('activation registers the contributed commands; Open Trace shows the summary or the error', async () => {
  const rec: Recorded = { commands: new Map(), providers: new Map(), shown: [], errors: [], progressTitles: [], picks: [] };
  const fake = fakeVscode(rec);
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = mod._load;
  mod._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? fake : original(request, ...rest));
  try {
    const extension = require(join(ROOT, 'dist', 'extension.js'));
    const subscriptions: unknown[] = [];
    const storage = mkdtempSync(join(tmpdir(), 'kvm-spin-ext-'));
    extension.activate({ subscriptions, asAbsolutePath: (p: string) => join(ROOT, p), globalStorageUri: fake.Uri.file(storage) });
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const contributed = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual([...rec.commands.keys()].sort(), contributed);
    assert.ok(!pkg.activationEvents.includes('*'));
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, true);

    await rec.commands.get('kvmSpin.openTrace')!(fake.Uri.file(fixture('handchecked-ftrace-tgid.txt')));
    assert.deepEqual(rec.progressTitles, ['KVM Spin: reading handchecked-ftrace-tgid.txt']);
    assert.equal(rec.shown.length, 1);
    assert.match(rec.shown[0], /problems: scheduler mismatch 1, lost opportunity 3, overboost 1/);

    await rec.commands.get('kvmSpin.openTrace')!(fake.Uri.file(join(ROOT, 'LICENSE')));
    assert.equal(rec.shown.length, 1);
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
    assert.equal(rec.shown.length, 3);
    assert.match(rec.shown[1], /^undercommit: .*\n.*\n\npolicy +throughput[^\n]*\nvanilla-5\.6 +\d+\.\d{3} +\+0%/);
    assert.match(rec.shown[2], /undercommit-vanilla-5\.6-seed1\.report: trace-cmd, \d+ events kept/);
    assert.deepEqual(readdirSync(join(storage, 'runs')), ['undercommit-vanilla-5.6-seed1.report']);
  } finally {
    mod._load = original;
  }
});
