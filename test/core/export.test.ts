// Exports of the timeline tables: Chrome JSON (parsed back) and Perfetto protobuf (decoded back
// with protobufjs) carry the same tracks, slices, PAUSE-exit instants and boost flows.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { writeChromeJson } from '../../src/core/export/chromeJson';
import { writePerfetto } from '../../src/core/export/perfetto';
import { TraceType } from '../../src/core/export/perfettoProto';
import { CPU_TID_BASE } from '../../src/core/export/perfettoTracks';
import { smallTables } from '../support/timelineTables';

const threadName = (tid: number) => (tid === 55 ? 'kworker/0:1' : '<...>');
const line = (row: number) => row + 100;

interface JsonEvent {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  id?: number;
  args?: Record<string, unknown>;
}

test('Chrome JSON: names, slices, PAUSE exits as instants, boosts as flows (streamed)', () => {
  const chunks: string[] = [];
  writeChromeJson(smallTables(), threadName, line, (t) => chunks.push(t));
  const trace = JSON.parse(chunks.join('')) as { displayTimeUnit: string; traceEvents: JsonEvent[] };
  const ev = trace.traceEvents;
  const meta = ev.filter((e) => e.ph === 'M' && e.name.endsWith('_name')).map((e) => [e.name, e.pid, e.tid, e.args!.name]);
  assert.deepEqual(meta, [
    ['process_name', 1, 0, 'Host CPUs'],
    ['process_name', 2, 0, 'vm0'],
    ['process_name', 3, 0, 'vm1'],
    ['thread_name', 1, CPU_TID_BASE, 'CPU 0'],
    ['thread_name', 1, CPU_TID_BASE + 1, 'CPU 1'],
    ['thread_name', 2, 100, 'vCPU 0 (CPU 0/KVM)'],
    ['thread_name', 2, 101, 'vCPU 1 (CPU 1/KVM)'],
    ['thread_name', 3, 200, 'vCPU 0 (CPU 0/KVM)'],
    ['thread_name', 3, 201, 'vCPU 1 (CPU 1/KVM)'],
  ]);
  const slices = ev.filter((e) => e.ph === 'X');
  // 8 vCPU states and 4 pCPU runs (the idle one left out).
  assert.equal(slices.length, 12);
  assert.deepEqual(
    slices.filter((e) => e.tid === 100).map((e) => [e.name, e.ts, e.dur, e.args]),
    [
      ['guest', 0, 0.4, { line: 101, pcpu: 0 }],
      ['exit handling', 0.4, 0.01, { line: 102, pcpu: 0 }],
      ['preempted', 0.41, 0.59, { line: 103 }],
    ],
  );
  assert.deepEqual(
    slices.filter((e) => e.tid === CPU_TID_BASE).map((e) => [e.name, e.ts, e.dur]),
    [
      ['vm0/vCPU 0', 0, 0.41],
      ['kworker/0:1-55', 0.41, 0.19],
    ],
  );
  const instants = ev.filter((e) => e.ph === 'i');
  assert.deepEqual(
    instants.map((e) => [e.name, e.tid, e.ts, e.args!.outcome ?? e.args!.to]),
    [
      ['PAUSE exit', 100, 0.4, 'boostedRan'],
      ['PAUSE exit', 100, 0.405, 'boostedNotRun'],
      ['PAUSE exit', 100, 0.408, 'esrch'],
      ['PAUSE exit', 100, 0.409, 'noCandidate'],
      ['IPI', 100, 0.3, 'vCPU 1 (CPU 1/KVM)'],
    ],
  );
  // Three boosts and one IPI: a flow each, from the spinner's thread to the target's, ids paired.
  const starts = ev.filter((e) => e.ph === 's');
  const ends = ev.filter((e) => e.ph === 'f');
  assert.deepEqual(starts.map((e) => [e.id, e.tid, e.name]), [
    [1, 100, 'boost (boostedRan)'],
    [2, 100, 'boost (boostedNotRun)'],
    [3, 100, 'boost (esrch)'],
    [4, 100, 'IPI'],
  ]);
  assert.deepEqual(ends.map((e) => [e.id, e.tid, e.ts]), [
    [1, 101, 0.4],
    [2, 101, 0.405],
    [3, 101, 0.408],
    [4, 101, 0.3],
  ]);
});

