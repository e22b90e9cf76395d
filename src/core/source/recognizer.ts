// Finds kvm_vcpu_on_spin, its helpers and the PLE handlers in kernel C source of any version
// from 4.19 to the newest (and patched copies), and the line of each site (DESIGN.md names)
// by statement: comments are blanked, conditions are read whole across lines and matched
// after whitespace is normalized. Never by line number; a site not found is reported missing.

import type { SiteName } from '../analysis/sites';

export const ON_SPIN_SITES: SiteName[] = [
  'on_spin.entry',
  'on_spin.candidate',
  'on_spin.skip_not_ready',
  'on_spin.skip_self',
  'on_spin.skip_blocked',
  'on_spin.skip_user_mode',
  'on_spin.skip_not_eligible',
  'on_spin.yield_attempt',
  'on_spin.yield_boosted',
  'on_spin.yield_esrch',
  'on_spin.give_up',
  'on_spin.exit_no_yield',
];

export const HELPERS = ['kvm_vcpu_eligible_for_directed_yield', 'vcpu_dy_runnable', 'kvm_vcpu_yield_to'] as const;
export const PLE_FUNCTIONS = ['handle_pause', 'pause_interception', 'grow_ple_window', 'shrink_ple_window'] as const;

export interface FunctionSpan {
  name: string;
  /** 1-based line of the function's name (perf probe -L counts from here). */
  line: number;
  endLine: number;
  /** False when the closing brace was not found (a half-edited file). */
  complete: boolean;
}

export interface KernelShape {
  walk: 'two-pass' | 'single' | 'unknown';
  readyFlag: 'ready' | 'preempted' | 'unknown';
  blockingCheck: 'swait_active' | 'rcuwait_active' | 'kvm_vcpu_is_blocking' | 'none';
  inKernelCheck: 'kvm_arch_vcpu_in_kernel' | 'kvm_arch_vcpu_preempted_in_kernel' | 'none';
  pendingInterruptRule: boolean;
  strictBoostPatch: boolean;
  /**
   * patch-0002: the ready check replaced by `if (!preempted) { if (!(ready && my bit)) … }` (as
   * sslab-keio/ple-kvm's patch 0002 writes it); merged: one filter testing preempted and the IPI
   * bit together (the RFC's order); none: no Strict Boost.
   */
  strictBoostForm: 'patch-0002' | 'merged' | 'none';
  /** ipi-relaxed: a user-mode candidate holding my IPI bit is not skipped (Strict Boost). */
  userModeFilter: 'vanilla' | 'ipi-relaxed';
}

export interface Recognition {
  functions: FunctionSpan[];
  /** Site -> 1-based line, for the sites found. */
  sites: Partial<Record<SiteName, number>>;
  missing: SiteName[];
  shape: KernelShape | null;
  /** Why something was not found (for the log), one line each. */
  notes: string[];
}

/**
 * Replaces comments, string and char literals with spaces, keeping every offset and newline.
 * Built from slices, so that memory stays a small multiple of the source (a 100 MB file).
 */
