// The recognizer on fixtures written in each kernel shape: the exact line of every site.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { recognize } from '../../src/core/source/recognizer';
import { fixture } from '../support/paths';

const load = (name: string) => readFileSync(fixture(`kernel/${name}`), 'utf8');

test('4.19 shape: two passes, "preempted" as readiness, swait_active, kvm_arch_vcpu_in_kernel', () => {
  const r = recognize(load('kvm_main-4.19.c'));
  assert.deepEqual(r.sites, {
    'on_spin.entry': 21,
    'on_spin.candidate': 34,
    'on_spin.skip_not_ready': 40,
    'on_spin.skip_self': 42,
    'on_spin.skip_blocked': 44,
    'on_spin.skip_user_mode': 46,
    'on_spin.skip_not_eligible': 48,
    'on_spin.yield_attempt': 51,
    'on_spin.yield_boosted': 52,
    'on_spin.yield_esrch': 55,
    'on_spin.give_up': 57,
    'on_spin.exit_no_yield': 62,
  });
  assert.deepEqual(r.missing, []);
  assert.deepEqual(r.shape, { walk: 'two-pass', readyFlag: 'preempted', blockingCheck: 'swait_active', inKernelCheck: 'kvm_arch_vcpu_in_kernel', pendingInterruptRule: false, strictBoostPatch: false, strictBoostForm: 'none', userModeFilter: 'vanilla' });
  assert.deepEqual(r.functions.map((f) => [f.name, f.line, f.endLine]), [
    ['kvm_vcpu_eligible_for_directed_yield', 8, 19],
    ['kvm_vcpu_on_spin', 21, 66],
  ]);
});

test('5.15 shape: ready, rcuwait_active, the pending-interrupt rule, conditions over several lines, helpers', () => {
  const r = recognize(load('kvm_main-5.15.c'));
  assert.deepEqual(r.sites, {
    'on_spin.entry': 34,
    'on_spin.candidate': 46,
    'on_spin.skip_not_ready': 52,
    'on_spin.skip_self': 54,
    'on_spin.skip_blocked': 56,
    'on_spin.skip_user_mode': 59,
    'on_spin.skip_not_eligible': 63,
    'on_spin.yield_attempt': 66,
    'on_spin.yield_boosted': 67,
    'on_spin.yield_esrch': 70,
    'on_spin.give_up': 72,
    'on_spin.exit_no_yield': 77,
  });
  assert.equal(r.shape?.pendingInterruptRule, true);
  assert.equal(r.shape?.blockingCheck, 'rcuwait_active');
  assert.deepEqual(r.functions.map((f) => f.name), ['vcpu_dy_runnable', 'kvm_vcpu_yield_to', 'kvm_vcpu_on_spin']);
});

test('6.13 shape: the single modulo walk; give_up shares the -ESRCH line', () => {
  const r = recognize(load('kvm_main-6.13.c'));
  assert.deepEqual(r.sites, {
    'on_spin.entry': 9,
    'on_spin.candidate': 30,
    'on_spin.skip_not_ready': 36,
    'on_spin.skip_self': 32,
    'on_spin.skip_blocked': 38,
    'on_spin.skip_user_mode': 42,
    'on_spin.skip_not_eligible': 47,
    'on_spin.yield_attempt': 50,
    'on_spin.yield_boosted': 51,
    'on_spin.yield_esrch': 54,
    'on_spin.give_up': 54,
    'on_spin.exit_no_yield': 58,
  });
  assert.deepEqual(r.shape, { walk: 'single', readyFlag: 'ready', blockingCheck: 'kvm_vcpu_is_blocking', inKernelCheck: 'kvm_arch_vcpu_preempted_in_kernel', pendingInterruptRule: true, strictBoostPatch: false, strictBoostForm: 'none', userModeFilter: 'vanilla' });
});

test('the Strict Boost patch: its added filter is on_spin.skip_strict_boost', () => {
  const r = recognize(load('kvm_main-strict-boost.c'));
  assert.equal(r.sites['on_spin.entry'], 9);
  assert.equal(r.sites['on_spin.skip_not_ready'], 29);
  assert.equal(r.sites['on_spin.skip_self'], 31);
  assert.equal(r.sites['on_spin.skip_strict_boost'], 34);
  assert.equal(r.sites['on_spin.skip_blocked'], 40);
  assert.equal(r.sites['on_spin.skip_user_mode'], 43);
  assert.equal(r.sites['on_spin.give_up'], 61);
  assert.equal(r.shape?.strictBoostPatch, true);
  assert.equal(r.shape?.strictBoostForm, 'merged');
  assert.equal(r.shape?.userModeFilter, 'ipi-relaxed');
  assert.deepEqual(r.missing, []);
});

