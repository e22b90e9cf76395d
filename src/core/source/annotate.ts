// Per-line statistics: the counts of the active run placed on the lines the recognizer
// found. Every count says where it came from: the simulator's site counters, perf-probe line
// probes, function/return probes, or events the trace has (kvm_exit, kvm_ple_window_update)
// and decisions inferred from them.

import type { SiteName } from '../analysis/sites';
import type { AnalysisResult } from '../analysis/analyze';
import { recognize, type KernelShape, type Recognition } from './recognizer';
import { POLICIES, type Policy } from '../sim/policies';

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
  /**
   * When the run is of a policy whose kvm_vcpu_on_spin differs from this file's (a strict-boost
   * run on a vanilla 6.1 file): how, in one sentence; its counts are then the other kernel's.
   */
  kernelMismatch: string | null;
}

/** The simulator's per-site counters, as run files carry them. */
export interface SimSiteCounts {
  label: string;
  vcpus: { vm: string; vcpu: number }[];
  sites: Partial<Record<SiteName, number[]>>;
}

/** A simulated run's counts, and its policy where the run file names it. */
export type RunStats = { kind: 'simulator'; counts: SimSiteCounts; policy?: string } | { kind: 'trace'; label: string; analysis: AnalysisResult };

const STRICT_BOOST_FORM: Record<Policy['strictBoost'], KernelShape['strictBoostForm']> = { off: 'none', 'patch-0002': 'patch-0002', rfc: 'merged' };
const STRICT_BOOST_WORDS: Record<KernelShape['strictBoostForm'], string> = { none: 'no Strict Boost filter', 'patch-0002': 'Strict Boost as patch 0002 writes it', merged: "Strict Boost in the RFC's order" };

/**
 * How the walk of `policyName` differs from the kvm_vcpu_on_spin this file has, by the features
 * the recognizer reads from the file (walk, Strict Boost filter, 5.13 pending-interrupt rule);
 * null when they agree or the file does not tell. Scheduler changes (Debooster, EEVDF) are not
 * in kvm_main.c and are not compared.
 */
export function kernelMismatch(policyName: string, shape: KernelShape | null): string | null {
  const policy = POLICIES.find((p) => p.name === policyName);
  if (!policy || !shape) return null;
  if (policy.onSpin !== 'directed') return `the run is of ${policy.name}, whose PAUSE exits do not run this kvm_vcpu_on_spin (${policy.description})`;
  const differences: string[] = [];
  if (shape.walk !== 'unknown' && shape.walk !== policy.walk) differences.push(`a ${policy.walk} walk where this file has a ${shape.walk} one`);
  const form = STRICT_BOOST_FORM[policy.strictBoost];
  if (form !== shape.strictBoostForm) differences.push(`${STRICT_BOOST_WORDS[form]} where this file has ${STRICT_BOOST_WORDS[shape.strictBoostForm]}`);
  if (policy.pendingInterruptRule !== shape.pendingInterruptRule) differences.push(policy.pendingInterruptRule ? "the 5.13 pending-interrupt rule, which this file lacks" : 'no 5.13 pending-interrupt rule, which this file has');
  if (policy.ipiAwareWindowNs > 0) differences.push('the 2025 IPI-aware walk, which this file does not have');
  return differences.length ? `the run is of ${policy.name}, whose kvm_vcpu_on_spin differs from this file's: ${differences.join('; ')}; its counts are that kernel's, placed on the matching lines here` : null;
}

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
    kernelMismatch: run?.kind === 'simulator' && run.policy ? kernelMismatch(run.policy, r.shape) : null,
  };
}

const VERB: Partial<Record<SiteName, string>> = {
  'on_spin.entry': 'entered',
  'on_spin.candidate': 'candidates',
  'on_spin.yield_attempt': 'yield_to called',
  'on_spin.yield_boosted': 'boosted',
  'on_spin.yield_esrch': '-ESRCH',
  'on_spin.give_up': 'gave up',
  'on_spin.exit_no_yield': 'left without a boost',
  'handle_pause.entry': 'PAUSE exits handled',
  'ple_window.grow': 'window grown',
  'ple_window.shrink': 'window shrunk',
};

/**
 * "candidates 415,295 (268 % of entries)": the count, and its share of the function's entries
 * (PAUSE exits handled) — named, since a site inside the walk's loop passes many times per entry.
 */
export function siteLabel(site: SiteName, stat: SiteStat, base: number | null): string {
  if (stat.count === null) return '';
  const verb = site.startsWith('on_spin.skip_') ? 'skipped' : (VERB[site] ?? site);
  const share = base && site.startsWith('on_spin.') && site !== 'on_spin.entry' ? ` (${Math.round((100 * stat.count) / base)} % of entries)` : '';
  return `${verb} ${stat.count.toLocaleString('en-US')}${share}`;
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
    kernelMismatch: a.kernelMismatch,
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
  const entries = a.sites['on_spin.entry']?.count;
  if (entries) out.push(`%: share of the ${entries.toLocaleString('en-US')} entries of kvm_vcpu_on_spin (a line in the walk's loop passes more than once per entry)`);
  if (a.kernelMismatch) out.push(`note: ${a.kernelMismatch}`);
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
