// The decision tracker drops the closed decisions at the front of a VM's list once there are
// 1024 of them (compact). When that happened inside a switch-in, the candidate search used to
// index the list as it was before the cut with positions from the skip list after it: it found
// an old, closed decision, "retired" it at its old position (which is now another decision's)
// (or past the end of the skip list) and so missed the open decision the switch-in settles.
// Hand-checked traces in trace-cmd report shape, built so that the cut happens at exactly the
// switch-in that must settle it; the last test is the same kind of cut with a boost's late pick.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { analyzeTraceText } from '../../src/core/pipeline';
import { DECISION_OUTCOMES, ProblemFlag } from '../../src/core/analysis/tables';
import { DEFAULT_ANALYSIS_OPTIONS } from '../../src/core/analysis/result';

/** A trace-cmd report line of thread `comm`-`tid` on pCPU `cpu` at 5012 s + `us` µs (vCPU n is CPU n/KVM-(3001 + n)). */
function line(comm: string, tid: number, cpu: number, us: number, body: string): string {
  return `${`${comm}-${tid}`.padStart(16)} [${String(cpu).padStart(3, '0')}] d..2. ${(5012 + us / 1e6).toFixed(6)}: ${body}`;
}
const vcpuLine = (vcpu: number, us: number, body: string, cpu = vcpu) => line(`CPU ${vcpu}/KVM`, 3001 + vcpu, cpu, us, body);
const entry = (vcpu: number, us: number, cpu = vcpu) => vcpuLine(vcpu, us, `kvm_entry: vcpu ${vcpu} rip 0xffffffff81a087ea`, cpu);
const exit = (vcpu: number, us: number, reason: string, cpu = vcpu) => vcpuLine(vcpu, us, `kvm_exit: reason ${reason} rip 0xffffffff81675bd0 info 0 0`, cpu);
const pause = (vcpu: number, us: number) => exit(vcpu, us, 'PAUSE_INSTRUCTION');
/** vCPU `vcpu` is preempted on pCPU `cpu` (still runnable) by the host task `host`-tid. */
const preempted = (vcpu: number, us: number, cpu = vcpu, host = 'stress:4000') => [
  exit(vcpu, us, 'EXTERNAL_INTERRUPT', cpu),
  vcpuLine(vcpu, us + 1, `sched_switch: CPU ${vcpu}/KVM:${3001 + vcpu} [120] R ==> ${host} [120]`, cpu),
];
/** The host task stress-4000 gives pCPU `cpu` to vCPU `vcpu`, which enters the guest. */
const resumed = (vcpu: number, us: number, cpu = vcpu) => [
  line('stress', 4000, cpu, us, `sched_switch: stress:4000 [120] R ==> CPU ${vcpu}/KVM:${3001 + vcpu} [120]`),
  entry(vcpu, us + 1, cpu),
];
/** vCPU `vcpu`'s PAUSE exit at `us` boosts the vCPU with thread id `targetTid` (yield_to returns 1). */
const boost = (vcpu: number, us: number, targetTid: number) => [
  pause(vcpu, us),
  vcpuLine(vcpu, us + 1, `yield_to: (yield_to+0x0/0x1f0) arg1=${targetTid}`),
  vcpuLine(vcpu, us + 1, 'yield_to__return: (kvm_vcpu_on_spin+0x12c/0x1f0 <- yield_to) arg1=0x1'),
];

// vCPU 0 and 1 spin, vCPU 2 is the preempted candidate, vCPU 3 (and 4) exit inside the window.
// Times: the boost window is 1 ms, so at 5210 µs every decision up to 4116 µs is past it.
const WINDOW_US = DEFAULT_ANALYSIS_OPTIONS.boostWindowNs / 1000;
const EARLY_SPINS = 1025; // with vCPU 0's decision: 1026 closed at the switch-in, over compact's 1024
/** vCPU 1's i-th PAUSE exit (its kvm_entry 1 µs later; 2 µs free after it for vCPU 2's preemption). */
const spinAt = (i: number) => 20 + 4 * i;
const LAST_EARLY_US = spinAt(EARLY_SPINS - 1);
const SETTLED_US = 5200;
const SWITCH_IN_US = 5210;

/**
 * Decision 0 (vCPU 0, kept open: vCPU 0 never exits again, so nothing closes it before the
 * switch-in and no PAUSE exit's compact can drop the front), then EARLY_SPINS decisions of vCPU 1
 * (each closing the one before), then `late` (vCPU, µs) PAUSE exits inside the boost window; vCPU
 * 2, preempted since `preemptedUs`, is switched in at SWITCH_IN_US.
 */
function trace(preemptedUs: number, late: [number, number][]): string {
  const lines = ['cpus=5', ...[0, 1, 2, 3, 4].map((vcpu) => entry(vcpu, 1))];
  const early: [number, string][] = [[10, pause(0, 10)], [11, entry(0, 11)]];
  for (let i = 0; i < EARLY_SPINS; i++) early.push([spinAt(i), pause(1, spinAt(i))], [spinAt(i) + 1, entry(1, spinAt(i) + 1)]);
  const [exitAt, switchAt] = preempted(2, preemptedUs);
  early.push([preemptedUs, exitAt], [preemptedUs + 1, switchAt]);
  early.sort((a, b) => a[0] - b[0]);
  lines.push(...early.map(([, l]) => l));
  for (const [vcpu, us] of late) lines.push(pause(vcpu, us));
  lines.push(...resumed(2, SWITCH_IN_US));
  for (const [vcpu, us] of late) lines.push(entry(vcpu, us + 20 + SWITCH_IN_US - SETTLED_US));
  return lines.join('\n') + '\n';
}

