// The guest lanes on a hand-made host + guest pair: one lane per guest CPU right after the host
// vCPU lane of its thread, its runs (task, lock contention, csd function, idle) and instants
// exactly as worked out by hand, merged below a pixel like every lane, and explained by details.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTraceFile, attachGuestTraces } from '../../src/core/pipeline';
import { timelineWindow } from '../../src/core/views/timeline';
import { timelineDetails } from '../../src/core/views/timelineDetails';
import * as fc from 'fast-check';
import { GUEST_INSTANT_KINDS, GuestRunKind as R, guestLaneTables } from '../../src/core/views/guestLanes';
import { EventKind, EventStore } from '../../src/core/trace/model';
import { GUEST_EVENT_KINDS as G } from '../../src/core/events/guest';
import { SEGMENT_MIXED } from '../../src/shared/protocol';
import { COARSE_MIXED, coarseLevels } from '../../src/core/views/coarseLanes';
import { GUEST_ID, TIDS, writeGuestLanePair } from '../support/guestLanePair';

const US = 1000;

async function openPair() {
  const { hostPath, guestPath } = writeGuestLanePair(mkdtempSync(join(tmpdir(), 'guest-lanes-')));
  const host = await analyzeTraceFile(hostPath);
  await attachGuestTraces(host, [guestPath]);
  return host.session;
}

test('guest lanes: one per guest CPU after its host vCPU lane, runs and instants as worked out by hand', async () => {
  const session = await openPair();
  const guests = session.guestLanes!;
  assert.deepEqual(
    guests.lanes.map((l) => [l.name, l.traceId, l.vcpu, l.hostTid, session.tables.vcpuLanes[l.afterVcpuLane].tid]),
    [
      ['vm0', GUEST_ID, 0, TIDS[0], TIDS[0]],
      ['vm0', GUEST_ID, 1, TIDS[1], TIDS[1]],
    ],
  );
  // 1 px per µs.
  const w = timelineWindow(session.tables, { startNs: 0, endNs: 1000 * US, widthPx: 1000 }, guests);
  assert.deepEqual(w.guestLanes, [
    { name: 'vm0', traceId: GUEST_ID, vcpu: 0, hostTid: TIDS[0], afterVcpuLane: 0 },
    { name: 'vm0', traceId: GUEST_ID, vcpu: 1, hostTid: TIDS[1], afterVcpuLane: 1 },
  ]);
  const lanes = w.lanes.filter((l) => l.kind === 'guest');
  assert.deepEqual(lanes[0].segments, [100, 150, R.Task, 1000, 150, 180, R.LockContention, 1000, 180, 250, R.Task, 1000, 250, 300, R.Idle, 0]);
  // The csd function runs before CPU 1's first sched_switch, whose prev pid (0) then says the CPU was idle since.
  assert.deepEqual(lanes[1].segments, [210, 214, R.CsdFunction, -1, 214, 300, R.Idle, 0]);
  // csd_queue_cpu and ipi_send_cpu at 200 µs: one column, count 2.
  assert.deepEqual(lanes[0].ticks, [200, 2]);
  assert.deepEqual(lanes[1].ticks, []);
});

test('guest lanes: runs under a pixel merge by time (dominant state, mixed flag) as on every lane', async () => {
  const session = await openPair();
  // 100 µs per px: 100–150 task, 150–180 lock, 180–250 task span 1.5 px → task (120 µs) mixed.
  const w = timelineWindow(session.tables, { startNs: 0, endNs: 1000 * US, widthPx: 10 }, session.guestLanes);
  const [lane0] = w.lanes.filter((l) => l.kind === 'guest');
  assert.deepEqual(lane0.segments, [1, 2.5, R.Task | SEGMENT_MIXED, 1000, 2.5, 3, R.Idle, 0]);
  // A collapsed VM group leaves the guest lanes out too.
  const none = timelineWindow(session.tables, { startNs: 0, endNs: 1000 * US, widthPx: 10, lanes: { vcpus: [], cpus: [], guests: [] } }, session.guestLanes);
  assert.equal(none.lanes.length, 0);
});

test('guest lane details: the run under the click and the instant nearest it, with the event fields and raw text', async () => {
  const session = await openPair();
  const rows = { line: (row: number) => session.store.line[row], comm: () => '' };
  const run = timelineDetails(session.tables, rows, { lane: 'guest', index: 0, ns: 160 * US, toleranceNs: 0 }, undefined, session.guestLanes)!;
  assert.equal(run.title, 'guest vm0 CPU 0: lock contention');
  assert.deepEqual([run.startNs, run.endNs], [150 * US, 180 * US]);
  const fields = new Map(run.fields);
  assert.equal(fields.get('began with'), 'lock:contention_begin');
  assert.equal(fields.get('lock address'), '0xffff888004000000');
  assert.equal(fields.get('raw'), '0xffff888004000000 (flags=SPIN)');
  assert.equal(fields.get('guest line'), '4');
  const instant = timelineDetails(session.tables, rows, { lane: 'guest', index: 0, ns: 200.5 * US, toleranceNs: US }, undefined, session.guestLanes)!;
  assert.equal(instant.title, 'guest vm0 CPU 0: csd:csd_queue_cpu');
  assert.equal(new Map(instant.fields).get('target CPU'), '1');
  assert.equal(timelineDetails(session.tables, rows, { lane: 'guest', index: 2, ns: 0, toleranceNs: 0 }, undefined, session.guestLanes), null);
});

