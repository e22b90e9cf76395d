// A guest's events written as a trace.dat v6 (export/guestTraceDat.ts): the reader gets every
// row back with its TRACEID and TIME_SHIFT, and Debian's trace-cmd report reads the file, moves
// it onto the host clock by TIME_SHIFT and prints each event by its format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventKind, EventStore, PrevState, PREEMPT_FLAG } from '../../src/core/trace/model';
import { writeGuestTraceDat } from '../../src/core/export/guestTraceDat';
import { EVENT_DESCRIPTORS } from '../../src/core/events/registry';
import { tracefsFormatText } from '../../src/core/events/tracefsFormat';
import { importTraceDat } from '../../src/core/trace/dat/datImporter';
import { ringPages } from '../../src/core/trace/dat/recordWriter';
import type { TimeShift } from '../../src/core/trace/dat/datOptions';
import { scratchDir } from '../support/scratch';

const TRACE_CMD = '/usr/bin/trace-cmd';
const GUEST_ID = '0x6B766D73706E0301';
const HOST_ID = '0x6B766D73706E0003';
/** Guest clock = host clock + 1 s + 123,456 ns on both CPUs. */
const SHIFT: TimeShift = { peerTraceId: HOST_ID, flags: 0, cpus: [0, 1].map(() => [{ time: 0n, offset: -1_000_123_456n, scaling: 1n, fraction: 0n }]) };

/** One row of each kind on two guest CPUs; the last comes 2^27 ns + 5 ns after the one before on its CPU. */
function guestStore(): EventStore {
  const s = new EventStore();
  s.noteThread(1000, 'worker/0');
  s.noteThread(1001, 'worker/1');
  const id = (t: string) => s.strings.intern(t);
  const row = (ts: number, cpu: number, tid: number, kind: number, a: number, b: number, c = 0) => {
    const r = s.push(ts, cpu, tid, kind as never, s.length + 1);
    [s.a[r], s.b[r], s.c[r]] = [a, b, c];
  };
  row(1_000_200_000, 0, 1000, EventKind.LockContentionBegin, id('0xffff888003a1c040'), 1);
  row(1_000_200_100, 1, 1001, EventKind.CsdQueueCpu, 0, id('flush_tlb_func'), id('0xffff88803fc08000'));
  row(1_000_200_100, 1, 1001, EventKind.IpiSendCpu, 0, id('generic_smp_call_function_single_interrupt+0x0/0x20'), id('smp_call_function_single+0xe3/0x150'));
  row(1_000_200_200, 0, 1000, EventKind.CsdFunctionEntry, id('flush_tlb_func'), id('0xffff88803fc08000'));
  row(1_000_200_300, 0, 1000, EventKind.CsdFunctionExit, id('flush_tlb_func'), id('0xffff88803fc08000'));
  row(1_000_200_400, 1, 1001, EventKind.IpiSendCpumask, id('0'), id('0x0'), id('ttwu_queue_wakelist+0xbc/0x110'));
  row(1_000_200_500, 0, 1000, EventKind.LockContentionEnd, id('0xffff888003a1c040'), 0);
  row(1_000_200_600, 1, 1001, EventKind.SchedSwitch, 1001, PrevState.Sleeping, 0);
  row(1_000_200_600 + 2 ** 27 + 5, 1, 0, EventKind.SchedSwitch, 0, PrevState.Runnable | PREEMPT_FLAG, 1001);
  return s;
}

function writeDat(dir: string): string {
  const file = join(dir, 'guest.dat');
  const chunks: Uint8Array[] = [];
  writeGuestTraceDat({ store: guestStore(), traceId: GUEST_ID, timeShift: SHIFT, cpus: 2, clock: 'local' }, (c) => chunks.push(c));
  writeFileSync(file, Buffer.concat(chunks));
  return file;
}

test('the guest trace.dat reads back: every row, its ids and TIME_SHIFT', async () => {
  const { store } = await importTraceDat(writeDat(scratchDir('guest-dat-')));
  assert.deepEqual(store.origin.traceId, GUEST_ID);
  assert.deepEqual(store.origin.timeShift, SHIFT);
  const s = (id: number) => store.strings.get(id);
  const rows = Array.from({ length: store.length }, (_, i) => [store.ts[i], store.cpu[i], store.tid[i], store.kind[i]]);
  // Time order across CPUs; equal times keep CPU 0 first.
  assert.deepEqual(rows, [
    [1_000_200_000, 0, 1000, EventKind.LockContentionBegin],
    [1_000_200_100, 1, 1001, EventKind.CsdQueueCpu],
    [1_000_200_100, 1, 1001, EventKind.IpiSendCpu],
    [1_000_200_200, 0, 1000, EventKind.CsdFunctionEntry],
    [1_000_200_300, 0, 1000, EventKind.CsdFunctionExit],
    [1_000_200_400, 1, 1001, EventKind.IpiSendCpumask],
    [1_000_200_500, 0, 1000, EventKind.LockContentionEnd],
    [1_000_200_600, 1, 1001, EventKind.SchedSwitch],
    [1_134_418_333, 1, 0, EventKind.SchedSwitch],
  ]);
  assert.deepEqual([s(store.a[0]), store.b[0]], ['0xffff888003a1c040', 1]);
  assert.equal(store.c[1], store.b[3], 'the queued csd is the csd whose function runs');
  assert.equal(store.a[3], store.a[4]);
  assert.equal(store.b[4], store.b[3]);
  assert.equal(store.a[2], 0);
  assert.equal(s(store.a[5]), '0');
  assert.equal(store.a[6], store.a[0], 'the same lock');
  assert.deepEqual([store.a[7], store.b[7], store.c[7]], [1001, PrevState.Sleeping, 0]);
  assert.deepEqual([store.a[8], store.b[8], store.c[8]], [0, PrevState.Runnable | PREEMPT_FLAG, 1001]);
  assert.equal(store.threads.get(1001)?.comm, 'worker/1');
});

