// Per-line statistics: the counts of the active run placed on the lines the recognizer
// found. Every count says where it came from: the simulator's site counters, perf-probe line
// probes, function/return probes, or events the trace has (kvm_exit, kvm_ple_window_update)
// and decisions inferred from them.

import type { SiteName } from '../analysis/sites';
import type { AnalysisResult } from '../analysis/analyze';
import { recognize, type KernelShape, type Recognition } from './recognizer';

export type CountSource = 'simulator' | 'line probe' | 'function probe' | 'kvm_exit events' | 'kvm_ple_window_update events' | 'inferred decisions';

export interface SiteStat {
  line: number;
  count: number | null;
  source: CountSource | null;
  /** Count per vCPU ("vm/vcpu N"), where the source has it. */
  perVcpu?: Record<string, number>;
}

export interface Annotation {
  function: string | null;
  kernelShape: KernelShape | null;
  sites: Partial<Record<SiteName, SiteStat>>;
  missing: SiteName[];
  /** Line probes that fell on no site line: still shown on their line. */
  lineCounts: Record<number, { count: number; source: CountSource }>;
  notes: string[];
  runLabel: string | null;
}

/** The simulator's per-site counters, as run files carry them. */
export interface SimSiteCounts {
  label: string;
  vcpus: { vm: string; vcpu: number }[];
  sites: Partial<Record<SiteName, number[]>>;
}

export type RunStats = { kind: 'simulator'; counts: SimSiteCounts } | { kind: 'trace'; label: string; analysis: AnalysisResult };

const LINE_PROBE = /^kvm_vcpu_on_spin_L(\d+)$/;

export function annotate(source: string, run: RunStats | null, recognition: Recognition = recognize(source)): Annotation {
  const r = recognition;
  const onSpin = r.functions.find((f) => f.name === 'kvm_vcpu_on_spin') ?? null;
  const sites: Partial<Record<SiteName, SiteStat>> = {};
  for (const [site, line] of Object.entries(r.sites) as [SiteName, number][]) sites[site] = { line, count: null, source: null };
  const lineCounts: Annotation['lineCounts'] = {};
  const notes = [...r.notes];
  if (run?.kind === 'simulator') {
    for (const [site, stat] of Object.entries(sites) as [SiteName, SiteStat][]) {
      const perVcpuCounts = run.counts.sites[site];
      if (!perVcpuCounts) continue;
      stat.count = perVcpuCounts.reduce((a, b) => a + (b ?? 0), 0);
      stat.source = 'simulator';
      stat.perVcpu = {};
      perVcpuCounts.forEach((n, i) => {
        if (n) stat.perVcpu![`${run.counts.vcpus[i].vm}/vcpu ${run.counts.vcpus[i].vcpu}`] = n;
      });
    }
  } else if (run?.kind === 'trace') {
    const a = run.analysis;
    const set = (site: SiteName, count: number, source: CountSource, perVcpu?: Record<string, number>) => {
      const stat = sites[site];
      if (stat && stat.count === null) Object.assign(stat, { count, source, perVcpu });
    };
    // 1. Line probes: perf probe -L numbers lines from the function's first line (0).
    if (onSpin) {
      for (const [name, count] of Object.entries(a.probes)) {
        const m = LINE_PROBE.exec(name);
        if (!m) continue;
        const line = onSpin.line + Number(m[1]);
        const site = (Object.entries(sites) as [SiteName, SiteStat][]).find(([, s]) => s.line === line);
        if (site) set(site[0], count, 'line probe');
        else lineCounts[line] = { count, source: 'line probe' };
      }
    }
    // 2. Function and return probes.
    for (const [site, count] of Object.entries(a.sites) as [SiteName, number][]) set(site, count, 'function probe');
    // 3. What the events say directly, then the decisions inferred from them.
    const per = (pick: (v: AnalysisResult['vms'][number]['vcpus'][number]) => number) => {
      const out: Record<string, number> = {};
      for (const vm of a.vms) for (const v of vm.vcpus) if (pick(v)) out[`${vm.id}/vcpu ${v.vcpu}`] = pick(v);
      return out;
    };
    set('handle_pause.entry', a.totals.pleExits, 'kvm_exit events', per((v) => v.pleExits));
    set('on_spin.entry', a.totals.pleExits, 'kvm_exit events', per((v) => v.pleExits));
    const grows = a.vms.reduce((n, vm) => n + vm.vcpus.reduce((m, v) => m + (v.window?.grows ?? 0), 0), 0);
    const shrinks = a.vms.reduce((n, vm) => n + vm.vcpus.reduce((m, v) => m + (v.window?.shrinks ?? 0), 0), 0);
    if (grows + shrinks > 0) {
      set('ple_window.grow', grows, 'kvm_ple_window_update events', per((v) => v.window?.grows ?? 0));
      set('ple_window.shrink', shrinks, 'kvm_ple_window_update events', per((v) => v.window?.shrinks ?? 0));
    }
    if (a.inference !== 'not judged') {
      // Judged here (sched events or probes); an outcome the trace cannot tell (null) adds nothing.
      const n = (x: number | null) => x ?? 0;
      const d = a.decisions;
      set('on_spin.yield_boosted', n(d.boostedRan) + n(d.boostedNotRun), 'inferred decisions', per((v) => n(v.decisions.boostedRan) + n(v.decisions.boostedNotRun)));
      if (a.inference === 'yield_to probes') set('on_spin.yield_esrch', n(d.esrch), 'inferred decisions', per((v) => n(v.decisions.esrch)));
      set('on_spin.exit_no_yield', n(d.esrch) + n(d.notBoosted) + n(d.noCandidate), 'inferred decisions', per((v) => n(v.decisions.esrch) + n(v.decisions.notBoosted) + n(v.decisions.noCandidate)));
    } else {
      notes.push('the trace has no scheduler events, so yield outcomes could not be placed on lines');
    }
  }
  return {
    function: onSpin?.name ?? r.functions.find((f) => f.name === 'handle_pause' || f.name === 'pause_interception')?.name ?? null,
    kernelShape: r.shape,
    sites,
    missing: r.missing,
    lineCounts,
    notes,
    runLabel: run ? (run.kind === 'simulator' ? run.counts.label : run.label) : null,
  };
}

