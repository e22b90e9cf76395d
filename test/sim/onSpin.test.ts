// kvm_vcpu_on_spin's candidate walk on small hand-made VMs: the target, the sites passed (in
// order, with the candidate each concerns) and the state the walk leaves behind.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { walkOnSpin, type OnSpinVcpu, type WalkPolicy } from '../../src/core/sim/kvm/onSpin';
import { SITES } from '../../src/core/analysis/sites';

interface V extends OnSpinVcpu<V> {
  id: number;
  ready: boolean;
  preempted: boolean;
  preemptedInKernel: boolean;
  blocked: boolean;
  inSpinLoop: boolean;
  pending: boolean;
  ipiFrom: Set<V>;
  recentIpiFrom: Map<V, number>;
}

function vm(n: number): V[] {
  return Array.from({ length: n }, (_, id) => ({
    id,
    ready: false,
    preempted: false,
    preemptedInKernel: true,
    blocked: false,
    inSpinLoop: false,
    dyEligible: false,
    pending: false,
    ipiFrom: new Set<V>(),
    recentIpiFrom: new Map<V, number>(),
  }));
}
/** Preempted in kernel mode: passes every filter of a vanilla kernel. */
const preempt = (v: V, inKernel = true) => Object.assign(v, { ready: true, preempted: true, preemptedInKernel: inKernel });

const v56: WalkPolicy = { walk: 'two-pass', pendingInterruptRule: false, strictBoost: 'off', ipiAwareWindowNs: 0 };
const v619: WalkPolicy = { ...v56, walk: 'single', pendingInterruptRule: true };
const rfc: WalkPolicy = { ...v56, strictBoost: 'rfc' };
const patch0002: WalkPolicy = { ...v56, strictBoost: 'patch-0002' };

function walk(vcpus: V[], me: number, lastBoosted: number, policy: WalkPolicy, results: Record<number, number> = {}) {
  const sites: string[] = [];
  const asked: number[] = [];
  const out = walkOnSpin<V>({
    vcpus,
    me: vcpus[me],
    lastBoosted,
    policy,
    now: 0,
    yieldTo: (v) => (asked.push(v.id), results[v.id] ?? 1),
    pendingInterrupt: (v) => v.pending,
    site: (id, c) => sites.push(c ? `${SITES[id].slice(8)}:${c.id}` : SITES[id].slice(8)),
  });
  return { target: out.target?.id ?? null, yielded: out.yielded, lastBoosted: out.lastBoosted, sites, asked };
}

test('two-pass walk starts after last_boosted_vcpu and stops at the first boost', () => {
  const vcpus = vm(4);
  preempt(vcpus[3]);
  preempt(vcpus[1]);
  const r = walk(vcpus, 0, 1, v56);
  assert.deepEqual(r.sites, ['candidate:2', 'skip_not_ready:2', 'candidate:3', 'yield_attempt:3', 'yield_boosted:3']);
  assert.deepEqual([r.target, r.lastBoosted], [3, 3]);
});

test('two-pass walk: the second pass wraps to the vCPUs up to last_boosted_vcpu, me skipped after the ready check', () => {
  const vcpus = vm(4);
  preempt(vcpus[0]); // me is ready too (it was preempted before); the self check comes second
  preempt(vcpus[1]);
  const r = walk(vcpus, 0, 2, v56);
  assert.deepEqual(r.sites, ['candidate:3', 'skip_not_ready:3', 'candidate:0', 'skip_self:0', 'candidate:1', 'yield_attempt:1', 'yield_boosted:1']);
  assert.deepEqual([r.target, r.lastBoosted], [1, 1]);
});

test('two-pass quirk: an -ESRCH as the last result of the first pass cancels the second (!yielded is false)', () => {
  const vcpus = vm(4);
  preempt(vcpus[3]);
  preempt(vcpus[1]); // would be boosted in the second pass
  const r = walk(vcpus, 0, 1, v56, { 3: -3 });
  assert.deepEqual(r.asked, [3]);
  assert.deepEqual(r.sites, ['candidate:2', 'skip_not_ready:2', 'candidate:3', 'yield_attempt:3', 'yield_esrch:3', 'exit_no_yield']);
  assert.deepEqual([r.target, r.lastBoosted], [null, 1]);
});

test('three -ESRCH results spend every try: give_up', () => {
  const vcpus = vm(5);
  for (const i of [1, 2, 3, 4]) preempt(vcpus[i]);
  const r = walk(vcpus, 0, 0, v619, { 1: -3, 2: -3, 3: -3, 4: 1 });
  assert.deepEqual(r.asked, [1, 2, 3]);
  assert.deepEqual(r.sites.slice(-2), ['give_up', 'exit_no_yield']);
  assert.equal(r.target, null);
});

test('single walk (6.13+): idx = (start + i) % n, self checked before ready', () => {
  const vcpus = vm(3);
  preempt(vcpus[0]);
  const r = walk(vcpus, 1, 2, v619, { 0: 0 });
  // start = 3 % 3 = 0 → 0 (yield_to returns 0), 1 (me), 2 (not ready)
  assert.deepEqual(r.sites, ['candidate:0', 'yield_attempt:0', 'candidate:1', 'skip_self:1', 'candidate:2', 'skip_not_ready:2', 'exit_no_yield']);
  assert.deepEqual([r.target, r.lastBoosted], [null, 2]);
});