test('Perfetto protobuf decodes back to the same tracks, slices and flows', () => {
  const chunks: Uint8Array[] = [];
  writePerfetto(smallTables(), threadName, line, (b) => chunks.push(b));
  const bytes = Buffer.concat(chunks);
  const trace = TraceType.toObject(TraceType.decode(bytes), { longs: Number, defaults: false }) as { packet: Record<string, any>[] };
  const packets = trace.packet;
  assert.ok(packets.every((p) => p.trustedPacketSequenceId === 1));
  assert.equal(packets[0].sequenceFlags, 1);
  const descriptors = packets.filter((p) => p.trackDescriptor).map((p) => p.trackDescriptor);
  const byUuid = new Map(descriptors.map((d) => [d.uuid, d]));
  assert.deepEqual(descriptors.filter((d) => d.process).map((d) => [d.process.pid, d.process.processName]), [
    [1, 'Host CPUs'],
    [2, 'vm0'],
    [3, 'vm1'],
  ]);
  assert.deepEqual(descriptors.filter((d) => d.thread).map((d) => [d.thread.pid, d.thread.tid, d.thread.threadName, byUuid.get(d.parentUuid).process.processName]), [
    [2, 100, 'vCPU 0 (CPU 0/KVM)', 'vm0'],
    [2, 101, 'vCPU 1 (CPU 1/KVM)', 'vm0'],
    [3, 200, 'vCPU 0 (CPU 0/KVM)', 'vm1'],
    [3, 201, 'vCPU 1 (CPU 1/KVM)', 'vm1'],
  ]);
  assert.deepEqual(descriptors.filter((d) => d.name).map((d) => d.name), ['CPU 0', 'CPU 1']);
  const trackName = (uuid: number) => byUuid.get(uuid).thread?.threadName ?? byUuid.get(uuid).name;
  const events = packets.filter((p) => p.trackEvent);
  const begins = events.filter((p) => p.trackEvent.type === 1);
  assert.equal(begins.length, 12);
  assert.equal(events.filter((p) => p.trackEvent.type === 2).length, 12);
  const vcpu0 = byUuid.get(begins[0].trackEvent.trackUuid);
  assert.deepEqual(
    events.filter((p) => p.trackEvent.trackUuid === vcpu0.uuid && p.trackEvent.type !== 3).map((p) => [p.timestamp ?? 0, p.trackEvent.type, p.trackEvent.name]),
    [
      [0, 1, 'guest'],
      [400, 2, undefined],
      [400, 1, 'exit handling'],
      [410, 2, undefined],
      [410, 1, 'preempted'],
      [1000, 2, undefined],
    ],
  );
  assert.deepEqual(begins[0].trackEvent.debugAnnotations, [
    { name: 'line', intValue: 101 },
    { name: 'pcpu', intValue: 0 },
  ]);
  const instants = events.filter((p) => p.trackEvent.type === 3);
  const flowStarts = instants.filter((p) => p.trackEvent.flowIds).map((p) => [p.trackEvent.flowIds[0], trackName(p.trackEvent.trackUuid), p.timestamp]);
  const flowEnds = instants.filter((p) => p.trackEvent.terminatingFlowIds).map((p) => [p.trackEvent.terminatingFlowIds[0], trackName(p.trackEvent.trackUuid), p.timestamp, p.trackEvent.name]);
  assert.deepEqual(flowStarts, [
    [1, 'vCPU 0 (CPU 0/KVM)', 400],
    [2, 'vCPU 0 (CPU 0/KVM)', 405],
    [3, 'vCPU 0 (CPU 0/KVM)', 408],
    [4, 'vCPU 0 (CPU 0/KVM)', 300],
  ]);
  assert.deepEqual(flowEnds.map((f) => f[0]), [1, 2, 3, 4]);
  assert.ok(flowEnds.every((f) => f[1] === 'vCPU 1 (CPU 1/KVM)'));
  assert.equal(instants.filter((p) => p.trackEvent.name === 'PAUSE exit').length, 4);
});