test('guest lanes (property): for any guest event sequence, each lane\'s runs are ordered, non-empty, disjoint, inside the guest\'s span, and every instant is counted once', () => {
  const kinds = [EventKind.SchedSwitch, G.LockContentionBegin, G.LockContentionEnd, G.CsdFunctionEntry, G.CsdFunctionExit, G.IpiSendCpu, G.IpiSendCpumask, G.CsdQueueCpu];
  const event = fc.record({ ts: fc.integer({ min: 0, max: 10_000 }), cpu: fc.integer({ min: 0, max: 2 }), kind: fc.constantFrom(...kinds), next: fc.integer({ min: 0, max: 3 }) });
  fc.assert(
    fc.property(fc.array(event, { maxLength: 60 }), (events) => {
      const store = new EventStore(16);
      for (const e of events) {
        const row = store.push(e.ts, e.cpu, 1, e.kind as EventKind, 1);
        store.a[row] = e.next === 0 ? 0 : 100;
        store.c[row] = e.next === 0 ? 0 : 100 + e.next;
      }
      store.recountOrder();
      const lastNs = events.length ? Math.max(...events.map((e) => e.ts)) : null;
      const guest = { source: 'g', traceId: '0x1', name: '', vcpus: [0, 1].map((vcpu) => ({ vcpu, hostTid: 10 + vcpu })), store, events: events.length, firstNs: null, lastNs };
      const t = guestLaneTables([guest], []);
      assert.equal(t.lanes.length, 2);
      for (let lane = 0; lane < 2; lane++) {
        let end = -Infinity;
        for (let i = t.runs.laneStart[lane]; i < t.runs.laneStart[lane + 1]; i++) {
          assert.ok(t.runs.startNs[i] >= end && t.runs.endNs[i] > t.runs.startNs[i] && t.runs.endNs[i] <= lastNs!);
          assert.notEqual(t.runs.state[i], R.Unknown);
          end = t.runs.endNs[i];
        }
      }
      // Instants of guest CPU 2 have no lane (the GUEST entry names CPUs 0 and 1 only).
      assert.equal(t.instants.count, events.filter((e) => e.cpu < 2 && GUEST_INSTANT_KINDS.includes(e.kind)).length);
    }),
  );
});

test('a dense guest lane zoomed out is drawn from coarse levels of its runs, as host lanes are (hand-checked bins)', async () => {
  // One guest CPU: 4,096 cycles of 1 µs, the task for 750 ns then idle for 250 ns; the span is 4,096 µs.
  const store = new EventStore();
  const sw = (ts: number, prev: number, next: number) => {
    const r = store.push(ts, 0, prev, EventKind.SchedSwitch, store.length + 1);
    [store.a[r], store.b[r], store.c[r]] = [prev, 1, next];
  };
  for (let k = 0; k < 4096; k++) {
    sw(k * 1000, 0, 1000);
    sw(k * 1000 + 750, 1000, 0);
  }
  sw(4096 * 1000, 0, 1000);
  const guest = { source: 'dense', traceId: GUEST_ID, name: 'vm0', vcpus: [{ vcpu: 0, hostTid: TIDS[0] }], store, events: store.length, firstNs: 0, lastNs: 4_096_000 };
  const tables = guestLaneTables([guest], []);
  assert.equal(tables.runs.count, 8192);
  const [fine, coarse] = coarseLevels(tables.binned);
  // 4,096 bins of 1 µs: each 750 ns task, 250 ns idle → task, mixed; alike neighbours are one row.
  assert.equal(coarse.binNs, 1000);
  assert.deepEqual([coarse.vcpuStates.count, coarse.vcpuStates.startNs[0], coarse.vcpuStates.endNs[0], coarse.vcpuStates.state[0], coarse.vcpuStates.detail[0], coarse.vcpuStates.flags[0]], [1, 0, 4_096_000, R.Task, 1000, COARSE_MIXED]);
  // 65,536 bins of 62.5 ns: 12 of task then 4 idle per cycle, none mixed.
  assert.equal(fine.vcpuStates.count, 8192);
  assert.deepEqual([fine.vcpuStates.startNs[0], fine.vcpuStates.endNs[0], fine.vcpuStates.state[0], fine.vcpuStates.startNs[1], fine.vcpuStates.endNs[1], fine.vcpuStates.state[1], fine.vcpuStates.flags[1]], [0, 750, R.Task, 750, 1000, R.Idle, 0]);
  // The whole span on 100 px (82 runs a pixel): one task segment, marked mixed.
  const session = await openPair();
  const w = timelineWindow(session.tables, { startNs: 0, endNs: 4_096_000, widthPx: 100 }, tables);
  assert.deepEqual(w.lanes.find((l) => l.kind === 'guest')!.segments, [0, 100, R.Task | SEGMENT_MIXED, 1000]);
});
