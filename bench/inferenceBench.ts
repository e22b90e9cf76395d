// How good is the host-only inference? For every scenario × policy, a short simulated run is
// analysed as a host trace and its per-decision problem labels are compared with the
// simulator's truth (aligned by PAUSE-exit time and spinner thread id): true and inferred
// counts, precision and recall, beside issue 13's bar (within ±25 % of the truth; where the
// truth is 0, at most 2 % of PAUSE exits). Each run is measured twice: as recorded (yield_to
// and kvm_arch_vcpu_put probes, kvm_apic_ipi, sched events) and with the probe events stripped
// (host tracepoints only).

import { buildStateModel } from '../src/core/analysis/analyze';
import { analyzeModelRange } from '../src/core/analysis/rangeAnalysis';
import { ProblemFlag } from '../src/core/analysis/tables';
import { EventKind, EventStore } from '../src/core/trace/model';
import { BUILTIN_SCENARIOS, builtinScenario } from '../src/core/sim/scenario';
import { POLICIES, type Policy } from '../src/core/sim/policies';
import { simulate, type SimResult } from '../src/core/sim/simulator';
import type { DecisionTruth } from '../src/core/sim/decisionTruth';

const PROBLEMS = [
  ['schedulerMismatch', ProblemFlag.SchedulerMismatch],
  ['lostOpportunity', ProblemFlag.LostOpportunity],
  ['overboost', ProblemFlag.Overboost],
] as const;
type Problem = (typeof PROBLEMS)[number][0];

export const INFERENCE_SECONDS = 0.1;
const SEED = 3;
/** Issue 13's bar. */
const COUNT_TOLERANCE = 0.25;
const ZERO_TRUTH_SHARE = 0.02;

export interface ProblemFigures {
  truth: number;
  inferred: number;
  /** Decisions labelled both ways, over those inferred (null when none inferred). */
  precision: number | null;
  /** Over those truly labelled (null when the truth has none). */
  recall: number | null;
  /** The analysis' reason when it does not judge the figure. */
  notJudged: string | null;
  withinBar: boolean;
}

export interface InferenceRow {
  scenario: string;
  policy: string;
  trace: 'probes' | 'no probes';
  pleExits: number;
  /** Decisions of the truth log found among the analysis' decisions. */
  aligned: number;
  problems: Record<Problem, ProblemFigures>;
}

/** The same trace without its probe events (what a recorder without perf probe gets), or without those `only` names. */
export function withoutProbes(store: EventStore, only?: RegExp): EventStore {
  const out = new EventStore(store.length);
  for (let i = 0; i < store.length; i++) {
    const kind = store.kind[i] as EventKind;
    if (kind === EventKind.Probe && (!only || only.test(store.strings.get(store.a[i])))) continue;
    const at = out.push(store.ts[i], store.cpu[i], store.tid[i], kind, store.line[i]);
    out.a[at] = kind === EventKind.Probe ? out.strings.intern(store.strings.get(store.a[i])) : store.a[i];
    out.b[at] = kind === EventKind.KvmExit ? out.strings.intern(store.strings.get(store.b[i])) : store.b[i];
    out.c[at] = store.c[i];
    out.x[at] = store.x[i];
    out.y[at] = store.y[i];
  }
  for (const t of store.threads.values()) out.noteThread(t.tid, t.comm, t.tgid);
  out.clock = store.clock;
  return out;
}

