// Exit statistics per reason, checked by hand against perf kvm stat's definitions.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as fc from 'fast-check';
import { analyzeTraceText } from '../../src/core/pipeline';
import { ExitTimeStats, exitStatsTable } from '../../src/core/analysis/exitStats';
import { formatExitStats } from '../../src/cli/summary';
import { fixture } from '../support/paths';

const us = 1000;

// PAUSE exits of vCPU 0: 2, 2, 461 (preempted inside), 5 µs; vCPU 1: EXTERNAL_INTERRUPT 4 → 2001
// µs (preempted), HLT 3000 → 4020 µs; vCPU 0: MSR_WRITE 10 → 13 µs. Mean of the PAUSE exits
// 117.5 µs; M2 = 115.5² + 115.5² + 343.5² + 112.5² = 157,329; stddev of the mean
// sqrt(157,329 / 3 / 4) = 114.50 µs, 97.45 % of the mean.
test('the hand-checked trace: samples, shares, min, max, mean ± relative stddev per reason, per VM and per vCPU', () => {
  const a = analyzeTraceText(readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8')).analysis;
  const round = (rows: typeof a.vms[0]['exitStats']) => rows.map((r) => [r.reason, r.samples, +r.samplesPct.toFixed(2), +r.timePct.toFixed(2), r.minNs / us, r.maxNs / us, r.meanNs / us, +r.relStddevPct.toFixed(2)]);
  assert.deepEqual(round(a.vms[0].exitStats), [
    ['PAUSE_INSTRUCTION', 4, 57.14, 13.47, 2, 461, 117.5, 97.45],
    ['EXTERNAL_INTERRUPT', 1, 14.29, 57.22, 1997, 1997, 1997, 0],
    ['HLT', 1, 14.29, 29.23, 1020, 1020, 1020, 0],
    ['MSR_WRITE', 1, 14.29, 0.09, 3, 3, 3, 0],
  ]);
  assert.deepEqual(round(a.vms[0].vcpus[0].exitStats), [
    ['PAUSE_INSTRUCTION', 4, 80, 99.37, 2, 461, 117.5, 97.45],
    ['MSR_WRITE', 1, 20, 0.63, 3, 3, 3, 0],
  ]);
  const table = formatExitStats(a).join('\n');
  assert.match(table, / +PAUSE_INSTRUCTION +4 +57\.14% +13\.47% +2\.00us +461\.00us +117\.50us \( \+- +97\.45% \)/);
  assert.match(table, /Total Samples:7, Total events handled time:3490\.00us\./);
});

test('an exit without its kvm_entry before the trace ends is not a sample (perf kvm stat skips it)', () => {
  const lines = ['  CPU 0/KVM-100 (  99) [000] 1.000000: kvm_entry: vcpu 0, rip 0x1', '  CPU 0/KVM-100 (  99) [000] 1.000010: kvm_exit: vcpu 0 reason HLT rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0'];
  const v = analyzeTraceText(lines.join('\n')).analysis.vms[0].vcpus[0];
  assert.equal(v.kvmExits, 1);
  assert.deepEqual(v.exitStats, []);
});

test('property: statistics merged across vCPUs equal those of all samples taken in one', () => {
  const samples = fc.array(fc.integer({ min: 1, max: 1e7 }), { maxLength: 40 });
  fc.assert(
    fc.property(samples, samples, (xs, ys) => {
      const whole = new ExitTimeStats();
      for (const x of [...xs, ...ys]) whole.add(x);
      const merged = new ExitTimeStats();
      const other = new ExitTimeStats();
      for (const x of xs) merged.add(x);
      for (const y of ys) other.add(y);
      merged.merge(other);
      const [w] = exitStatsTable(new Map([['R', whole]]));
      const [m] = exitStatsTable(new Map([['R', merged]]));
      if (!w) return assert.equal(m, undefined);
      assert.deepEqual([m.samples, m.minNs, m.maxNs, m.timeNs], [w.samples, w.minNs, w.maxNs, w.timeNs]);
      assert.ok(Math.abs(m.relStddevPct - w.relStddevPct) < 1e-6 * Math.max(1, w.relStddevPct));
    }),
    { numRuns: 200 },
  );
});
