// `kvm-spin export`, in-process through main(argv, io): the hand-checked trace's tracks in both
// formats, and bad arguments refused with one line and exit code 2; one spawned smoke test.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceType } from '../src/core/export/perfettoProto';
import { cliInProcess, cliSpawned } from './support/cli';
import { fixture } from './support/paths';
import { scratchDir } from './support/scratch';

const cli = (...args: string[]) => cliInProcess(args);

test('export --format json: the hand-checked trace as Chrome trace events', async () => {
  const out = join(scratchDir('kvm-spin-export-'), 'trace.json');
  const r = await cli('export', fixture('handchecked-ftrace-tgid.txt'), '--format', 'json', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const events = (JSON.parse(readFileSync(out, 'utf8')) as { traceEvents: { ph: string; name: string; tid: number; args?: { name?: string; line?: number } }[] }).traceEvents;
  assert.deepEqual(events.filter((e) => e.name === 'thread_name' && e.tid < 1 << 30).map((e) => e.args!.name), ['vCPU 0 (CPU 0/KVM)', 'vCPU 1 (CPU 1/KVM)']);
  // Four PAUSE exits (lines 20, 23, 26, 35), each with its raw line.
  assert.deepEqual(events.filter((e) => e.ph === 'i' && e.name === 'PAUSE exit').map((e) => e.args!.line), [20, 23, 26, 35]);
  // vCPU 0 preempted by the switch on line 27 until the switch on line 29 back to it.
  assert.ok(events.some((e) => e.ph === 'X' && e.tid === 3001 && e.name === 'preempted' && e.args!.line === 27));
  assert.ok(events.some((e) => e.ph === 'X' && e.name === 'stress-4001'));
});

test('smoke: the built export writes the hand-checked trace as a Perfetto trace', () => {
  const out = join(scratchDir('kvm-spin-export-'), 'trace.perfetto-trace');
  const r = cliSpawned('export', fixture('handchecked-ftrace-tgid.txt'), '--format', 'perfetto', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const trace = TraceType.toObject(TraceType.decode(readFileSync(out)), { longs: Number }) as { packet: { trackDescriptor?: { thread?: { tid: number } }; trackEvent?: { name?: string } }[] };
  assert.deepEqual(trace.packet.filter((p) => p.trackDescriptor?.thread).map((p) => p.trackDescriptor!.thread!.tid), [3001, 3002]);
  assert.equal(trace.packet.filter((p) => p.trackEvent?.name === 'PAUSE exit').length, 4);
});

test('export refuses bad arguments with one line and exit 2, leaving no file', async () => {
  const dir = scratchDir('kvm-spin-export-');
  for (const args of [
    ['export', fixture('handchecked-ftrace-tgid.txt'), '--format', 'xml', '--out', join(dir, 'x')],
    ['export', fixture('handchecked-ftrace-tgid.txt'), '--out', join(dir, 'x')],
    ['export', join(dir, 'missing.report'), '--format', 'json', '--out', join(dir, 'x')],
    ['export', fixture('handchecked-ftrace-tgid.txt'), '--format', 'json', '--out', join(dir, 'no', 'such', 'dir')],
  ]) {
    const r = await cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], /^kvm-spin: /);
  }
  assert.equal(existsSync(join(dir, 'x')), false);
});