test('patch 0002 in its own shape: the preempted block is the IPI-bit filter, no ready check, the relaxed user-mode filter', () => {
  const r = recognize(load('kvm_main-5.6-strict-boost-0002.c'));
  // Line 35 is `if (!READ_ONCE(vcpu->preempted)) {`: the head of the filter, not a ready check.
  assert.equal(r.sites['on_spin.skip_not_ready'], undefined);
  assert.equal(r.sites['on_spin.skip_strict_boost'], 37, 'the inner if (!(ready && my bit)), where the continue is');
  assert.equal(r.sites['on_spin.skip_self'], 42);
  assert.equal(r.sites['on_spin.skip_blocked'], 44);
  assert.equal(r.sites['on_spin.skip_user_mode'], 47, 'the inner if (!(ipi_received & my bit)) of the relaxed filter');
  assert.equal(r.sites['on_spin.skip_not_eligible'], 50);
  assert.deepEqual(r.shape, { walk: 'two-pass', readyFlag: 'ready', blockingCheck: 'swait_active', inKernelCheck: 'kvm_arch_vcpu_in_kernel', pendingInterruptRule: false, strictBoostPatch: true, strictBoostForm: 'patch-0002', userModeFilter: 'ipi-relaxed' });
  assert.deepEqual(r.missing, [], 'a 0002 kernel has no ready check to miss');
});

test('vmx.c: handle_pause and the window functions; the call of kvm_vcpu_on_spin is not a definition', () => {
  const r = recognize(load('vmx-pause.c'));
  assert.deepEqual(r.sites, { 'handle_pause.entry': 43, 'ple_window.grow': 8, 'ple_window.shrink': 24 });
  assert.deepEqual(r.missing, []);
  assert.equal(r.shape, null);
  assert.ok(r.notes[0].startsWith('no definition of kvm_vcpu_on_spin'));
});

test('comments, reflowed conditions and moved lines do not change what is found', () => {
  const text = load('kvm_main-6.13.c')
    .replace('if (!READ_ONCE(vcpu->ready))', '/* ready? */ if ( ! READ_ONCE( vcpu->ready ) ) // not ready\n\t\t\t')
    .replace('if (kvm_vcpu_is_blocking(vcpu) && !vcpu_dy_runnable(vcpu))', 'if (kvm_vcpu_is_blocking(vcpu) &&\n\t\t    /* awake? */ !vcpu_dy_runnable(vcpu))');
  const r = recognize('\n\n// two new lines\n' + text);
  assert.equal(r.sites['on_spin.skip_not_ready'], 39);
  assert.equal(r.sites['on_spin.skip_blocked'], 42);
  assert.equal(r.sites['on_spin.entry'], 12);
  assert.deepEqual(r.missing, []);
});

test('a half-edited function keeps the sites still found; a file without it reports why', () => {
  const text = load('kvm_main-6.13.c');
  const cut = text.slice(0, text.indexOf('\t\tyielded = kvm_vcpu_yield_to(vcpu);'));
  const r = recognize(cut);
  assert.equal(r.functions[0].complete, false);
  assert.equal(r.sites['on_spin.skip_not_eligible'], 47);
  assert.deepEqual(r.missing, ['on_spin.yield_attempt', 'on_spin.yield_boosted', 'on_spin.yield_esrch', 'on_spin.give_up', 'on_spin.exit_no_yield']);
  assert.ok(r.notes.some((n) => n.includes('no closing brace')));
  const none = recognize('int main(void) { return 0; }\n');
  assert.deepEqual(none.sites, {});
  assert.deepEqual(none.missing, []);
  assert.deepEqual(none.functions, []);
});

test('perf probe commands: one line probe per site offset, yield_to probes, the record line', async () => {
  const { perfProbeCommands } = await import('../../src/core/source/probeCommands');
  const cmds = perfProbeCommands(recognize(load('kvm_main-6.13.c')), 5);
  assert.equal(cmds[1], "perf probe -m kvm -a 'kvm_vcpu_on_spin:0'   # on_spin.entry (line 9)");
  assert.ok(cmds.includes("perf probe -m kvm -a 'kvm_vcpu_on_spin:45'   # on_spin.yield_esrch, on_spin.give_up (line 54)"));
  assert.equal(cmds.filter((c) => c.startsWith('perf probe -m kvm')).length, 11);
  assert.match(cmds[cmds.length - 2], /^trace-cmd record .* -e 'probe:\*' sleep 5$/);
});

test('6.6 shape: two passes with kvm_vcpu_is_blocking over two lines', () => {
  const r = recognize(load('kvm_main-6.6.c'));
  assert.equal(r.sites['on_spin.skip_blocked'], 56);
  assert.deepEqual(r.missing, []);
  assert.deepEqual(r.shape, { walk: 'two-pass', readyFlag: 'ready', blockingCheck: 'kvm_vcpu_is_blocking', inKernelCheck: 'kvm_arch_vcpu_in_kernel', pendingInterruptRule: true, strictBoostPatch: false, strictBoostForm: 'none', userModeFilter: 'vanilla' });
});
