// Details of a click on the timeline and the event list beside it, on hand-made tables and
// the hand-checked ftrace fixture (26 events, lines 13..38).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { timelineDetails } from '../../src/core/views/timelineDetails';
import { eventList } from '../../src/core/views/eventList';
import { importTraceText } from '../../src/core/trace/textImporter';
import { fixture } from '../support/paths';
import { smallTables, timelineTables } from '../support/timelineTables';

const rows = { line: (row: number) => row + 100, comm: (tid: number) => (tid === 55 ? 'kworker/0:1' : '<...>') };

test('a click near a PAUSE exit explains the decision and its raw line', () => {
  const d = timelineDetails(smallTables(), rows, { lane: 'vcpu', index: 0, ns: 406, toleranceNs: 2 })!;
  assert.equal(d.title, 'PAUSE exit of vm0/vCPU 0: boosted, did not run (scheduler ignored the boost)');
  assert.equal(d.line, 111);
  assert.deepEqual(d.fields.find(([k]) => k === 'boost target'), ['boost target', 'vm0/vCPU 1']);
  assert.deepEqual([d.startNs, d.endNs], [405, 410]);
});

test('a click on a run away from events: the run, its pCPU, its line; a pCPU run names the thread', () => {
  const d = timelineDetails(smallTables(), rows, { lane: 'vcpu', index: 0, ns: 700, toleranceNs: 2 })!;
  assert.equal(d.title, 'vm0/vCPU 0: preempted');
  assert.equal(d.line, 103);
  assert.deepEqual(d.fields.find(([k]) => k === 'duration'), ['duration', '0.590 µs']);
  const c = timelineDetails(smallTables(), rows, { lane: 'cpu', index: 0, ns: 500, toleranceNs: 0 })!;
  assert.equal(c.title, 'CPU 0: kworker/0:1-55');
  assert.equal(timelineDetails(smallTables(), rows, { lane: 'cpu', index: 0, ns: 700, toleranceNs: 0 })!.title, 'CPU 0: idle');
  assert.equal(timelineDetails(smallTables(), rows, { lane: 'cpu', index: 1, ns: 100, toleranceNs: 0 })!.title, 'CPU 1: vm1/vCPU 1');
  // IPIs are found from either end; nothing past the lanes or the trace.
  assert.equal(timelineDetails(smallTables(), rows, { lane: 'vcpu', index: 1, ns: 301, toleranceNs: 2 })!.title, 'IPI vm0/vCPU 0 → vm0/vCPU 1');
  assert.equal(timelineDetails(smallTables(), rows, { lane: 'vcpu', index: 9, ns: 1, toleranceNs: 0 }), null);
  assert.equal(timelineDetails(smallTables(), rows, { lane: 'vcpu', index: 0, ns: 5000, toleranceNs: 0 }), null);
});

test('event list: the window, pages, and filters by CPU, vCPU, VM and event name', () => {
  const { store } = importTraceText(readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8'));
  const t0 = 100e9;
  const tables = timelineTables({ startNs: t0, endNs: t0 + 4020e3, vcpuLanes: [0, 1].map((vcpu) => ({ vm: 'vm-3000', vmIndex: 0, vcpu, tid: 3001 + vcpu, comm: `CPU ${vcpu}/KVM` })), cpuLanes: [{ cpu: 0 }, { cpu: 1 }] });
  const all = eventList(store, tables, { startNs: t0, endNs: t0 + 5e6, offset: 0, limit: 1000, filter: {} });
  assert.equal(all.total, 26);
  assert.deepEqual(all.rows.slice(0, 2).map((r) => [r.line, r.comm, r.event, r.info]), [
    [13, 'CPU 1/KVM', 'kvm_entry', 'vcpu 1'],
    [14, 'CPU 0/KVM', 'kvm_entry', 'vcpu 0'],
  ]);
  assert.ok(all.eventNames.includes('kvm_ple_window_update') && all.eventNames.includes('sched_switch'));
  // The window [20 µs, 41 µs]: kvm_exit at 20 .. kvm_exit at 40 (the switch at 41 is past the end).
  const win = eventList(store, tables, { startNs: t0 + 20e3, endNs: t0 + 41e3, offset: 0, limit: 1000, filter: {} });
  assert.deepEqual(win.rows.map((r) => r.line), [20, 21, 22, 23, 24, 25, 26]);
  const page = eventList(store, tables, { startNs: t0, endNs: t0 + 5e6, offset: 24, limit: 10, filter: {} });
  assert.deepEqual([page.total, page.rows.map((r) => r.line)], [26, [37, 38]]);
  const pause = eventList(store, tables, { startNs: t0, endNs: t0 + 5e6, offset: 1, limit: 2, filter: { event: 'kvm_exit', vcpuLane: 0 } });
  assert.deepEqual([pause.total, pause.rows.map((r) => [r.line, r.info])], [5, [[20, 'vcpu 0 reason PAUSE_INSTRUCTION'], [23, 'vcpu 0 reason PAUSE_INSTRUCTION']]]);
  assert.equal(eventList(store, tables, { startNs: t0, endNs: t0 + 5e6, offset: 0, limit: 0, filter: { cpu: 1 } }).total, 10);
  assert.equal(eventList(store, tables, { startNs: t0, endNs: t0 + 5e6, offset: 0, limit: 0, filter: { vm: 'vm-3000' } }).total, 22);
  const sw = eventList(store, tables, { startNs: t0, endNs: t0 + 5e6, offset: 0, limit: 1, filter: { event: 'sched_switch' } });
  assert.equal(sw.rows[0].info, 'CPU 1/KVM:3002 R+ ==> stress:4000');
});