/** Per decision in exit order: [spinner vCPU, target vCPU or -1, outcome]. */
function decisions(text: string): [number, number, string][] {
  const { tables } = analyzeTraceText(text, 'compaction').session;
  const d = tables.decisions;
  const vcpuOf = (lane: number) => (lane < 0 ? -1 : tables.vcpuLanes[lane].vcpu);
  return Array.from({ length: d.count }, (_, i) => [vcpuOf(d.spinnerLane[i]), vcpuOf(d.targetLane[i]), DECISION_OUTCOMES[d.outcome[i]]]);
}

/** The early decisions: vCPU 2 was ready at each exit, none of them was followed by its run in time. */
function earlyDecisions(): [number, number, string][] {
  return [[0, -1, 'notBoosted'], ...Array.from({ length: EARLY_SPINS }, (): [number, number, string] => [1, -1, 'notBoosted'])];
}

test('a switch-in that compacts the decision list settles the open decision its vCPU was a candidate of', () => {
  assert.ok(LAST_EARLY_US < SWITCH_IN_US - WINDOW_US && SETTLED_US > SWITCH_IN_US - WINDOW_US, 'the boost window splits the decisions as intended');
  const got = decisions(trace(2, [[3, SETTLED_US]]));
  assert.equal(got.length, EARLY_SPINS + 2);
  assert.deepEqual(got.at(-1), [3, 2, 'boostedRan'], 'vCPU 3 boosted vCPU 2, ready since before its exit, which ran 10 µs later');
  assert.deepEqual(got.slice(0, -1), earlyDecisions());
});

test('after the cut, the first of several open decisions is settled, the later ones stay open', () => {
  // vCPU 3 and 4 both exit inside the window, vCPU 3 first: its decision is the one vCPU 2 settles.
  const got = decisions(trace(2, [[3, SETTLED_US], [4, SETTLED_US + 2]]));
  assert.equal(got.length, EARLY_SPINS + 3);
  assert.deepEqual(got.slice(-2), [[3, 2, 'boostedRan'], [4, -1, 'notBoosted']]);
  assert.deepEqual(got.slice(0, -2), earlyDecisions());
});

test('a candidate preempted among the closed decisions still settles the open one after the cut', () => {
  // vCPU 2's ready period begins after 600 of vCPU 1's decisions: the search starts past the
  // front of the list before the cut (at a position the list after the cut does not have).
  const got = decisions(trace(spinAt(600) + 2, [[3, SETTLED_US]]));
  assert.equal(got.length, EARLY_SPINS + 2);
  assert.deepEqual(got.at(-1), [3, 2, 'boostedRan']);
  const early = got.slice(0, -1);
  assert.deepEqual(early.slice(0, 602).map((d) => d[2]), Array(602).fill('noCandidate'), 'vCPU 2 was running at those exits');
  assert.deepEqual(early.slice(602).map((d) => d[2]), Array(EARLY_SPINS - 601).fill('notBoosted'));
});

// The second point of reports/anaspeed.md: a boost waiting for the pick on its target's pCPU was
// held as a pooled object, which compact() handed to a later PAUSE exit (the last one cut is
// reused first); the stale pick then judged that new, unrelated decision. Decisions are table
// rows now, never reused: the late pick writes to the old, closed row only.
test('a pick that never came for a boost cut by compact() does not judge a later decision', () => {
  const T = 2; // queued on pCPU 5, boosted by decision D1, never runs
  const U = 3; // queued on pCPU 6, boosted by decision D2; runs on pCPU 5 instead
  const lines = ['cpus=8', entry(0, 1), entry(1, 1), entry(T, 1, 5), entry(U, 1, 6)];
  lines.push(...preempted(T, 2, 5), ...preempted(U, 2, 6, 'stress:4002'));
  for (let i = 0; i < 1024; i++) lines.push(pause(1, spinAt(i)), entry(1, spinAt(i) + 1));
  lines.push(...boost(0, 4120, 3001 + T), entry(0, 4125)); // D1
  lines.push(pause(0, 4130), entry(0, 4131)); // closes D1
  // Closes vCPU 1's last decision: 1025 closed at the front (D1 the last of them), so this
  // exit's compact() cuts them.
  lines.push(...boost(1, 4140, 3001 + U), entry(1, 4145)); // D2
  lines.push(line('stress', 4002, 6, 4150, 'sched_switch: stress:4002 [120] R ==> other:4003 [120]')); // D2's pick passes U over
  lines.push(...resumed(U, 4160, 5)); // the pick D1 waited for: U, 20 µs after D2
  const { tables } = analyzeTraceText(lines.join('\n') + '\n', 'late pick').session;
  const d = tables.decisions;
  assert.equal(d.count, 1024 + 3);
  const [d1, d2] = [1024, 1026];
  assert.deepEqual([tables.vcpuLanes[d.spinnerLane[d1]].vcpu, tables.vcpuLanes[d.spinnerLane[d2]].vcpu], [0, 1]);
  assert.equal(d.problems[d1] & ProblemFlag.SchedulerMismatch, ProblemFlag.SchedulerMismatch, 'T never ran');
  assert.equal(DECISION_OUTCOMES[d.outcome[d2]], 'boostedRan', 'U ran, on another pCPU');
  assert.equal(d.problems[d2] & ProblemFlag.SchedulerMismatch, ProblemFlag.SchedulerMismatch, "the first pick on U's pCPU after D2 chose another task");
});