/** Compares the analysis of `store` with the truth of the run it records. */
export function measureInference(store: EventStore, truth: DecisionTruth): Omit<InferenceRow, 'scenario' | 'policy' | 'trace'> {
  const model = buildStateModel(store);
  const result = analyzeModelRange(model, -Infinity, Infinity);
  const byKey = new Map<string, number>();
  for (let i = 0; i < truth.count; i++) byKey.set(`${truth.ts[i]}:${truth.tid[i]}`, i);
  const d = model.decisions;
  const lanes = model.lanesInfo.lanes;
  const counts = Object.fromEntries(PROBLEMS.map(([name]) => [name, { truth: 0, inferred: 0, both: 0 }])) as Record<Problem, { truth: number; inferred: number; both: number }>;
  for (let i = 0; i < truth.count; i++) for (const [name, flag] of PROBLEMS) if (truth.labels[i] & flag) counts[name].truth++;
  let aligned = 0;
  for (let i = 0; i < d.count; i++) {
    const t = byKey.get(`${d.ts[i]}:${lanes[d.spinnerLane[i]].tid}`);
    if (t !== undefined) aligned++;
    const trueLabels = t === undefined ? 0 : truth.labels[t];
    for (const [name, flag] of PROBLEMS) {
      if (!(d.problems[i] & flag)) continue;
      counts[name].inferred++;
      if (trueLabels & flag) counts[name].both++;
    }
  }
  const pleExits = result.totals.pleExits;
  const problems = {} as Record<Problem, ProblemFigures>;
  for (const [name] of PROBLEMS) {
    const c = counts[name];
    problems[name] = {
      truth: c.truth,
      inferred: c.inferred,
      precision: c.inferred > 0 ? c.both / c.inferred : null,
      recall: c.truth > 0 ? c.both / c.truth : null,
      notJudged: result.notJudged[`problems.${name}`] ?? null,
      withinBar: c.truth > 0 ? Math.abs(c.inferred - c.truth) <= COUNT_TOLERANCE * c.truth : c.inferred <= ZERO_TRUTH_SHARE * pleExits,
    };
  }
  return { pleExits, aligned, problems };
}

/** The policies measured: those that make yield decisions. */
export const INFERENCE_POLICIES = POLICIES.filter((p) => p.onSpin === 'directed' || p.onSpin === 'oracle');
/** The scenarios issue 13's bar names (with probes and IPI events). */
export const BAR_SCENARIOS = ['paper', 'lock-2vm', 'ipi-tlb'];

/** One scenario × policy run, analysed as recorded (probes) against its truth. */
export function measureRun(scenario: string, policy: Policy, seconds = INFERENCE_SECONDS): { run: SimResult; row: InferenceRow } {
  const run = simulate({ scenario: builtinScenario(scenario), policy, seed: SEED, durationNs: seconds * 1e9, record: true, truthLog: true });
  return { run, row: { scenario, policy: policy.name, trace: 'probes', ...measureInference(run.store!, run.truth!) } };
}

/** Every built-in scenario × every policy that makes yield decisions, with and without probes. */
export function inferenceTable(seconds = INFERENCE_SECONDS): InferenceRow[] {
  const rows: InferenceRow[] = [];
  for (const scenario of Object.keys(BUILTIN_SCENARIOS)) {
    for (const policy of INFERENCE_POLICIES) {
      const { run, row } = measureRun(scenario, policy, seconds);
      rows.push(row);
      rows.push({ scenario, policy: policy.name, trace: 'no probes', ...measureInference(withoutProbes(run.store!), run.truth!) });
    }
  }
  return rows;
}

const share = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(0)} %`);

function cell(p: ProblemFigures): string {
  const figures = `${p.truth} / ${p.inferred} / ${share(p.precision)} / ${share(p.recall)}`;
  if (p.notJudged) return `${figures} (not judged: ${p.notJudged})`;
  return `${figures} ${p.withinBar ? 'ok' : 'OFF'}`;
}

/** The table `--only inference` prints: true / inferred / precision / recall per problem. */
export function printInferenceTable(rows: InferenceRow[]): void {
  console.log('');
  console.log(`inference: host-only problem labels against the simulator's truth (${INFERENCE_SECONDS} s, seed ${SEED}); per problem true / inferred / precision / recall;`);
  console.log(`bar: inferred within ±${COUNT_TOLERANCE * 100} % of the truth, or ≤ ${ZERO_TRUTH_SHARE * 100} % of PAUSE exits where the truth is 0 (ok / OFF)`);
  console.log('| scenario | policy | trace | PAUSE exits | scheduler mismatch | lost opportunity | overboost |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.scenario} | ${r.policy} | ${r.trace} | ${r.pleExits} | ${cell(r.problems.schedulerMismatch)} | ${cell(r.problems.lostOpportunity)} | ${cell(r.problems.overboost)} |`);
  }
  const judged = (of: InferenceRow[]) => of.flatMap((r) => PROBLEMS.map(([name]) => r.problems[name]).filter((p) => !p.notJudged));
  const tally = (of: InferenceRow[]) => `${judged(of).filter((p) => p.withinBar).length} of ${judged(of).length}`;
  const barRows = rows.filter((r) => r.trace === 'probes' && BAR_SCENARIOS.includes(r.scenario));
  console.log(`judged figures within the bar: ${tally(rows)}; on ${BAR_SCENARIOS.join(', ')} with probes (the issue's bar): ${tally(barRows)}`);
}
