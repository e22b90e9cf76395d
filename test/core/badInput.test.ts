import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importTraceFile, importTraceText, TextTraceImporter } from '../../src/core/trace/textImporter';
import { NotATraceError, type NotATraceReason } from '../../src/core/trace/sniff';
import { analyzeTraceText } from '../../src/core/pipeline';
import { scratchDir } from '../support/scratch';

const EVENT = '  CPU 0/KVM-100 [000] d..2. 1.000001: kvm_entry: vcpu 0, rip 0x1';

test('empty file, binary junk, trace.dat and plain text get one clear line naming the formats, and why', () => {
  // The reason is what callers act on (an empty guest trace is read as a guest that traced nothing), never the text.
  const cases: [Uint8Array | string, RegExp, NotATraceReason][] = [
    ['', /^empty file: expected trace-cmd report text, raw ftrace text .* perf script text, or a trace-cmd trace.dat file$/, 'no-events'],
    [new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]), /^binary data \(3 of the first 7 bytes are control characters\): expected trace-cmd report/, 'not-a-trace'],
    [new Uint8Array([0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67]), /trace-cmd binary trace\.dat/, 'not-a-trace'],
    ['hello\nthis is a README, not a trace\n', /^no trace event lines found: expected trace-cmd report text/, 'no-events'],
    [`# Notes\nwe saw\n${EVENT}\nin the log\n`.repeat(1) + 'a\nb\nc\nd\ne\nf\ng\nh\ni\n', /^only 1 of 12 lines are trace events: expected trace-cmd report text/, 'not-a-trace'],
  ];
  for (const [input, message, reason] of cases) {
    const importer = new TextTraceImporter();
    assert.throws(
      () => {
        importer.push(typeof input === 'string' ? Buffer.from(input) : input);
        importer.finish();
      },
      (err: unknown) => err instanceof NotATraceError && message.test(err.message) && !err.message.includes('\n') && err.reason === reason,
    );
  }
});

test('a large non-trace file is refused after the sniff limit instead of being read to the end', () => {
  const importer = new TextTraceImporter({ sniffLimit: 4096 });
  const prose = Buffer.from('lorem ipsum dolor sit amet\n'.repeat(200));
  assert.throws(() => {
    for (let i = 0; i < 100; i++) importer.push(prose);
  }, /no trace event line in the first 4096 bytes/);
});

test('a 10 MB line is skipped and reported; the lines around it are kept', () => {
  const huge = 'x'.repeat(10 * 1024 * 1024);
  const t = importTraceText([EVENT, huge, EVENT.replace('100', '101')].join('\n'));
  assert.equal(t.store.length, 2);
  assert.equal(t.stats.longLines, 1);
  assert.deepEqual(t.stats.firstMalformedLines, [2]);
});

test('a 10 MB line split across many chunks keeps memory bounded and the next line intact', () => {
  const importer = new TextTraceImporter();
  importer.push(Buffer.from(EVENT + '\n'));
  const block = Buffer.alloc(1 << 20, 0x61);
  for (let i = 0; i < 10; i++) importer.push(block);
  importer.push(Buffer.from('\n' + EVENT.replace('100', '101') + '\n'));
  const t = importer.finish();
  assert.equal(t.store.length, 2);
  assert.equal(t.stats.longLines, 1);
});

test('timestamps going backwards are analysed in order and reported', () => {
  const lines = [
    '  CPU 0/KVM-100 (  99) [000] 1.000010: kvm_exit: vcpu 0 reason PAUSE_INSTRUCTION rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0',
    '  CPU 0/KVM-100 (  99) [000] 1.000001: kvm_entry: vcpu 0, rip 0x1',
    '  CPU 0/KVM-100 (  99) [000] 1.000012: kvm_entry: vcpu 0, rip 0x1',
  ];
  const a = analyzeTraceText(lines.join('\n')).analysis;
  assert.ok(a.warnings[0].startsWith('1 event(s) had a timestamp earlier than the event before (first at line 2)'));
  assert.equal(a.vms[0].vcpus[0].pleTimeNs, 2000);
  assert.equal(a.vms[0].vcpus[0].time.guest, 9000);
});

test('unknown events are counted, partly malformed input gives results plus a warning with line numbers', () => {
  const text = [EVENT, 'garbage line', '  x-1 [000] 1.000002: my_custom_event: a=1', '  CPU 0/KVM-100 [000] 1.000003: kvm_exit: vcpu zero', 'more garbage', EVENT].join('\n');
  const r = analyzeTraceText(text);
  assert.equal(r.importStats.malformedLines, 2);
  assert.deepEqual(r.importStats.firstMalformedLines, [2, 5]);
  assert.equal(r.importStats.malformedPayloads, 1);
  assert.deepEqual(r.analysis.warnings.slice(0, 2), [
    '2 line(s) were not trace events and were skipped (first at line 2, 5)',
    "1 event line(s) had fields that did not match their event's format and were skipped (first at line 4)",
  ]);
  assert.equal(r.analysis.totals.events, 2);
});

test('a file read in chunks gives the same store as one string; cancellation stops the read', async () => {
  const dir = scratchDir('kvm-spin-');
  const file = join(dir, 'big.report');
  const lines: string[] = [];
  for (let i = 0; i < 60000; i++) lines.push(`  CPU ${i % 4}/KVM-${100 + (i % 4)} [00${i % 4}] d..2. ${1 + Math.floor(i / 1000)}.${String(i % 1000).padStart(3, '0')}000: kvm_entry: vcpu ${i % 4}, rip 0x1`);
  writeFileSync(file, lines.join('\n'));
  let progressCalls = 0;
  const fromFile = await importTraceFile(file, { onProgress: () => progressCalls++ });
  const fromText = importTraceText(lines.join('\n'));
  assert.equal(fromFile.store.length, 60000);
  assert.deepEqual(Array.from(fromFile.store.ts.subarray(0, 60000)), Array.from(fromText.store.ts.subarray(0, 60000)));
  assert.ok(progressCalls >= 3, `progress reported ${progressCalls} times`);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(importTraceFile(file, { signal: controller.signal }), /cancelled/);
});