/** The JSON of `kvm-spin annotate --json`. */
export function toAnnotateJson(a: Annotation) {
  return {
    function: a.function,
    kernelShape: a.kernelShape,
    run: a.runLabel,
    sites: Object.fromEntries((Object.entries(a.sites) as [SiteName, SiteStat][]).map(([site, s]) => [site, { line: s.line, count: s.count, source: s.source, perVcpu: s.perVcpu }])),
    lineCounts: a.lineCounts,
    missing: a.missing,
    notes: a.notes,
  };
}

/** perf annotate style: each line of the recognized functions with its count in the margin. */
export function formatAnnotated(source: string, a: Annotation, recognition: Recognition): string {
  const lines = source.split(/\r?\n/);
  const byLine = new Map<number, { count: number | null; sites: string[]; source: CountSource | null }>();
  for (const [site, s] of Object.entries(a.sites) as [SiteName, SiteStat][]) {
    const entry = byLine.get(s.line) ?? { count: null, sites: [], source: null };
    entry.sites.push(site);
    if (s.count !== null) {
      entry.count = Math.max(entry.count ?? 0, s.count);
      entry.source = s.source;
    }
    byLine.set(s.line, entry);
  }
  for (const [line, c] of Object.entries(a.lineCounts)) byLine.set(Number(line), { count: c.count, sites: [], source: c.source });
  const out: string[] = [];
  out.push(`${a.function ?? 'no kvm_vcpu_on_spin or PLE handler found'}${a.runLabel ? `  (run: ${a.runLabel})` : ''}`);
  const sources = new Set([...byLine.values()].map((e) => e.source).filter(Boolean));
  if (sources.size) out.push(`counts from: ${[...sources].join(', ')}`);
  for (const f of recognition.functions) {
    if (!['kvm_vcpu_on_spin', 'handle_pause', 'pause_interception', 'grow_ple_window', 'shrink_ple_window'].includes(f.name)) continue;
    const entryLine = f.name === 'kvm_vcpu_on_spin' ? a.sites['on_spin.entry'] : undefined;
    const base = entryLine?.count ?? null;
    out.push('');
    for (let n = f.line; n <= Math.min(f.endLine, lines.length); n++) {
      const e = byLine.get(n);
      let margin = ''.padStart(22);
      if (e?.count !== null && e?.count !== undefined) {
        const share = base && f.name === 'kvm_vcpu_on_spin' ? `${((100 * e.count) / base).toFixed(1)}%` : '';
        margin = `${e.count.toLocaleString('en-US').padStart(13)} ${share.padStart(7)} `;
      } else if (e) margin = `${'-'.padStart(13)} ${''.padStart(7)} `;
      out.push(`${margin}│ ${String(n).padStart(5)}  ${lines[n - 1]}${e && e.sites.length ? `   ◂ ${e.sites.join(', ')}` : ''}`);
    }
  }
  if (a.missing.length) out.push('', `not found: ${a.missing.join(', ')}`);
  for (const note of a.notes) out.push(`note: ${note}`);
  return out.join('\n') + '\n';
}
