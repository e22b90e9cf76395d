// Where the host-only inference cannot be trusted (measured by bench --only inference against
// the simulator's truth), the figure is null with its reason; where it can, the per-decision
// labels match the truth.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { simulate } from '../../src/core/sim/simulator';
import { builtinScenario } from '../../src/core/sim/scenario';
import { policyByName } from '../../src/core/sim/policies';
import { writeTraceCmdText } from '../../src/core/export/traceCmdText';
import { analyzeTraceText } from '../../src/core/pipeline';
import { toAnalyzeJson } from '../../src/core/analysis/report';
import { measureInference } from '../../bench/inferenceBench';

const BOOSTS = 'needs yield_to probes to know which vCPU each PAUSE exit boosted (perf probe yield_to and yield_to%return)';
const GUEST_MODE = 'needs guest events (or a kvm_arch_vcpu_put probe of preempted_in_kernel) to know whether a preempted vCPU was in user mode';

/** The lines of one run file (simulated once for the tests of this file). */
let runFileLines: string[] | undefined;
function runFileText(keep: (line: string) => boolean): string {
  if (!runFileLines) {
    const run = simulate({ scenario: builtinScenario('ipi-tlb'), policy: policyByName('vanilla-5.6'), seed: 3, durationNs: 0.01e9, record: true });
    const parts: string[] = [];
    writeTraceCmdText(run.store!, (text) => parts.push(text));
    runFileLines = parts.join('').split('\n');
  }
  return runFileLines.filter(keep).join('\n');
}

test('a run file with its probe events stripped: the three problems are null, each with the event it needs', () => {
  const text = runFileText((line) => !/: (yield_to|yield_to__return|kvm_vcpu_on_spin|kvm_arch_vcpu_put): /.test(line));
  const json = JSON.parse(JSON.stringify(toAnalyzeJson(analyzeTraceText(text, 'stripped'))));
  assert.ok(json.totals.pleExits > 100);
  assert.deepEqual(json.problems, { schedulerMismatch: null, lostOpportunity: null, overboost: null });
  assert.equal(json.notJudged['problems.schedulerMismatch'], BOOSTS);
  assert.equal(json.notJudged['problems.lostOpportunity'], GUEST_MODE);
  assert.equal(json.notJudged['problems.overboost'], BOOSTS);
});

test('a run file with yield_to probes but no kvm_arch_vcpu_put probe: only lost opportunity is null', () => {
  const a = analyzeTraceText(runFileText((line) => !/: kvm_arch_vcpu_put: /.test(line)), 'no guest mode').analysis;
  assert.equal(a.problems.lostOpportunity, null);
  assert.equal(a.notJudged['problems.lostOpportunity'], GUEST_MODE);
  assert.ok(a.problems.schedulerMismatch! > 0 && a.problems.overboost! > 0, JSON.stringify(a.problems));
});

// Both failed before: a boost the pick passed over without a switch (a reschedule IPI that
// kept the guest running left no event) was taken as honoured by a later pick (recall 69 %),
// and an overboost was seen only when the scheduler ran its target (recall 71 %).
for (const [scenario, policy, problem] of [
  ['lock-2vm', 'vanilla-6.19', 'schedulerMismatch'],
  ['paper', 'vanilla-6.19', 'overboost'],
  ['ipi-tlb', 'ipi-aware-2025', 'overboost'],
] as const) {
  test(`${scenario}, ${policy}: inferred ${problem} labels match the truth per decision (precision and recall ≥ 95 %)`, () => {
    const run = simulate({ scenario: builtinScenario(scenario), policy: policyByName(policy), seed: 3, durationNs: 0.05e9, record: true, truthLog: true });
    const { aligned, problems } = measureInference(run.store!, run.truth!);
    assert.equal(aligned, run.truth!.count, 'every decision of the truth is found by time and thread');
    const p = problems[problem];
    assert.ok(p.truth > 20, `truth ${p.truth}`);
    assert.ok(p.precision! >= 0.95 && p.recall! >= 0.95, JSON.stringify(p));
  });
}

test('the truth log has one entry per decision of the measured run, and its labels add up to the metrics', () => {
  const run = simulate({ scenario: builtinScenario('ipi-tlb'), policy: policyByName('vanilla-5.6'), seed: 3, durationNs: 0.02e9, truthLog: true });
  const t = run.truth!;
  assert.equal(t.count, run.metrics.decisions);
  const count = (flag: number) => t.labels.filter((l) => l & flag).length;
  assert.deepEqual([count(1), count(2), count(4)], [run.metrics.problems.schedulerMismatch, run.metrics.problems.lostOpportunity, run.metrics.problems.overboost]);
  assert.equal(run.store, undefined, 'the truth log needs no recording');
});

/** A raw ftrace line of host thread `comm-tid` on `cpu` at 100 s + `us` µs. */
function line(comm: string, tid: number, cpu: number, us: number, body: string): string {
  const tgid = comm.endsWith('/KVM') ? 3000 : tid;
  return `${`${comm}-${tid}`.padStart(16)} (${String(tgid).padStart(7)}) [${String(cpu).padStart(3, '0')}] d..2. ${(100 + us / 1e6).toFixed(6)}: ${body}`;
}
const exit = (vcpu: number, us: number, reason: string) =>
  line(`CPU ${vcpu}/KVM`, 3001 + vcpu, vcpu, us, `kvm_exit: vcpu ${vcpu} reason ${reason} rip 0xffffffff81000030 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000`);
