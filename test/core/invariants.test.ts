// Invariants of the state model on random traces and random ranges of the bundled sample:
// spin time is on-CPU time (never more than guest + host), no share exceeds 100 %, and the
// state intervals of a vCPU never overlap and cover its lifetime.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { importTraceText } from '../../src/core/trace/textImporter';
import { TraceSession } from '../../src/core/session';
import { rowFromAnalysis } from '../../src/core/analysis/comparison';
import type { AnalysisResult } from '../../src/core/analysis/analyze';
import { ROOT } from '../support/paths';

const HEADER = '# tracer: nop\n#\n#           TASK-PID     TGID     CPU#  |||||  TIMESTAMP  FUNCTION\n';
const VCPUS = 3;
const OTHER_TASK = 5000;

interface Step {
  kind: 'exit' | 'entry' | 'switch' | 'wakeup';
  vcpu: number;
  other: number;
  cpu: number;
  reason: 'PAUSE_INSTRUCTION' | 'HLT' | 'MSR_WRITE';
  prevState: 'R' | 'R+' | 'S';
  dtUs: number;
}

const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('exit', 'entry', 'switch', 'wakeup'),
  vcpu: fc.integer({ min: 0, max: VCPUS - 1 }),
  other: fc.integer({ min: -2, max: VCPUS - 1 }),
  cpu: fc.integer({ min: 0, max: 1 }),
  reason: fc.constantFrom('PAUSE_INSTRUCTION', 'PAUSE_INSTRUCTION', 'HLT', 'MSR_WRITE'),
  prevState: fc.constantFrom('R', 'R+', 'S'),
  dtUs: fc.integer({ min: 0, max: 300 }),
});

/** Raw ftrace text of random vCPU events (consistent or not: the model must hold either way). */
function traceText(steps: Step[]): string {
  const lines: string[] = [];
  let us = 0;
  const task = (v: number) => (v === -1 ? ['<idle>', 0] : v === -2 ? ['stress', OTHER_TASK] : [`CPU ${v}/KVM`, 3001 + v]) as [string, number];
  for (const s of steps) {
    us += s.dtUs;
    const ts = `100.${String(us).padStart(6, '0')}`;
    const [comm, pid] = task(s.vcpu);
    const head = `${comm.padStart(16)}-${pid} (   3000) [00${s.cpu}] d..2. ${ts}:`;
    if (s.kind === 'exit') lines.push(`${head} kvm_exit: vcpu ${s.vcpu} reason ${s.reason} rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0`);
    else if (s.kind === 'entry') lines.push(`${head} kvm_entry: vcpu ${s.vcpu}, rip 0x1`);
    else if (s.kind === 'switch') {
      const [nextComm, nextPid] = task(s.other);
      lines.push(`${head} sched_switch: prev_comm=${comm} prev_pid=${pid} prev_prio=120 prev_state=${s.prevState} ==> next_comm=${nextComm} next_pid=${nextPid} next_prio=120`);
    } else lines.push(`          <idle>-0 (-------) [00${s.cpu}] dNh2. ${ts}: sched_wakeup: comm=${comm} pid=${pid} prio=120 target_cpu=00${s.cpu}`);
  }
  return HEADER + lines.join('\n') + '\n';
}

function assertSpinOnCpu(a: AnalysisResult): void {
  for (const vm of a.vms) {
    for (const v of vm.vcpus) {
      assert.ok(v.spinTimeNs <= v.time.guest + v.time.host, `${vm.id}/vCPU ${v.vcpu}: spin ${v.spinTimeNs} > on CPU ${v.time.guest + v.time.host}`);
      assert.ok((v.preemptedInExitNs ?? 0) <= (v.time.preempted ?? 0));
      assert.ok(v.spinTimeNs + (v.preemptedInExitNs ?? 0) <= v.pleTimeNs + v.time.guest);
    }
  }
}

function assertShares(a: AnalysisResult, pcpus: number): void {
  const share = rowFromAnalysis('r', 'r', a, pcpus).spinTimeShare;
  if (share !== null) assert.ok(share >= 0 && share <= 1, `spin share ${share}`);
}

test('property: on random traces, spin ≤ on-CPU time, shares ≤ 100 %, a vCPU\'s intervals are contiguous from its first state to the end', () => {
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
      const session = new TraceSession(importTraceText(traceText(steps)).store);
      assertSpinOnCpu(session.analysis);
      for (const pcpus of [1, 2]) assertShares(session.analysis, pcpus);
      const t = session.tables.vcpuStates;
      for (let lane = 0; lane < session.tables.vcpuLanes.length; lane++) {
        const from = t.laneStart[lane];
        const to = t.laneStart[lane + 1];
        if (from === to) continue;
        for (let i = from; i < to; i++) {
          assert.ok(t.startNs[i] <= t.endNs[i], `interval ${i} ends before it starts`);
          if (i > from) assert.equal(t.startNs[i], t.endNs[i - 1], `lane ${lane}: gap or overlap at interval ${i}`);
        }
        assert.equal(t.endNs[to - 1], session.tables.endNs, `lane ${lane} ends before the trace`);
      }
    }),
    { numRuns: 300 },
  );
});

test('the bundled sample: spin ≤ on-CPU time for every vCPU, whole and in random ranges; vm0/vCPU 0 spun 2.987 ms against 2.219 ms on CPU before', () => {
  const session = new TraceSession(importTraceText(readFileSync(join(ROOT, 'samples', 'oversubscribed-4vm.report'), 'utf8')).store);
  const v0 = session.analysis.vms[0].vcpus[0];
  assert.equal(v0.time.guest + v0.time.host, 2_219_000);
  assertSpinOnCpu(session.analysis);
  assertShares(session.analysis, 8);
  const { startNs, endNs } = session.tables;
  fc.assert(
    fc.property(fc.integer({ min: startNs, max: endNs }), fc.integer({ min: startNs, max: endNs }), (x, y) => {
      const a = session.analyzeRange(Math.min(x, y), Math.max(x, y));
      assertSpinOnCpu(a);
      assertShares(a, 8);
    }),
    { numRuns: 100 },
  );
});