test('a blocked vCPU and a user-mode preempted vCPU are skipped; 5.13 accepts user mode with a pending interrupt', () => {
  const vcpus = vm(4);
  Object.assign(vcpus[1], { ready: true, blocked: true });
  preempt(vcpus[2], false);
  const vanilla = walk(vcpus, 0, 0, v56, { 3: 1 });
  assert.deepEqual(vanilla.sites, ['candidate:1', 'skip_blocked:1', 'candidate:2', 'skip_user_mode:2', 'candidate:3', 'skip_not_ready:3', 'candidate:0', 'skip_not_ready:0', 'exit_no_yield']);
  vcpus[2].pending = true;
  assert.equal(walk(vcpus, 0, 0, v56).target, null, 'without the 5.13 rule a pending interrupt does not matter');
  assert.equal(walk(vcpus, 0, 0, { ...v56, pendingInterruptRule: true }).target, 2);
});

test('dy_eligible: a candidate in its own spin loop is passed over every other time', () => {
  const vcpus = vm(2);
  preempt(vcpus[1]).inSpinLoop = true;
  const first = walk(vcpus, 0, 0, v56);
  assert.deepEqual(first.sites.slice(0, 2), ['candidate:1', 'skip_not_eligible:1']);
  assert.equal(vcpus[1].dyEligible, true, 'the walk toggles dy_eligible');
  assert.equal(walk(vcpus, 0, 0, v56).target, 1);
  assert.equal(vcpus[1].dyEligible, false);
});

test('Strict Boost (RFC order): a woken (ready, not preempted) vCPU without my IPI bit is skipped and gets my bit', () => {
  const vcpus = vm(3);
  vcpus[1].ready = true; // woken from halt by an interrupt: ready but not preempted
  const r = walk(vcpus, 0, 0, rfc);
  assert.deepEqual(r.sites.slice(0, 2), ['candidate:1', 'skip_strict_boost:1']);
  assert.ok(vcpus[1].ipiFrom.has(vcpus[0]));
  assert.equal(walk(vcpus, 0, 0, rfc).target, 1, 'eligible the next time');
  assert.equal(walk(vm(3).map((v, i) => (i === 1 ? Object.assign(v, { ready: true }) : v)), 0, 0, v56).target, 1, 'vanilla boosts the woken vCPU (overboost)');
});

test('Strict Boost (RFC order): a user-mode preempted vCPU is accepted once it received my IPI', () => {
  const vcpus = vm(2);
  preempt(vcpus[1], false);
  assert.equal(walk(vcpus, 0, 0, rfc).target, null);
  assert.ok(vcpus[1].ipiFrom.has(vcpus[0]), 'the skip sets my bit');
  assert.equal(walk(vcpus, 0, 0, rfc).target, 1);
});

test('2025 series: a recent IPI receiver of mine is tried before the walk', () => {
  const vcpus = vm(4);
  preempt(vcpus[1]);
  preempt(vcpus[3]);
  vcpus[3].recentIpiFrom.set(vcpus[0], 0);
  const r = walk(vcpus, 0, 0, { ...v619, ipiAwareWindowNs: 50_000_000 });
  assert.deepEqual(r.asked, [3]);
  assert.equal(r.target, 3);
  assert.equal(r.lastBoosted, 0, 'the IPI-aware pass does not move last_boosted_vcpu');
});

test('Strict Boost (patch 0002): the ready check becomes "not preempted → needs ready and my bit"; running vCPUs and me get my bit', () => {
  const vcpus = vm(3);
  vcpus[2].ready = true; // woken from halt
  const r = walk(vcpus, 0, 0, patch0002);
  assert.deepEqual(r.sites, ['candidate:1', 'skip_strict_boost:1', 'candidate:2', 'skip_strict_boost:2', 'candidate:0', 'skip_strict_boost:0', 'exit_no_yield']);
  assert.deepEqual(vcpus.map((v) => v.ipiFrom.has(vcpus[0])), [true, true, true]);
  assert.equal(walk(vcpus, 0, 0, patch0002).target, 2, 'the woken vCPU now carries my bit');
});

test('Strict Boost (patch 0002): a user-mode candidate without my bit is skipped and gets no bit; with my IPI it is boosted', () => {
  const vcpus = vm(2);
  preempt(vcpus[1], false);
  assert.equal(walk(vcpus, 0, 0, patch0002).target, null);
  assert.equal(vcpus[1].ipiFrom.has(vcpus[0]), false, 'unlike the RFC, the user-mode skip sets no bit');
  assert.equal(walk(vcpus, 0, 0, patch0002).target, null, 'so it is skipped again');
  vcpus[1].ipiFrom.add(vcpus[0]); // mark_ipi_receiver(): I sent it an IPI while it was scheduled out
  assert.equal(walk(vcpus, 0, 0, patch0002).target, 1);
});

test('Strict Boost (patch 0002): the user-mode check has no preempted guard — a woken vCPU last preempted in user mode needs my bit', () => {
  const vcpus = vm(2);
  Object.assign(vcpus[1], { ready: true, preemptedInKernel: false });
  vcpus[1].ipiFrom.add(vcpus[0]);
  assert.equal(walk(vcpus, 0, 0, patch0002).target, 1, 'ready, my bit: passes both checks');
  const vanilla = vm(2);
  Object.assign(vanilla[1], { ready: true, preemptedInKernel: false });
  assert.equal(walk(vanilla, 0, 0, v56).target, 1, 'vanilla: the preempted guard lets a woken vCPU through');
});