test('trace-cmd report reads the guest trace.dat: host-clock times by TIME_SHIFT, events by their format', (t) => {
  if (!existsSync(TRACE_CMD)) return t.skip('trace-cmd is not installed');
  const file = writeDat(scratchDir('guest-dat-tc-'));
  const report = execFileSync(TRACE_CMD, ['report', '-t', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(
    report,
    [
      'cpus=2',
      '        worker/0-1000  [000]     0.000076544: contention_begin:     0xffff888003a1c040 (flags=SPIN)',
      '        worker/1-1001  [001]     0.000076644: csd_queue_cpu:        cpu=0 callsite=smp_call_function_many_cond+0x0 func=flush_tlb_func csd=0xffff88803fc08000',
      '        worker/1-1001  [001]     0.000076644: ipi_send_cpu:         cpu=0 callsite=smp_call_function_single+0xe3 callback=generic_smp_call_function_single_interrupt+0x0',
      '        worker/0-1000  [000]     0.000076744: csd_function_entry:   func=flush_tlb_func, csd=0xffff88803fc08000',
      '        worker/0-1000  [000]     0.000076844: csd_function_exit:    func=flush_tlb_func, csd=0xffff88803fc08000',
      '        worker/1-1001  [001]     0.000076944: ipi_send_cpumask:     cpumask=0 callsite=ttwu_queue_wakelist+0xbc callback=0x0',
      '        worker/0-1000  [000]     0.000077044: contention_end:       0xffff888003a1c040 (ret=0)',
      '        worker/1-1001  [001]     0.000077144: sched_switch:         worker/1:1001 [120] S ==> swapper/1:0 [120]',
      // trace-cmd's sched plugin prints no preemption mark; the kernel's format (-N) does.
      '          <idle>-0     [001]     0.134294877: sched_switch:         swapper/1:0 [120] R ==> worker/1:1001 [120]',
      '',
    ].join('\n'),
  );
  const kernel = execFileSync(TRACE_CMD, ['report', '-N', '-t', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd().split('\n');
  assert.equal(kernel.at(-1), '          <idle>-0     [001]     0.134294877: sched_switch:         prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R+ ==> next_comm=worker/1 next_pid=1001 next_prio=120');
});

test('ring pages: a gap of 2^27 ns or more goes in a TIME_EXTEND record, hand-checked bytes', () => {
  const data = Buffer.from([1, 2, 3, 4]);
  const page = ringPages(64, [
    { ts: 10, data },
    { ts: 10 + 2 ** 27 + 3, data },
  ]);
  assert.equal(page.length, 64);
  assert.equal(page.readBigUInt64LE(0), 10n, 'page time stamp');
  assert.equal(page.readBigUInt64LE(8), 8n + 8n + 8n, 'commit: two records and a time extend');
  assert.equal(page.readUInt32LE(16), 1, 'first record: delta 0, type_len 1');
  assert.equal(page.readUInt32LE(24), 3 * 32 + 30, 'TIME_EXTEND: low 27 bits of the delta, type 30');
  assert.equal(page.readUInt32LE(28), 1, 'array[0]: the delta above 27 bits');
  assert.equal(page.readUInt32LE(32), 1, 'second record: delta 0 after the extend');
});

test("the formats written are this kernel's own, byte for byte, where tracefs shows them", (t) => {
  const events = '/sys/kernel/tracing/events';
  const written = EVENT_DESCRIPTORS.filter((d) => d.dat);
  assert.equal(written.length, 8, 'sched_switch and the seven guest events');
  if (!written.every((d) => existsSync(`${events}/${d.system}/${d.name}/format`))) return t.skip('no tracefs with these events here');
  for (const d of written) assert.equal(tracefsFormatText(d.name, d.dat!.format), readFileSync(`${events}/${d.system}/${d.name}/format`, 'utf8').replace(/^ID: \d+$/m, `ID: ${d.dat!.format.id}`), d.name);
});

test('a guest that traced nothing is read as an empty guest trace, its ids kept', async () => {
  const file = join(scratchDir('guest-dat-empty-'), 'empty.dat');
  const chunks: Uint8Array[] = [];
  writeGuestTraceDat({ store: new EventStore(), traceId: GUEST_ID, timeShift: SHIFT, cpus: 2, clock: 'local' }, (c) => chunks.push(c));
  writeFileSync(file, Buffer.concat(chunks));
  const { store } = await importTraceDat(file);
  assert.equal(store.length, 0);
  assert.equal(store.origin.traceId, GUEST_ID);
  assert.equal(store.origin.timeShift?.peerTraceId, HOST_ID);
});
