// Many vCPU threads in one VM (issue 14): x86 KVM allows 4,096 vCPUs per VM. The boost
// targets are sparse, the views capped, and the JSON grows linearly with the vCPUs.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { importTraceText } from '../../src/core/trace/textImporter';
import { TraceSession } from '../../src/core/session';
import { toAnalyzeJson } from '../../src/core/analysis/report';
import { dashboardFromAnalysis, MAX_MATRIX_VCPUS, MAX_VCPU_ROWS } from '../../src/core/analysis/viewModel';

/** One VM of `n` vCPU threads, two rounds each: entry, PAUSE exit, IPI to the next, preempted by the one 7 further. */
function manyVcpuTrace(n: number): string {
  const lines = ['# tracer: nop', '#', '#           TASK-PID     TGID     CPU#  |||||  TIMESTAMP  FUNCTION'];
  let us = 0;
  const ts = () => `100.${String(us++).padStart(6, '0')}`;
  for (let round = 0; round < 2; round++) {
    for (let v = 0; v < n; v++) {
      const head = `CPU ${v}/KVM-${10000 + v} (   9999) [${String(v % 64).padStart(3, '0')}]`;
      const next = (v + 7) % n;
      lines.push(`${head} d..2. ${ts()}: kvm_entry: vcpu ${v}, rip 0x1`);
      lines.push(`${head} d..2. ${ts()}: kvm_exit: vcpu ${v} reason PAUSE_INSTRUCTION rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0`);
      lines.push(`${head} d..1. ${ts()}: kvm_apic_ipi: dst ${(v + 1) % n} vec 251 (Fixed|physical|assert|edge|dst)`);
      lines.push(`${head} d..2. ${ts()}: sched_switch: prev_comm=CPU ${v}/KVM prev_pid=${10000 + v} prev_prio=120 prev_state=R ==> next_comm=CPU ${next}/KVM next_pid=${10000 + next} next_prio=120`);
    }
  }
  return lines.join('\n') + '\n';
}

function open(n: number) {
  const text = manyVcpuTrace(n);
  const session = new TraceSession(importTraceText(text).store);
  const json = JSON.stringify(toAnalyzeJson({ source: 'many', format: 'ftrace', importStats: { lines: 0, eventLines: 0, malformedLines: 0, malformedPayloads: 0 } as never, analysis: session.analysis }));
  const dashboard = JSON.stringify({ type: 'dashboard', model: dashboardFromAnalysis(session.model, session.analysis, { title: 'many', format: 'ftrace' }) });
  return { inputBytes: text.length, session, json, dashboard };
}

test('4,096 and 10,000 vCPUs in one VM: JSON linear in the input, dashboard message under 1 MB, matrix and rows capped', () => {
  const small = open(4096);
  const large = open(10000);
  for (const run of [small, large]) {
    const [vm] = run.session.analysis.vms;
    assert.equal(run.session.analysis.vms.length, 1);
    assert.ok(vm.targets!.length > 0 && vm.targets!.length <= vm.vcpus.length * 2, 'sparse targets: about one per boost, never N × N');
    assert.ok(run.json.length < 2 * run.inputBytes, `JSON ${run.json.length} bytes for ${run.inputBytes} bytes of input`);
    assert.ok(run.dashboard.length < 1 << 20, `dashboard message ${run.dashboard.length} bytes`);
    const model = JSON.parse(run.dashboard).model;
    assert.equal(model.vcpus.length, MAX_VCPU_ROWS);
    assert.equal(model.vcpusOmitted.count, vm.vcpus.length - MAX_VCPU_ROWS);
    assert.equal(model.matrices[0].sources.length, MAX_MATRIX_VCPUS + 1); // the busiest, then "other"
    const boosted = model.matrices[0].boosts.flat().reduce((a: number, b: number) => a + b, 0);
    assert.equal(boosted, vm.targets!.reduce((a, t) => a + t[2], 0), 'the "other" row and column keep every boost');
  }
  // Linear: bytes of JSON per vCPU stay the same (within 5 %) from 4,096 to 10,000 vCPUs.
  const perVcpu = (r: typeof small) => r.json.length / r.session.analysis.vms[0].vcpus.length;
  assert.ok(Math.abs(perVcpu(large) / perVcpu(small) - 1) < 0.05, `${perVcpu(small)} vs ${perVcpu(large)} bytes per vCPU`);
});
