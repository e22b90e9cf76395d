// From a simulated run or a trace to the numbers shown on the lines of the kernel source.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { annotate, formatAnnotated, toAnnotateJson } from '../../src/core/source/annotate';
import { recognize } from '../../src/core/source/recognizer';
import { runJob } from '../../src/core/sim/run';
import { readRunFileSiteCounts } from '../../src/core/sim/runFileSites';
import { builtinScenario } from '../../src/core/sim/scenario';
import { analyzeTraceText } from '../../src/core/pipeline';
import { fixture } from '../support/paths';
import { scratchDir } from '../support/scratch';

const source = (name: string) => readFileSync(fixture(`kernel/${name}`), 'utf8');
const sum = (xs: number[] = []) => xs.reduce((a, b) => a + (b ?? 0), 0);

test('a simulated run file: the simulator counters land on the recognized lines, per vCPU too', () => {
  const dir = scratchDir('kvm-spin-annot-');
  const run = runJob({ scenario: builtinScenario('paper'), policy: 'strict-boost', seed: 2, durationNs: 0.02e9, outDir: dir });
  const counts = readRunFileSiteCounts(run.runFile!);
  assert.ok(counts);
  assert.equal(counts.label, 'paper / strict-boost / seed 2');
  const text = source('kvm_main-strict-boost.c');
  const a = annotate(text, { kind: 'simulator', counts });
  assert.equal(a.sites['on_spin.yield_attempt']?.line, 55);
  assert.equal(a.sites['on_spin.yield_attempt']?.count, run.metrics.yieldAttempts);
  assert.equal(a.sites['on_spin.entry']?.count, run.metrics.decisions);
  assert.equal(a.sites['on_spin.skip_strict_boost']?.count, sum(run.sites['on_spin.skip_strict_boost']));
  assert.equal(a.sites['on_spin.skip_strict_boost']?.line, 34);
  assert.equal(a.sites['on_spin.entry']?.source, 'simulator');
  const perVcpu = a.sites['on_spin.entry']!.perVcpu!;
  assert.equal(Object.values(perVcpu).reduce((x, y) => x + y, 0), run.metrics.decisions);
  assert.ok(Object.keys(perVcpu).every((k) => /^(lock|ipi)-[ab]\/vcpu \d$/.test(k)), Object.keys(perVcpu).join());
  const printed = formatAnnotated(text, a, recognize(text));
  assert.ok(printed.includes(`\n%: share of the ${run.metrics.decisions.toLocaleString('en-US')} entries of kvm_vcpu_on_spin (`), 'the % column names its denominator');
  const line55 = printed.split('\n').find((l) => l.includes('│    55  '))!;
  assert.match(line55, new RegExp(`^ +${run.metrics.yieldAttempts.toLocaleString('en-US')} +\\d+\\.\\d% │    55  \\t\\t\\tyielded = kvm_vcpu_yield_to\\(vcpu\\);   ◂ on_spin.yield_attempt$`));
  // A plain trace is not mistaken for a run file.
  assert.equal(readRunFileSiteCounts(fixture('handchecked-ftrace-tgid.txt')), null);
});

test('a trace: line probes by perf probe -L offset, function probes, events, each with its source', () => {
  const text = source('kvm_main-6.13.c'); // kvm_vcpu_on_spin on line 9
  const probe = (ts: number, name: string, extra = '') => `  CPU 0/KVM  5003 [002]  2500.${String(ts).padStart(6, '0')}:  probe:${name}: (ffffffffc0a1b2c3)${extra}`;
  const lines = [
    '  CPU 0/KVM  5003 [002]  2500.000001: kvm:kvm_exit: vcpu 0 reason PAUSE_INSTRUCTION rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0',
    probe(2, 'kvm_vcpu_on_spin_L27'), // line 36: skip_not_ready
    probe(3, 'kvm_vcpu_on_spin_L27'),
    probe(4, 'kvm_vcpu_on_spin_L29'), // line 38: skip_blocked
    probe(5, 'kvm_vcpu_on_spin_L20'), // line 29: no site there
    probe(6, 'yield_to', ' pid=5004'),
    probe(7, 'yield_to__return', ' arg1=0xfffffffffffffffd'),
    '  CPU 0/KVM  5003 [002]  2500.000008: kvm:kvm_entry: vcpu 0, rip 0x1',
  ];
  const trace = analyzeTraceText(lines.join('\n')).analysis;
  const a = annotate(text, { kind: 'trace', label: 'host.perf', analysis: trace });
  const json = toAnnotateJson(a);
  assert.deepEqual(json.sites['on_spin.skip_not_ready'], { line: 36, count: 2, source: 'line probe', perVcpu: undefined });
  assert.deepEqual(json.sites['on_spin.skip_blocked'], { line: 38, count: 1, source: 'line probe', perVcpu: undefined });
  assert.deepEqual(json.lineCounts, { 29: { count: 1, source: 'line probe' } });
  assert.equal(json.sites['on_spin.yield_attempt']?.count, 1);
  assert.equal(json.sites['on_spin.yield_attempt']?.source, 'function probe');
  assert.equal(json.sites['on_spin.yield_esrch']?.count, 1);
  assert.deepEqual(json.sites['on_spin.entry'], { line: 9, count: 1, source: 'kvm_exit events', perVcpu: { 'vm0/vcpu 0': 1 } });
  assert.equal(json.sites['on_spin.entry']?.source, 'kvm_exit events');
  assert.equal(json.sites['on_spin.skip_self']?.count, null);
  assert.equal(json.function, 'kvm_vcpu_on_spin');
  assert.equal(json.kernelShape?.walk, 'single');
});

