import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { importTraceText, TextTraceImporter } from '../../src/core/trace/textImporter';
import { EventKind, PREEMPT_FLAG, PrevState } from '../../src/core/trace/model';
import { fixture } from '../support/paths';

const load = (name: string) => importTraceText(readFileSync(fixture(name), 'utf8'));

function rows(name: string) {
  const { store } = load(name);
  const out = [];
  for (let i = 0; i < store.length; i++) {
    out.push({ kind: store.kind[i], tid: store.tid[i], cpu: store.cpu[i], ts: store.ts[i], a: store.a[i], b: store.b[i], c: store.c[i], x: store.x[i], y: store.y[i], line: store.line[i] });
  }
  return { store, rows: out };
}

test('trace-cmd plugin rendering: kvm_exit without vcpu, compact sched events, drops, others counted', () => {
  const t = load('trace-cmd-plugin.report');
  assert.equal(t.format, 'trace-cmd');
  const { store } = t;
  assert.equal(t.stats.eventLines, 16);
  assert.equal(t.stats.storedEvents, 15);
  assert.equal(t.stats.otherEvents, 1);
  assert.equal(t.stats.malformedLines, 0);
  assert.deepEqual([...store.otherEvents], [['irq_handler_entry', 1]]);
  assert.deepEqual(store.lost, [{ cpu: 1, count: 12, line: 15 }]);
  const exit = 2;
  assert.equal(store.kind[exit], EventKind.KvmExit);
  assert.equal(store.a[exit], -1);
  assert.equal(store.strings.get(store.b[exit]), 'PAUSE_INSTRUCTION');
  assert.equal(store.ts[exit], 5012000110000);
  const sw = 4;
  assert.equal(store.kind[sw], EventKind.SchedSwitch);
  assert.deepEqual([store.a[sw], store.b[sw], store.c[sw]], [3021, PrevState.Runnable, 3024]);
  assert.equal(store.threads.get(3024)?.comm, 'CPU 3/KVM');
  const shrink = 5;
  assert.deepEqual([store.a[shrink], store.b[shrink], store.x[shrink], store.y[shrink]], [3, 0, 16384, 4096]);
  const wake = 9;
  assert.deepEqual([store.kind[wake], store.a[wake], store.b[wake]], [EventKind.SchedWakeup, 3022, 1]);
  assert.equal(store.threads.get(6965)?.comm, '<...>');
  assert.equal(store.threads.get(3023)?.comm, 'CPU 2/KVM', 'kernel-format sched_waking names the woken thread');
  const mig = store.length - 1;
  assert.deepEqual([store.kind[mig], store.a[mig], store.b[mig], store.c[mig]], [EventKind.SchedMigrate, 3023, 0, 1]);
});

test('raw ftrace of a new kernel with tgid and five flag columns', () => {
  const t = load('handchecked-ftrace-tgid.txt');
  assert.equal(t.format, 'ftrace');
  assert.equal(t.stats.eventLines, 26);
  assert.equal(t.stats.storedEvents, 26);
  const { store } = t;
  assert.equal(store.threads.get(3001)?.tgid, 3000);
  assert.equal(store.threads.get(3001)?.comm, 'CPU 0/KVM');
  assert.equal(store.a[2], 1, 'kvm_exit vcpu number (5.10+ layout)');
  assert.equal(store.strings.get(store.b[2]), 'EXTERNAL_INTERRUPT');
  assert.deepEqual([store.a[3], store.b[3], store.c[3]], [3002, PrevState.Runnable | PREEMPT_FLAG, 4000]);
  assert.deepEqual([store.kind[5], store.a[5], store.b[5], store.c[5]], [EventKind.ApicIpi, 1, 251, 0]);
  assert.deepEqual([store.kind[8], store.a[8], store.b[8], store.x[8], store.y[8]], [EventKind.PleWindow, 0, 1, 4096, 8192]);
  assert.equal(store.line[0], 13);
});

test('raw ftrace of an old kernel: four flag columns, kvm_exit without vcpu, kvm_ple_window, SVM pause, LOST EVENTS', () => {
  const t = load('ftrace-old-kernel.txt');
  assert.equal(t.format, 'ftrace');
  const { store } = t;
  assert.equal(store.length, 6);
  assert.deepEqual(store.lost, [{ cpu: 3, count: 42, line: 16 }]);
  assert.deepEqual([store.kind[1], store.a[1], store.b[1], store.x[1], store.y[1]], [EventKind.PleWindow, 1, 1, 4096, 8192]);
  assert.deepEqual([store.a[5], store.b[5], store.x[5], store.y[5]], [0, 0, 8192, 4096]);
  assert.equal(store.strings.get(store.b[4]), 'pause');
  assert.equal(store.a[3], 0, 'old kvm_entry: "vcpu 0"');
});

