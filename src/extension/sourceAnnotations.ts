// Per-line statistics in the editor for kernel C sources: a CodeLens summary over
// kvm_vcpu_on_spin and the PLE handlers, end-of-line counts and a gutter heat mark on every
// site line, a hover with the per-vCPU breakdown. Follows the active run and edits
// (debounced); files without the functions are left alone.

import * as vscode from 'vscode';
import type { SiteName } from '../core/analysis/sites';
import { annotate, siteLabel, type Annotation, type SiteStat } from '../core/source/annotate';
import { recognize, type Recognition } from '../core/source/recognizer';
import { perfProbeCommands } from '../core/source/probeCommands';
import type { RunRegistry } from './runRegistry';
import { COMPARISON_VIEW } from './comparisonView';

/** The lens over a function whose run is of another kernel shape; the sentence is its tooltip and in every hover. */
const MISMATCH_LENS = "⚠ the run's kernel differs from this file";

export interface ShownLine {
  /** 1-based. */
  line: number;
  text: string;
  heat: number;
}

interface Cached {
  version: number;
  recognition: Recognition;
  annotation: Annotation;
}

export class SourceAnnotations implements vscode.CodeLensProvider, vscode.HoverProvider, vscode.Disposable {
  private readonly cache = new Map<string, Cached>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly text: vscode.TextEditorDecorationType;
  private readonly heat: vscode.TextEditorDecorationType[];
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** What each document's editors show now: the extension's API hands it to tests and tools. */
  private readonly shown = new Map<string, ShownLine[]>();