test('a file without the function shows nothing and says why', () => {
  const a = annotate('static int unrelated(void)\n{\n\treturn 0;\n}\n', null);
  assert.deepEqual(toAnnotateJson(a).sites, {});
  assert.equal(a.function, null);
  assert.match(a.notes[0], /no definition of kvm_vcpu_on_spin/);
});

test("a run of another kernel shape than the file's is named, with how it differs; a matching one is not", async () => {
  const { kernelMismatch } = await import('../../src/core/source/annotate');
  const shape = (name: string) => recognize(source(name)).shape;
  // strict-boost is 5.6 + patch 0002: on a vanilla 6.6 file the filter is missing and 6.6 has the 5.13 rule.
  assert.equal(
    kernelMismatch('strict-boost', shape('kvm_main-6.6.c')),
    "the run is of strict-boost, whose kvm_vcpu_on_spin differs from this file's: Strict Boost as patch 0002 writes it where this file has no Strict Boost filter; no 5.13 pending-interrupt rule, which this file has; its counts are that kernel's, placed on the matching lines here",
  );
  assert.equal(kernelMismatch('strict-boost', shape('kvm_main-5.6-strict-boost-0002.c')), null);
  assert.match(kernelMismatch('strict-boost-rfc', shape('kvm_main-5.6-strict-boost-0002.c'))!, /Strict Boost in the RFC's order where this file has Strict Boost as patch 0002 writes it/);
  assert.equal(kernelMismatch('vanilla-5.6', shape('kvm_main-4.19.c')), null);
  assert.equal(kernelMismatch('debooster', shape('kvm_main-4.19.c')), null, 'a scheduler patch does not change kvm_main.c');
  assert.equal(kernelMismatch('vanilla-6.19', shape('kvm_main-6.13.c')), null);
  assert.match(kernelMismatch('vanilla-5.6', shape('kvm_main-6.13.c'))!, /a two-pass walk where this file has a single one/);
  assert.match(kernelMismatch('ipi-aware-2025', shape('kvm_main-6.13.c'))!, /the 2025 IPI-aware walk, which this file does not have/);
  assert.match(kernelMismatch('oracle', shape('kvm_main-6.13.c'))!, /^the run is of oracle, whose PAUSE exits do not run this kvm_vcpu_on_spin/);
  assert.equal(kernelMismatch('no-such-policy', shape('kvm_main-6.13.c')), null);
  assert.equal(kernelMismatch('strict-boost', shape('vmx-pause.c')), null);
  // annotate() carries it for a simulated run that names its policy, and the JSON too.
  const counts = { label: 'paper / strict-boost / seed 1', vcpus: [{ vm: 'a', vcpu: 0 }], sites: { 'on_spin.entry': [5] } };
  const a = annotate(source('kvm_main-6.6.c'), { kind: 'simulator', counts, policy: 'strict-boost' });
  assert.match(a.kernelMismatch!, /^the run is of strict-boost/);
  assert.equal(toAnnotateJson(a).kernelMismatch, a.kernelMismatch);
  assert.equal(annotate(source('kvm_main-6.6.c'), { kind: 'simulator', counts }).kernelMismatch, null, 'no policy named: nothing claimed');
});

test('an end-of-line share names its denominator: the entries of kvm_vcpu_on_spin', async () => {
  const { siteLabel } = await import('../../src/core/source/annotate');
  // "candidates 415,295 (268 %)" read as a share of candidates; it is of entries (PAUSE exits handled).
  assert.equal(siteLabel('on_spin.candidate', { line: 1, count: 415_295, source: 'simulator' }, 155_000), 'candidates 415,295 (268 % of entries)');
  assert.equal(siteLabel('on_spin.skip_user_mode', { line: 1, count: 31, source: 'simulator' }, 100), 'skipped 31 (31 % of entries)');
  assert.equal(siteLabel('on_spin.entry', { line: 1, count: 100, source: 'simulator' }, 100), 'entered 100');
  assert.equal(siteLabel('ple_window.grow', { line: 1, count: 7, source: 'simulator' }, 100), 'window grown 7');
  assert.equal(siteLabel('on_spin.candidate', { line: 1, count: null, source: null }, 100), '');
});