test('perf script: groups, padded event names, SVM reasons, probes with signed return values', () => {
  const { store, rows: r } = rows('perf-script.txt');
  assert.equal(importTraceText(readFileSync(fixture('perf-script.txt'), 'utf8')).format, 'perf-script');
  assert.equal(store.length, 12);
  assert.equal(store.strings.get(r[0].b), 'pause');
  assert.deepEqual([r[1].kind, store.strings.get(r[1].a), r[1].b], [EventKind.Probe, 'kvm_vcpu_on_spin', 0]);
  assert.equal(store.strings.get(r[2].a), 'kvm_vcpu_on_spin_L17');
  assert.deepEqual([store.strings.get(r[3].a), r[3].b, r[3].x], ['yield_to', 0, 5004]);
  assert.deepEqual([store.strings.get(r[4].a), r[4].b, r[4].x], ['yield_to__return', 1, -3]);
  assert.equal(store.threads.get(5004)?.comm, 'fc_vcpu 1');
  assert.deepEqual([r[11].kind, r[11].a, r[11].b, r[11].x], [EventKind.VcpuWakeup, 1, 1, 29000]);
  assert.deepEqual([r[9].kind, r[9].a, r[9].b], [EventKind.ApicAcceptIrq, 1, 251]);
});

test('ftrace kprobe events: function, line and return probes', () => {
  const { store, rows: r } = rows('ftrace-kprobes.txt');
  assert.deepEqual(
    r.filter((e) => e.kind === EventKind.Probe).map((e) => [store.strings.get(e.a), e.b, e.x]),
    [
      ['kvm_vcpu_on_spin', 0, NaN],
      ['kvm_vcpu_on_spin_L17', 0, NaN],
      ['yield_to', 0, 5004],
      ['yield_to__return', 1, 1],
    ],
  );
});

test('CRLF line ends and a truncated last line', () => {
  const text = readFileSync(fixture('trace-cmd-plugin.report'), 'utf8');
  const crlf = importTraceText(text.replace(/\n/g, '\r\n'));
  assert.equal(crlf.stats.crlf, true);
  assert.equal(crlf.store.length, 15);
  assert.equal(crlf.store.threads.get(3021)?.comm, 'CPU 0/KVM');
  const truncated = importTraceText(text.trimEnd().slice(0, -12));
  assert.equal(truncated.store.length, 15, 'the cut irq line is still an (other) event line');
  const cutPayload = importTraceText(text.split('\n').slice(0, 5).join('\n').slice(0, -58));
  assert.equal(cutPayload.stats.malformedPayloads, 1);
  assert.deepEqual(cutPayload.stats.firstMalformedPayloadLines, [5]);
});

test('UTF-8 thread names survive the latin1 decoding', () => {
  const t = importTraceText('  vcpu-é/KVM-77 [000] 1.000000: kvm_entry: vcpu 0\n');
  assert.equal(t.store.threads.get(77)?.comm, 'vcpu-é/KVM');
});

test('a thread renamed, or given its tgid, after its CPU ran another thread: the store follows every line', () => {
  // Each line's thread is cached per CPU and per thread id; every step here takes one of those
  // caches and must still see a changed name or a tgid met for the first time.
  const steps: [line: string, comm: string, tgid: number][] = [
    ['   CPU 0/KVM-100   [000] d..2.   10.000001: kvm_entry: vcpu 0', 'CPU 0/KVM', -1],
    ['       other-200   [000] d..2.   10.000002: kvm_entry: vcpu 1', 'CPU 0/KVM', -1],
    ['   CPU 0/KVM-100   [001] d..2.   10.000003: kvm_entry: vcpu 0', 'CPU 0/KVM', -1],
    ['     renamed-100   [000] d..2.   10.000004: kvm_entry: vcpu 0', 'renamed', -1],
    ['   CPU 0/KVM-100   [001] d..2.   10.000005: kvm_entry: vcpu 0', 'CPU 0/KVM', -1],
    ['       other-200   [001] d..2.   10.000006: kvm_entry: vcpu 1', 'CPU 0/KVM', -1],
    ['   CPU 0/KVM-100 (   99) [001] d..2.   10.000007: kvm_entry: vcpu 0', 'CPU 0/KVM', 99],
    ['   CPU 0/KVM-100   [000] d..2.   10.000008: kvm_entry: vcpu 0', 'CPU 0/KVM', 99],
  ];
  const importer = new TextTraceImporter();
  for (const [k, [line, comm, tgid]] of steps.entries()) {
    importer.push(Buffer.from(`${line}\n`));
    const thread = importer.store.threads.get(100);
    assert.deepEqual([thread?.comm, thread?.tgid], [comm, tgid], `after line ${k + 1}`);
  }
  assert.equal(importer.finish().stats.storedEvents, steps.length);
});
