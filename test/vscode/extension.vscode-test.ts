// Inside a real VS Code's extension host (code-server here, a desktop VS Code through
// @vscode/test-electron elsewhere): activation, commands, the CodeLens provider and the
// decorations on a kvm_main.c in the 6.6 shape, the trace editor on the bundled sample, a
// simulation, and a broken file. The workspace is made by test/e2e/codeServer.ts.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { KvmSpinApi } from '../../src/extension/api';

const EXTENSION_ID = 'kvm-spin-explorer.kvm-spin-explorer';
const ws = () => vscode.workspace.workspaceFolders![0].uri;
const sample = () => vscode.Uri.joinPath(ws(), 'oversubscribed-4vm.report');
const kvmMain = () => vscode.Uri.joinPath(ws(), 'virt', 'kvm', 'kvm_main.c');

async function until<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 30_000, every = 100): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100)) ?? [];
  return lenses.map((l) => l.command?.title ?? '');
}

/** The 1-based line of the first line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `fixture has no line with ${needle}`);
  return i + 1;
}

suite('KVM Spin Explorer in a real VS Code', () => {
  let api: KvmSpinApi;

  test('activates on its own contributions only: a C file wakes it (onLanguage:c); activation measured', async () => {
    const ext = vscode.extensions.getExtension<KvmSpinApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    // Nothing has opened a C file, a trace or a command yet: no '*' activation.
    assert.equal(ext.isActive, false);
    const events: string[] = ext.packageJSON.activationEvents;
    assert.deepEqual(events, ['onLanguage:c']);
    const started = performance.now();
    const doc = await vscode.workspace.openTextDocument(kvmMain());
    assert.equal(doc.languageId, 'c');
    await until('activation by opening a C file', () => ext.isActive, 10_000, 5);
    const activateMs = performance.now() - started;
    api = ext.exports;
    assert.equal(api.apiVersion, 1);
    assert.ok(api.activationMs > 0 && api.activationMs <= api.loadAndActivateMs && api.loadAndActivateMs < activateMs);
    const out = process.env.KVM_SPIN_E2E_METRICS;
    if (out) writeFileSync(out, JSON.stringify({ openToActiveMs: activateMs, loadAndActivateMs: api.loadAndActivateMs, activateMs: api.activationMs }));
  });

  test('registers every command it contributes', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed: string[] = ext.packageJSON.contributes.commands.map((c: { command: string }) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((c) => !registered.has(c)), []);
    assert.ok(contributed.includes('kvmSpin.openTrace') && contributed.includes('kvmSpin.runSimulation'));
    // Every link of the first-use walkthrough runs a command that exists.
    const steps: { description: string }[] = ext.packageJSON.contributes.walkthroughs[0].steps;
    const linked = steps.flatMap((s) => [...s.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]));
    assert.equal(linked.length, steps.length);
    assert.deepEqual(linked.filter((c) => !registered.has(c)), []);
  });

  test('CodeLens on kvm_vcpu_on_spin asks for a run before one is loaded', async () => {
    const doc = await vscode.workspace.openTextDocument(kvmMain());
    await vscode.window.showTextDocument(doc);
    assert.equal(doc.languageId, 'c');
    assert.deepEqual(await lensTitles(doc.uri), ['KVM Spin: no run loaded', 'Compare policies', 'Switch run…']);
    assert.deepEqual(api.shownLines(doc.uri.toString()), []);
  });

  test('the walkthrough opens the bundled sample in the trace editor', async () => {
    await vscode.commands.executeCommand('kvmSpin.openSample');
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputCustom);
    assert.equal((tab.input as vscode.TabInputCustom).viewType, 'kvmSpin.traceEditor');
    assert.match((tab.input as vscode.TabInputCustom).uri.path, /\/samples\/oversubscribed-4vm\.report$/);
    await until('the bundled sample to be analysed', () => api.runs().find((r) => r.label === 'oversubscribed-4vm.report'));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('the bundled sample opens in the trace editor and becomes the active run', async () => {
    await vscode.commands.executeCommand('vscode.openWith', sample(), 'kvmSpin.traceEditor');
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputCustom, 'the active tab is a custom editor');
    assert.equal((tab.input as vscode.TabInputCustom).viewType, 'kvmSpin.traceEditor');
    const run = await until('the sample to be analysed', () => api.runs().find((r) => r.id === sample().toString()));
    assert.deepEqual(run, { id: sample().toString(), label: 'oversubscribed-4vm.report', detail: 'trace-cmd, 658 PAUSE exits', active: true });
  });

  test('kvm_main.c shows the sample run: lens, end-of-line counts and heat', async () => {
    const doc = await vscode.workspace.openTextDocument(kvmMain());
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    const text = doc.getText();
    const titles = await until('lenses with counts', async () => {
      const t = await lensTitles(doc.uri);
      return t[0]?.startsWith('PAUSE exits handled') ? t : null;
    });
    assert.deepEqual(titles, [
      'PAUSE exits handled 658 · boosts 180 · -ESRCH – · without a boost 478 (kvm_exit events)',
      'Compare policies',
      'Switch run… (oversubscribed-4vm.report)',
    ]);
    const shown = await until('decorations', () => (api.shownLines(doc.uri.toString()).length ? api.shownLines(doc.uri.toString()) : null));
    // Counts the CLI prints for the same pair (kvm-spin annotate), at the statements that carry them.
    assert.deepEqual(shown, [
      { line: lineOf(text, 'void kvm_vcpu_on_spin('), text: 'entered 658', heat: 0 },
      { line: lineOf(text, 'if (yielded > 0) {'), text: 'boosted 180 (27 % of entries)', heat: 2 },
      { line: lineOf(text, 'kvm_vcpu_set_in_spin_loop(me, false);'), text: 'left without a boost 478 (73 % of entries)', heat: 3 },
    ]);
  });

  test('a simulation run from the command becomes the active run on kvm_main.c', async () => {
    const ids = await vscode.commands.executeCommand<string[]>('kvmSpin.runSimulation', {
      scenario: 'lock-2vm',
      policies: ['vanilla-5.6', 'strict-boost+debooster'],
      seconds: 0.2,
    });
    assert.equal(ids.length, 2);
    const runs = api.runs();
    assert.deepEqual(
      runs.filter((r) => ids.includes(r.id)).map((r) => [r.label, r.active]),
      [
        ['lock-2vm / vanilla-5.6 / seed 1', false],
        ['lock-2vm / strict-boost+debooster / seed 1', true],
      ],
    );
    const doc = await vscode.workspace.openTextDocument(kvmMain());
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    const titles = await until('lenses of the simulated run', async () => {
      const t = await lensTitles(doc.uri);
      return t[0]?.endsWith('(simulator)') ? t : null;
    });
    assert.match(titles[0], /^PAUSE exits handled [\d,]+ · boosts [\d,]+ · -ESRCH [\d,]+ · without a boost [\d,]+ \(simulator\)$/);
    assert.equal(titles.at(-1), 'Switch run… (lock-2vm / strict-boost+debooster / seed 1)');
    // A Strict Boost run shown on a vanilla kvm_main.c: the lens says the kernels differ.
    assert.ok(titles.includes("⚠ the run's kernel differs from this file"), JSON.stringify(titles));
  });

  test('a bad argument to Run Simulation is refused without running anything', async () => {
    const before = api.runs().length;
    const ids = await vscode.commands.executeCommand<string[]>('kvmSpin.runSimulation', { scenario: 'no-such-scenario' });
    assert.deepEqual(ids, []);
    assert.equal(api.runs().length, before);
  });

  test('a broken file opens without a crash and adds no run', async () => {
    const before = api.runs().length;
    const lensesBefore = await lensTitles(kvmMain());
    const broken = vscode.Uri.joinPath(ws(), 'broken.trace');
    await vscode.commands.executeCommand('vscode.openWith', broken, 'kvmSpin.traceEditor');
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputCustom);
    assert.equal((tab.input as vscode.TabInputCustom).uri.toString(), broken.toString());
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(api.runs().length, before);
    // The extension still answers, with the lenses of the run it had.
    assert.deepEqual(await lensTitles(kvmMain()), lensesBefore);
  });
});