export function blankComments(source: string): string {
  const parts: string[] = [];
  let copied = 0; // source before this offset is in parts
  const blank = (from: number, to: number) => {
    parts.push(source.slice(copied, from), source.slice(from, to).replace(/[^\n]/g, ' '));
    copied = to;
  };
  const n = source.length;
  let i = 0;
  while (i < n) {
    const c = source[i];
    const d = source[i + 1];
    if (c === '/' && d === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && d === '/') {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      blank(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      // The quotes stay; the text between them (escapes included) goes, up to the end of the line.
      const quote = c;
      let j = i + 1;
      while (j < n && source[j] !== quote && source[j] !== '\n') j += source[j] === '\\' && j + 1 < n && source[j + 1] !== '\n' ? 2 : 1;
      blank(i + 1, Math.min(j, n));
      i = j + 1;
    } else i++;
  }
  parts.push(source.slice(copied));
  return parts.join('');
}

class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  /** 1-based line of an offset. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

function matchingClose(text: string, open: number, openChar: string, closeChar: string, limit = text.length): number {
  let depth = 0;
  for (let i = open; i < limit; i++) {
    const c = text[i];
    if (c === openChar) depth++;
    else if (c === closeChar && --depth === 0) return i;
  }
  return -1;
}

/** Function definitions (not declarations) of `name`: name ( params ) { body }. */
function findFunction(clean: string, lines: LineIndex, name: string): { span: FunctionSpan; bodyStart: number; bodyEnd: number } | null {
  const re = new RegExp(`\\b${name}\\s*\\(`, 'g');
  for (let m = re.exec(clean); m; m = re.exec(clean)) {
    const open = clean.indexOf('(', m.index);
    const close = matchingClose(clean, open, '(', ')');
    if (close < 0) continue;
    let k = close + 1;
    while (k < clean.length && /\s/.test(clean[k])) k++;
    if (clean[k] !== '{') continue; // a call or a declaration
    // A definition starts a line with its return type: reject calls inside other statements.
    const lineStart = clean.lastIndexOf('\n', m.index) + 1;
    const before = clean.slice(lineStart, m.index);
    if (/[=(,;]|return\b/.test(before)) continue;
    const end = matchingClose(clean, k, '{', '}');
    const bodyEnd = end < 0 ? clean.length : end;
    return {
      span: { name, line: lines.lineOf(m.index), endLine: lines.lineOf(bodyEnd), complete: end >= 0 },
      bodyStart: k + 1,
      bodyEnd,
    };
  }
  return null;
}

interface Statement {
  kind: 'if' | 'else-if' | 'for' | 'macro-loop' | 'expr';
  /** Normalized condition / header / expression text. */
  text: string;
  offset: number;
}

const norm = (s: string) => s.replace(/\s+/g, ' ').replace(/\(\s+/g, '(').replace(/\s+\)/g, ')').trim();

/** The if / else-if conditions, loop headers and expression statements of a body. */
function statements(clean: string, start: number, end: number): Statement[] {
  const out: Statement[] = [];
  const re = /\b(else\s+if|if|for|kvm_for_each_vcpu)\s*\(/g;
  re.lastIndex = start;
  for (let m = re.exec(clean); m && m.index < end; m = re.exec(clean)) {
    const open = clean.indexOf('(', m.index);
    const close = matchingClose(clean, open, '(', ')', end);
    if (close < 0) continue;
    const word = m[1].replace(/\s+/g, ' ');
    const kind = word === 'else if' ? 'else-if' : word === 'if' ? 'if' : word === 'for' ? 'for' : 'macro-loop';
    out.push({ kind, text: norm(clean.slice(open + 1, close)), offset: m.index });
  }
  // Expression statements: text between ; { } that is not a control header.
  const exprRe = /[;{}]\s*([^;{}]+);/g;
  exprRe.lastIndex = start - 1;
  for (let m = exprRe.exec(clean); m && m.index < end; m = exprRe.exec(clean)) {
    // The closing ';' may open the next statement.
    exprRe.lastIndex = m.index + m[0].length - 1;
    const text = norm(m[1]);
    if (/^(if|for|while|else|switch|return\b)/.test(text)) continue;
    out.push({ kind: 'expr', text, offset: m.index + m[0].indexOf(m[1]) });
  }
  return out.sort((p, q) => p.offset - q.offset);
}

type Rule = (s: Statement) => boolean;

const RULES: [SiteName, Rule][] = [
  ['on_spin.candidate', (s) => s.kind === 'macro-loop' || (s.kind === 'for' && /\bnr_vcpus\b/.test(s.text))],
  ['on_spin.skip_not_ready', (s) => s.kind === 'if' && /^!\s*(READ_ONCE\()?\s*vcpu->(ready|preempted)\)?$/.test(s.text)],
  ['on_spin.skip_self', (s) => s.kind === 'if' && /^(vcpu == me|me == vcpu|idx == me->vcpu_idx|i == me->vcpu_idx)$/.test(s.text)],
  ['on_spin.skip_blocked', (s) => s.kind === 'if' && /(swait_active|rcuwait_active|kvm_vcpu_is_blocking)\b/.test(s.text) && /(vcpu_dy_runnable|kvm_arch_vcpu_runnable)\b/.test(s.text)],
  ['on_spin.skip_user_mode', (s) => s.kind === 'if' && /\byield_to_kernel_mode\b/.test(s.text) && /in_kernel\b/.test(s.text)],
  ['on_spin.skip_not_eligible', (s) => s.kind === 'if' && /^!\s*kvm_vcpu_eligible_for_directed_yield\(vcpu\)$/.test(s.text)],
  ['on_spin.skip_strict_boost', (s) => s.kind === 'if' && /ipi/.test(s.text) && /\bpreempted\b/.test(s.text) && !/yield_to_kernel_mode/.test(s.text)],
  ['on_spin.yield_attempt', (s) => s.kind === 'expr' && /^yielded = kvm_vcpu_yield_to\(vcpu\)$/.test(s.text)],
  ['on_spin.yield_boosted', (s) => s.kind === 'if' && /^yielded > 0$/.test(s.text)],
  ['on_spin.yield_esrch', (s) => s.kind === 'else-if' && /^yielded < 0\b/.test(s.text)],
  ['on_spin.give_up', (s) => (s.kind === 'if' && /^!\s*try$/.test(s.text)) || (s.kind === 'else-if' && /!\s*--\s*try\b/.test(s.text))],
];

/** A statement among the few after `from` (the body of a block that opens there). */
function soonAfter(stmts: Statement[], from: number, rule: Rule, within = 3): Statement | undefined {
  return stmts.slice(from + 1, from + 1 + within).find(rule);
}

/**
 * Patch 0002 splits Strict Boost over nested statements: `if (!READ_ONCE(vcpu->preempted)) {
 * ipi_received = …; if (!(READ_ONCE(vcpu->ready) && !!(ipi_received & …))) { …; continue; } }`,
 * and `if (yield_to_kernel_mode && !kvm_arch_vcpu_in_kernel(vcpu)) { if (!(… ipi_received …))
 * continue; }`. The sites are the inner `if`s, where the `continue` is.
 */
function strictBoostPatchSites(stmts: Statement[]): { filter?: Statement; relaxedUserMode?: Statement } {
  const out: { filter?: Statement; relaxedUserMode?: Statement } = {};
  const head = stmts.findIndex((s) => s.kind === 'if' && /^!\s*(READ_ONCE\()?\s*vcpu->preempted\)?$/.test(s.text));
  if (head >= 0) out.filter = soonAfter(stmts, head, (s) => s.kind === 'if' && /ipi_received/.test(s.text) && /vcpu->ready\b/.test(s.text));
  const userMode = stmts.findIndex((s) => s.kind === 'if' && /\byield_to_kernel_mode\b/.test(s.text) && /in_kernel\b/.test(s.text) && !/ipi_received/.test(s.text));
  if (userMode >= 0) out.relaxedUserMode = soonAfter(stmts, userMode, (s) => s.kind === 'if' && /ipi_received/.test(s.text) && !/vcpu->ready\b/.test(s.text), 1);
  return out;
}

/** The text of the user-mode filter and the two statements after it (where a relaxation would be). */
function userModeBlock(stmts: Statement[]): string {
  const at = stmts.findIndex((s) => s.kind === 'if' && /\byield_to_kernel_mode\b/.test(s.text) && /in_kernel\b/.test(s.text));
  return at < 0 ? '' : stmts.slice(at, at + 3).map((s) => s.text).join(' ');
}

export function recognize(source: string): Recognition {
  const clean = blankComments(source);
  const lines = new LineIndex(clean);
  const notes: string[] = [];
  const functions: FunctionSpan[] = [];
  const sites: Partial<Record<SiteName, number>> = {};
  let shape: KernelShape | null = null;

  const onSpin = findFunction(clean, lines, 'kvm_vcpu_on_spin');
  if (onSpin) {
    functions.push(onSpin.span);
    if (!onSpin.span.complete) notes.push(`kvm_vcpu_on_spin at line ${onSpin.span.line} has no closing brace; sites were searched to the end of the file`);
    sites['on_spin.entry'] = onSpin.span.line;
    const stmts = statements(clean, onSpin.bodyStart, onSpin.bodyEnd);
    for (const [site, rule] of RULES) {
      const hit = stmts.find(rule);
      if (hit) sites[site] = lines.lineOf(hit.offset);
    }
    // give_up in the single walk shares the line of the -ESRCH branch: `else if (yielded < 0 && !--try)`.
    const patch = strictBoostPatchSites(stmts);
    if (patch.filter) {
      // The `if (!preempted)` is the head of the IPI-bit filter, not a ready check: 0002 has none.
      delete sites['on_spin.skip_not_ready'];
      sites['on_spin.skip_strict_boost'] = lines.lineOf(patch.filter.offset);
    }
    if (patch.relaxedUserMode) sites['on_spin.skip_user_mode'] = lines.lineOf(patch.relaxedUserMode.offset);
    const exitCall = stmts.filter((s) => s.kind === 'expr' && /^kvm_vcpu_set_in_spin_loop\(me, false\)$/.test(s.text)).pop();
    if (exitCall) sites['on_spin.exit_no_yield'] = lines.lineOf(exitCall.offset);
    const body = norm(clean.slice(onSpin.bodyStart, onSpin.bodyEnd));
    shape = {
      walk: /kvm_for_each_vcpu\s*\(/.test(body) && /\bpass\b/.test(body) ? 'two-pass' : /% nr_vcpus/.test(body) ? 'single' : 'unknown',
      readyFlag: /vcpu->ready\b/.test(body) ? 'ready' : /!\s*(READ_ONCE\()?\s*vcpu->preempted\b/.test(body) ? 'preempted' : 'unknown',
      blockingCheck: /rcuwait_active/.test(body) ? 'rcuwait_active' : /swait_active/.test(body) ? 'swait_active' : /kvm_vcpu_is_blocking/.test(body) ? 'kvm_vcpu_is_blocking' : 'none',
      inKernelCheck: /kvm_arch_vcpu_preempted_in_kernel/.test(body) ? 'kvm_arch_vcpu_preempted_in_kernel' : /kvm_arch_vcpu_in_kernel/.test(body) ? 'kvm_arch_vcpu_in_kernel' : 'none',
      pendingInterruptRule: /kvm_arch_dy_has_pending_interrupt/.test(body),
      strictBoostPatch: sites['on_spin.skip_strict_boost'] !== undefined,
      strictBoostForm: patch.filter ? 'patch-0002' : sites['on_spin.skip_strict_boost'] !== undefined ? 'merged' : 'none',
      userModeFilter: patch.relaxedUserMode || /ipi_received/.test(userModeBlock(stmts)) ? 'ipi-relaxed' : 'vanilla',
    };
  } else {
    notes.push('no definition of kvm_vcpu_on_spin in this file (it lives in virt/kvm/kvm_main.c)');
  }

  for (const name of [...HELPERS, ...PLE_FUNCTIONS]) {
    const f = findFunction(clean, lines, name);
    if (f) functions.push(f.span);
  }
  const handler = functions.find((f) => f.name === 'handle_pause' || f.name === 'pause_interception');
  if (handler) sites['handle_pause.entry'] = handler.line;
  const grow = functions.find((f) => f.name === 'grow_ple_window');
  if (grow) sites['ple_window.grow'] = grow.line;
  const shrink = functions.find((f) => f.name === 'shrink_ple_window');
  if (shrink) sites['ple_window.shrink'] = shrink.line;

  const missing: SiteName[] = [];
  if (onSpin) {
    const absent = shape?.strictBoostForm === 'patch-0002' ? new Set<SiteName>(['on_spin.skip_not_ready']) : new Set<SiteName>();
    for (const site of ON_SPIN_SITES) if (sites[site] === undefined && !absent.has(site)) missing.push(site);
  }
  if (handler || grow || shrink) {
    for (const site of ['handle_pause.entry', 'ple_window.grow', 'ple_window.shrink'] as SiteName[]) if (sites[site] === undefined) missing.push(site);
  }
  return { functions: functions.sort((p, q) => p.line - q.line), sites, missing, shape, notes };
}
