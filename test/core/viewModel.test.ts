import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildDashboard } from '../../src/core/analysis/viewModel';
import { importTraceText } from '../../src/core/trace/textImporter';
import { parseHostMessage, parseWebviewMessage } from '../../src/shared/protocol';
import { fixture } from '../support/paths';

const us = 1000;
const t0 = 100_000_000 * us; // 100.000000 s

test('dashboard of the hand-checked trace: binned series, rows, matrix, episodes', () => {
  const { store } = importTraceText(readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8'));
  const m = buildDashboard(store, { title: 't', format: 'ftrace', bins: 4 });
  assert.deepEqual([m.traceStartNs, m.traceEndNs, m.rangeStartNs, m.rangeEndNs], [t0, t0 + 4020 * us, t0, t0 + 4020 * us]);
  assert.equal(m.pleExitsOverTime.binNs, 1005 * us + 1);
  assert.deepEqual(m.pleExitsOverTime.values, [3, 0, 0, 1]);
  assert.deepEqual(m.windowOverTime.values, [16384, 0, 0, 0]);
  assert.deepEqual(m.totals, { events: 26, kvmExits: 7, pleExits: 4, boosts: 2, yieldAttempts: 4, episodes: 1, lostEvents: 0 });
  assert.deepEqual(m.vcpus.map((v) => [v.vm, v.vcpu, v.comm, v.pleExits, v.boostedRan, v.boostedNotRun, v.notBoosted]), [
    ['vm-3000', 0, 'CPU 0/KVM', 4, 1, 1, 2],
    ['vm-3000', 1, 'CPU 1/KVM', 0, 0, 0, 0],
  ]);
  // Only the vCPUs with boosts (it was the full square with zeros).
  assert.deepEqual(m.matrices, [{ vm: 'vm-3000', sources: ['vCPU 0'], targets: ['vCPU 1'], boosts: [[1]], judged: true }]);
  assert.equal(m.vcpusOmitted, null);
  assert.deepEqual(m.episodes, [{ vm: 'vm-3000', vcpu: 0, startNs: t0 + 20 * us, endNs: t0 + 501 * us, pleExits: 3, firstLine: 20, lastLine: 26 }]);
});

test('a time range filters every aggregate', () => {
  const { store } = importTraceText(readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8'));
  const m = buildDashboard(store, { title: 't', format: 'ftrace', bins: 10, range: { startNs: t0 + 3000 * us, endNs: t0 + 5000 * us } });
  assert.deepEqual([m.rangeStartNs, m.rangeEndNs], [t0 + 3000 * us, t0 + 4020 * us]);
  assert.equal(m.totals.pleExits, 1);
  assert.equal(m.totals.events, 7);
  assert.equal(m.pleExitsOverTime.values.reduce((a, b) => a + b, 0), 1);
  assert.equal(m.episodes.length, 0);
});

test('a large trace gives a small model: bins capped, episodes capped with the total kept', () => {
  const lines: string[] = [];
  for (let i = 0; i < 20000; i++) {
    const t = (i * 7).toString().padStart(6, '0');
    lines.push(`  CPU 0/KVM-100 (  99) [000] 1.${t}: kvm_exit: vcpu 0 reason PAUSE_INSTRUCTION rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0`);
    lines.push(`  CPU 0/KVM-100 (  99) [000] 1.${(i * 7 + 1).toString().padStart(6, '0')}: kvm_entry: vcpu 0, rip 0x1`);
    if (i % 4 === 3) lines.push(`  CPU 0/KVM-100 (  99) [000] 1.${(i * 7 + 2).toString().padStart(6, '0')}: kvm_exit: vcpu 0 reason HLT rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0`);
  }
  const { store } = importTraceText(lines.join('\n'));
  const m = buildDashboard(store, { title: 'big', format: 'ftrace', bins: 500, maxEpisodes: 100 });
  assert.ok(m.pleExitsOverTime.values.length <= 500);
  assert.equal(m.pleExitsOverTime.values.reduce((a, b) => a + b, 0), 20000);
  assert.equal(m.episodes.length, 100);
  assert.equal(m.episodesTotal, 5000);
  assert.ok(JSON.stringify(m).length < 64 * 1024);
});

test('the PLE window per vCPU and per VM, not only the largest over all', () => {
  const { store } = importTraceText(readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8'));
  const m = buildDashboard(store, { title: 't', format: 'ftrace', bins: 4 });
  // vCPU 0 grew 4096 → 8192 at 21 µs and → 16384 at 31 µs, both in the first bin; vCPU 1 never changed.
  assert.deepEqual(m.windowPerVcpu, [{ vm: 'vm-3000', vcpu: 0, series: { startNs: t0, binNs: 1005 * us + 1, values: [16384, 0, 0, 0] } }]);
  assert.deepEqual(m.windowPerVm, [{ vm: 'vm-3000', series: { startNs: t0, binNs: 1005 * us + 1, values: [16384, 0, 0, 0] } }]);
});

test('per-vCPU window series are sized for the screen: at most 64 series, 16,384 values in all, the message under 1 MB', () => {
  const lines: string[] = [];
  const VCPUS = 200;
  for (let i = 0; i < 200; i++) {
    for (let v = 0; v < VCPUS; v++) {
      const ns = i * 20_000_000 + v * 1000;
      const ts = `${Math.floor(ns / 1e9) + 1}.${String(ns % 1e9).padStart(9, '0').slice(0, 6)}`;
      // vCPU v updates v + 1 times per round at most once: the busiest are the highest numbers.
      if (i % (VCPUS - v) === 0 || v >= VCPUS - 64) lines.push(`  CPU ${v}/KVM-${1000 + v} (  99) [000] d..2. ${ts}: kvm_ple_window_update: vcpu ${v} old 4096 new ${8192 + v} (growed)`);
    }
  }
  const { store } = importTraceText(lines.join('\n'));
  const m = buildDashboard(store, { title: 'big', format: 'ftrace', bins: 4000 });
  assert.equal(m.windowPerVcpu.length, 64);
  assert.deepEqual(m.windowPerVcpu.map((w) => w.vcpu), Array.from({ length: 64 }, (_, k) => VCPUS - 64 + k));
  // 64 vCPUs and 1 VM share 16,384 values: 252 bins each (about 16 ms of the 4 s).
  assert.ok(m.windowPerVcpu.every((w) => w.series.values.length === 252 && Math.max(...w.series.values) === 8192 + w.vcpu));
  assert.equal(m.windowPerVm.length, 1);
  assert.equal(Math.max(...m.windowPerVm[0].series.values), 8192 + VCPUS - 1);
  const bytes = JSON.stringify({ type: 'dashboard', model: m }).length;
  assert.ok(bytes < 1 << 20, `${bytes} bytes`);
});

test('messages are validated on receipt', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'selectRange', startNs: 1, endNs: 2 }), { type: 'selectRange', startNs: 1, endNs: 2 });
  assert.deepEqual(parseWebviewMessage({ type: 'revealLine', line: 7, extra: 'x' }), { type: 'revealLine', line: 7 });
  for (const bad of [null, 'ready', {}, { type: 'selectRange', startNs: 2, endNs: 1 }, { type: 'selectRange', startNs: 'a', endNs: 2 }, { type: 'revealLine', line: 0 }, { type: 'revealLine', line: 1.5 }, { type: 'exec', cmd: 'rm' }]) {
    assert.equal(parseWebviewMessage(bad), null, JSON.stringify(bad));
  }
  assert.equal(parseHostMessage({ type: 'dashboard', model: {} }), null);
  assert.deepEqual(parseHostMessage({ type: 'error', message: 'x' }), { type: 'error', message: 'x' });
});
