// A figure the trace cannot judge is null with its reason in --json, the dashboard model and
// the comparison row — never a 0.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeTraceText } from '../../src/core/pipeline';
import { toAnalyzeJson } from '../../src/core/analysis/report';
import { buildDashboard } from '../../src/core/analysis/viewModel';
import { buildComparisonModel, rowFromAnalysis } from '../../src/core/analysis/comparison';
import { importTraceText } from '../../src/core/trace/textImporter';
import { fixture } from '../support/paths';

const IPI = 'needs kvm_apic_ipi events to know whom a spinner waits for (record kvm:kvm_apic_ipi)';
const SCHED = 'needs sched_switch events (record sched:sched_switch)';
const BOOSTS = 'needs yield_to probes to know which vCPU each PAUSE exit boosted (perf probe yield_to and yield_to%return)';

test('a trace with sched events but no kvm_apic_ipi: lost opportunity and overboost are null with the reason (they were 0)', () => {
  const text = readFileSync(fixture('ftrace-old-kernel.txt'), 'utf8');
  const json = JSON.parse(JSON.stringify(toAnalyzeJson(analyzeTraceText(text, 'old'))));
  assert.deepEqual(json.problems, { schedulerMismatch: null, lostOpportunity: null, overboost: null });
  assert.equal(json.notJudged['problems.schedulerMismatch'], BOOSTS);
  assert.equal(json.notJudged['problems.lostOpportunity'], IPI);
  assert.equal(json.notJudged['problems.overboost'], IPI);
  assert.equal(json.totals.ipis, null);
  const dashboard = buildDashboard(importTraceText(text).store, { title: 'old', format: 'ftrace' });
  assert.deepEqual(dashboard.problems, { schedulerMismatch: null, lostOpportunity: null, overboost: null });
  assert.equal(dashboard.notJudged['problems.overboost'], IPI);
});

test('a trace without sched events: outcomes, problems and the comparison counts are null, each with its reason', () => {
  const lines = [0, 10, 11, 20, 21].map((t, i) =>
    i % 2 ? `  CPU 0/KVM-100 (  99) [000] 1.0000${String(t).padStart(2, '0')}: kvm_exit: vcpu 0 reason PAUSE_INSTRUCTION rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0` : `  CPU 0/KVM-100 (  99) [000] 1.0000${String(t).padStart(2, '0')}: kvm_entry: vcpu 0, rip 0x1`,
  );
  const a = analyzeTraceText(lines.join('\n')).analysis;
  assert.equal(a.totals.pleExits, 2);
  const row = rowFromAnalysis('t', 't', a, 1);
  assert.deepEqual([row.boosts, row.noBoost, row.esrch, row.problems.schedulerMismatch, row.problems.overboost], [null, null, null, null, null]);
  const model = buildComparisonModel([row], ['t'], null);
  const [r] = model.rows;
  assert.deepEqual(r.counts, { pleExits: 2, yieldAttempts: null, boosts: null, schedulerMismatch: null, lostOpportunity: null, overboost: null });
  assert.equal(r.notJudged.boosts, SCHED);
  assert.equal(r.notJudged.schedulerMismatchPerSecond, SCHED);
  assert.equal(r.values[model.metrics.findIndex((m) => m.key === 'schedulerMismatchPerSecond')], null);
});