  constructor(
    context: vscode.ExtensionContext,
    private readonly registry: RunRegistry,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.text = vscode.window.createTextEditorDecorationType({
      after: { margin: '0 0 0 2em', color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic' },
    });
    this.heat = [1, 2, 3, 4].map((level) =>
      vscode.window.createTextEditorDecorationType({
        gutterIconPath: context.asAbsolutePath(`media/heat-${level}.svg`),
        gutterIconSize: 'contain',
        overviewRulerColor: `rgba(232, 113, 10, ${0.2 * level})`,
        overviewRulerLane: vscode.OverviewRulerLane.Right,
      }),
    );
    this.disposables.push(
      this.text,
      ...this.heat,
      this.lensesChanged,
      registry.onDidChange(() => this.refreshAll()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refreshAll()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.languageId !== 'c') return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.refreshAll(), 300);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        this.cache.delete(doc.uri.toString());
        this.shown.delete(doc.uri.toString());
      }),
    );
  }

  /** Recognition and annotation of a document, recomputed only when it changed. */
  annotationOf(doc: vscode.TextDocument): Cached | null {
    if (doc.languageId !== 'c') return null;
    const key = doc.uri.toString();
    const run = this.registry.active;
    let cached = this.cache.get(key);
    if (!cached || cached.version !== doc.version) {
      const text = doc.getText();
      const recognition = recognize(text);
      cached = { version: doc.version, recognition, annotation: annotate(text, run?.stats ?? null, recognition) };
      this.cache.set(key, cached);
      const name = vscode.workspace.asRelativePath(doc.uri);
      if (recognition.functions.length === 0) this.log.debug(`${name}: nothing to annotate (${recognition.notes.join('; ')})`);
      else if (recognition.missing.length) this.log.info(`${name}: sites not found: ${recognition.missing.join(', ')}`);
    }
    return cached.recognition.functions.length ? cached : null;
  }

  private refreshAll(): void {
    this.cache.clear();
    for (const editor of vscode.window.visibleTextEditors) this.decorate(editor);
    this.lensesChanged.fire();
  }

  decorate(editor: vscode.TextEditor): void {
    const cached = this.annotationOf(editor.document);
    const text: vscode.DecorationOptions[] = [];
    const heat: vscode.Range[][] = [[], [], [], []];
    if (cached) {
      const a = cached.annotation;
      const base = a.sites['on_spin.entry']?.count ?? a.sites['handle_pause.entry']?.count ?? null;
      const byLine = new Map<number, string[]>();
      let max = 0;
      for (const [site, stat] of Object.entries(a.sites) as [SiteName, SiteStat][]) {
        const label = siteLabel(site, stat, base);
        if (!label) continue;
        byLine.set(stat.line, [...(byLine.get(stat.line) ?? []), label]);
        max = Math.max(max, stat.count ?? 0);
      }
      for (const [line, labels] of byLine) {
        const range = editor.document.lineAt(Math.min(line - 1, editor.document.lineCount - 1)).range;
        text.push({ range, renderOptions: { after: { contentText: `  ${labels.join(' · ')}` } } });
      }
      for (const [site, stat] of Object.entries(a.sites) as [SiteName, SiteStat][]) {
        if (!stat.count || !max || site === 'on_spin.entry') continue;
        const level = Math.min(3, Math.floor((4 * stat.count) / (max + 1)));
        heat[level].push(editor.document.lineAt(Math.min(stat.line - 1, editor.document.lineCount - 1)).range);
      }
    }
    editor.setDecorations(this.text, text);
    this.heat.forEach((type, i) => editor.setDecorations(type, heat[i]));
    const shown: ShownLine[] = text.map((d) => ({ line: d.range.start.line + 1, text: d.renderOptions!.after!.contentText!.trim(), heat: 0 }));
    heat.forEach((ranges, i) => {
      for (const r of ranges) {
        const at = shown.find((s) => s.line === r.start.line + 1);
        if (at) at.heat = Math.max(at.heat, i + 1);
      }
    });
    this.shown.set(editor.document.uri.toString(), shown.sort((p, q) => p.line - q.line));
  }

  /** The end-of-line texts and heat levels (1–4, 0 for none) now shown on a document. */
  shownLines(uri: string): ShownLine[] {
    return this.shown.get(uri) ?? [];
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const cached = this.annotationOf(doc);
    if (!cached) return [];
    const lenses: vscode.CodeLens[] = [];
    const run = this.registry.active;
    const a = cached.annotation;
    for (const f of cached.recognition.functions) {
      if (!['kvm_vcpu_on_spin', 'handle_pause', 'pause_interception'].includes(f.name)) continue;
      const range = new vscode.Range(f.line - 1, 0, f.line - 1, 0);
      const title = run ? summaryTitle(f.name, a) : 'KVM Spin: no run loaded';
      lenses.push(new vscode.CodeLens(range, { title, command: run ? '' : 'kvmSpin.openTrace' }));
      if (a.kernelMismatch && f.name === 'kvm_vcpu_on_spin') lenses.push(new vscode.CodeLens(range, { title: MISMATCH_LENS, command: '', tooltip: a.kernelMismatch }));
      // The comparison of the runs loaded (the view offers "Simulate…" when there are none).
      lenses.push(new vscode.CodeLens(range, { title: 'Compare policies', command: `${COMPARISON_VIEW}.focus` }));
      lenses.push(new vscode.CodeLens(range, { title: run ? `Switch run… (${run.label})` : 'Switch run…', command: 'kvmSpin.switchRun' }));
    }
    return lenses;
  }

  provideHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const cached = this.annotationOf(doc);
    if (!cached) return undefined;
    const line = position.line + 1;
    const here = (Object.entries(cached.annotation.sites) as [SiteName, SiteStat][]).filter(([, s]) => s.line === line);
    if (here.length === 0) return undefined;
    const md = new vscode.MarkdownString();
    md.isTrusted = false;
    const a = cached.annotation;
    if (a.kernelMismatch) md.appendMarkdown(`${MISMATCH_LENS}: ${escapeMarkdown(a.kernelMismatch)}\n\n`);
    const entries = a.sites['on_spin.entry']?.count ?? null;
    for (const [site, stat] of here) {
      const share = entries && stat.count !== null && site.startsWith('on_spin.') && site !== 'on_spin.entry' ? `; ${Math.round((100 * stat.count) / entries)} % of the ${entries.toLocaleString('en-US')} entries of kvm_vcpu_on_spin` : '';
      md.appendMarkdown(`**${site}** — ${stat.count === null ? 'no count in the active run' : `${stat.count.toLocaleString('en-US')} (from ${stat.source}${share})`}\n\n`);
      const per = Object.entries(stat.perVcpu ?? {}).sort((p, q) => q[1] - p[1]);
      if (per.length) {
        md.appendMarkdown('| vCPU | count |\n|---|---:|\n');
        for (const [vcpu, n] of per.slice(0, 32)) md.appendMarkdown(`| ${escapeMarkdown(vcpu)} | ${n.toLocaleString('en-US')} |\n`);
        if (per.length > 32) md.appendMarkdown(`\n…and ${per.length - 32} more\n`);
        md.appendMarkdown('\n');
      }
    }
    return new vscode.Hover(md);
  }

  /** The perf probe and trace-cmd commands for the document, or null if it has no kvm_vcpu_on_spin. */
  probeCommandsFor(doc: vscode.TextDocument): string[] | null {
    const recognition = recognize(doc.getText());
    return recognition.functions.some((f) => f.name === 'kvm_vcpu_on_spin') ? perfProbeCommands(recognition) : null;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}

function summaryTitle(name: string, a: Annotation): string {
  const n = (site: SiteName) => a.sites[site]?.count?.toLocaleString('en-US') ?? '–';
  if (name === 'kvm_vcpu_on_spin') {
    const source = a.sites['on_spin.entry']?.source ?? 'no count';
    return `PAUSE exits handled ${n('on_spin.entry')} · boosts ${n('on_spin.yield_boosted')} · -ESRCH ${n('on_spin.yield_esrch')} · without a boost ${n('on_spin.exit_no_yield')} (${source})`;
  }
  return `PAUSE exits handled ${n('handle_pause.entry')} · window grown ${n('ple_window.grow')} · shrunk ${n('ple_window.shrink')}`;
}

/** Names come from traces: untrusted text, never markup. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>&]/g, (c) => `\\${c}`);
}