const entry = (vcpu: number, us: number) => line(`CPU ${vcpu}/KVM`, 3001 + vcpu, vcpu, us, `kvm_entry: vcpu ${vcpu}, rip 0xffffffff81000034`);
const yieldTo = (vcpu: number, us: number, targetTid: number, result: number) => [
  line(`CPU ${vcpu}/KVM`, 3001 + vcpu, vcpu, us, `yield_to: (yield_to+0x0/0x1f0) p_pid=${targetTid}`),
  line(`CPU ${vcpu}/KVM`, 3001 + vcpu, vcpu, us + 1, `yield_to__return: (kvm_vcpu_on_spin+0x12c/0x1f0 <- yield_to) arg1=0x${result.toString(16)}`),
];
const switchTo = (cpu: number, us: number, prev: [string, number], next: [string, number]) =>
  line(prev[0], prev[1], cpu, us, `sched_switch: prev_comm=${prev[0]} prev_pid=${prev[1]} prev_prio=120 prev_state=R+ ==> next_comm=${next[0]} next_pid=${next[1]} next_prio=120`);
const VCPU1: [string, number] = ['CPU 1/KVM', 3002];
const STRESS: [string, number] = ['stress', 4000];
const OTHER: [string, number] = ['other', 4001];

// vCPU 1 is queued on pCPU 1 since before the trace began: no event says where it is until it
// runs. Before, such a boost was always a mismatch (oracle on paper: 11 inferred against 1 true,
// the 10 extra in the first 0.15 ms of the run).
test('a boost of a vCPU whose pCPU the trace has not shown yet is judged where the target first runs', () => {
  const trace = (picks: string[]) =>
    ['# tracer: nop', entry(0, 0), exit(0, 20, 'PAUSE_INSTRUCTION'), ...yieldTo(0, 21, 3002, 1), ...picks, entry(1, 40), entry(0, 50)].join('\n');
  const mismatch = (picks: string[]) => analyzeTraceText(trace(picks), 't').analysis.problems.schedulerMismatch;
  assert.equal(mismatch([switchTo(1, 25, STRESS, VCPU1)]), 0, 'the first pick on its pCPU took it');
  assert.equal(mismatch([switchTo(1, 25, STRESS, OTHER), switchTo(1, 30, OTHER, VCPU1)]), 1, 'the first pick there passed it over');
  assert.equal(mismatch([switchTo(1, 25 + 60, STRESS, VCPU1)]), 1, 'it ran, but later than a pick after the boost would');
});

// KVM_HC_KICK_CPU → kvm_sched_yield → kvm_vcpu_yield_to (arch/x86/kvm/x86.c): a pv-spinlock
// unlocker's kick fires yield_to from a VMCALL exit. Before, it was taken as a second attempt
// of the spinner's last PAUSE decision and its boost re-judged at the next pick (a mismatch).
test('a yield_to probe in a VMCALL exit (a paravirtual kick) is not part of the last PAUSE decision', () => {
  const lines = [
    '# tracer: nop',
    entry(0, 0),
    exit(0, 20, 'PAUSE_INSTRUCTION'),
    ...yieldTo(0, 21, 3002, 1),
    switchTo(1, 23, STRESS, VCPU1),
    entry(1, 24),
    entry(0, 30),
    exit(0, 40, 'VMCALL'),
    line('CPU 0/KVM', 3001, 0, 40, 'kvm_hypercall: nr 0x5 a0 0x0 a1 0x2 a2 0x0 a3 0x0'),
    ...yieldTo(0, 41, 3003, 1),
    switchTo(2, 43, OTHER, STRESS),
    exit(1, 45, 'EXTERNAL_INTERRUPT'),
    switchTo(1, 46, VCPU1, OTHER),
    entry(0, 50),
  ];
  const a = analyzeTraceText(lines.join('\n'), 'kick').analysis;
  assert.equal(a.totals.pleExits, 1);
  assert.deepEqual([a.totals.yieldAttempts, a.totals.boosts, a.problems.schedulerMismatch], [1, 1, 0]);
});

// vCPU 1 halted before the trace began: its first event is its kvm_vcpu_wakeup as it returns
// from kvm_vcpu_halt. Before, a boost of such a vCPU was never an overboost (its state was
// unknown at the boost): case-mismatch under strict-boost+debooster, 1 inferred of 2 true.
test('a boosted vCPU whose first event is its kvm_vcpu_wakeup was woken from halt: the boost is an overboost', () => {
  const trace = (firstOfVcpu1: string[]) =>
    [
      '# tracer: nop',
      entry(0, 0),
      exit(0, 5, 'MSR_WRITE'),
      line('CPU 0/KVM', 3001, 0, 6, 'kvm_apic_ipi: dst 2 vec 251 (Fixed|physical|assert|edge|dst)'),
      line('<idle>', 0, 2, 7, 'sched_wakeup: comm=CPU 2/KVM pid=3003 prio=120 target_cpu=002'),
      entry(0, 8),
      exit(0, 20, 'PAUSE_INSTRUCTION'),
      ...yieldTo(0, 21, 3002, 1),
      switchTo(1, 23, STRESS, VCPU1),
      ...firstOfVcpu1,
      entry(1, 25),
      entry(0, 30),
    ].join('\n');
  const overboost = (firstOfVcpu1: string[]) => analyzeTraceText(trace(firstOfVcpu1), 't').analysis.problems.overboost;
  assert.equal(overboost([line('CPU 1/KVM', 3002, 1, 24, 'kvm_vcpu_wakeup: wait time 1230091 ns, polling valid')]), 1);
  assert.equal(overboost([]), 0, 'no kvm_vcpu_wakeup before it entered the guest: it had been preempted');
});
