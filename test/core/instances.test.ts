// The instances behind a dashboard figure, on hand-written tables: counts as the range
// analysis counts them, the k-th for previous / next, a window's marks per pixel and lane,
// the event rows the event list shows, and on the bundled sample every card's count.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { instanceEventRows, instanceMarks, instancesReply, type InstanceTables } from '../../src/core/views/instances';
import { timelineWindow } from '../../src/core/views/timeline';
import { eventList } from '../../src/core/views/eventList';
import { ProblemFlag } from '../../src/core/analysis/tables';
import { TraceSession } from '../../src/core/session';
import { importTraceText } from '../../src/core/trace/textImporter';
import { parseInstanceFilter, parseWebviewMessage, type InstanceFilter } from '../../src/shared/protocol';
import { timelineTables } from '../support/timelineTables';
import { ROOT } from '../support/paths';
import { join } from 'node:path';

/** vm0 (vCPUs 0, 1, 2 on lanes 0-2), vm1 (vCPU 0 on lane 3); ten decisions over 0..1000 ns. */
function tables(): InstanceTables {
  const lane = (vm: string, vmIndex: number, vcpu: number, tid: number) => ({ vm, vmIndex, vcpu, tid, comm: `CPU ${vcpu}/KVM` });
  const t = timelineTables({
    startNs: 0,
    endNs: 1000,
    vcpuLanes: [lane('vm0', 0, 0, 100), lane('vm0', 0, 1, 101), lane('vm0', 0, 2, 102), lane('vm1', 1, 0, 200)],
    cpuLanes: [{ cpu: 0 }],
    // ts, end, spinner, target, outcome (0 ran, 1 not run, 2 esrch, 3 not boosted, 4 none, 255 not judged), row
    decisions: [
      [100, 110, 0, 1, 0, 10],
      [200, 210, 0, 1, 1, 20],
      [300, 310, 0, 2, 0, 30],
      [400, 410, 1, 0, 2, 40],
      [500, 510, 1, -1, 4, 50],
      [600, 610, 0, 1, 1, 60],
      [700, 710, 3, -1, 3, 70],
      [800, 810, 0, 1, 255, 80],
      [900, 910, 2, 0, 0, 90],
      [950, NaN, 0, -1, 4, 95],
    ],
  });
  // Problems and attempts by hand: 200 and 600 were mismatches; 800 too but not judged.
  for (const i of [1, 5, 7]) t.decisions.problems[i] = ProblemFlag.SchedulerMismatch;
  t.decisions.problems[6] = ProblemFlag.LostOpportunity;
  for (const i of [0, 1, 2, 3, 5, 8]) t.decisions.attempts[i] = 1;
  return { ...t, episodes: [ { tid: 100, startNs: 100, endNs: 300 }, { tid: 101, startNs: 400, endNs: 500 }, { tid: 100, startNs: 600, endNs: 960 } ] };
}

const count = (t: InstanceTables, filter: InstanceFilter) => instancesReply(t, { filter, index: 0 }).total;

test('instance counts follow the range analysis: outcomes, problems only when judged, attempts, matrix cells', () => {
  const t = tables();
  assert.equal(count(t, { of: 'decisions' }), 10);
  assert.equal(count(t, { of: 'decisions', outcomes: ['boostedRan', 'boostedNotRun'] }), 5);
  assert.equal(count(t, { of: 'decisions', problem: 'schedulerMismatch' }), 2, 'the not-judged 800 is not counted');
  assert.equal(count(t, { of: 'decisions', problem: 'lostOpportunity' }), 1);
  assert.equal(count(t, { of: 'decisions', withAttempts: true }), 6);
  // Matrix cells: vm0 vCPU 0 → vCPU 1 counts every decision with that target (800 not judged too).
  assert.equal(count(t, { of: 'decisions', vm: 'vm0', spinner: { vcpus: [0] }, target: { vcpus: [1] } }), 4);
  // "other" targets of vCPU 0: every target but vCPU 1 (the one with a target lane: 300 → vCPU 2).
  assert.equal(count(t, { of: 'decisions', vm: 'vm0', spinner: { vcpus: [0] }, target: { vcpus: [1], exclude: true } }), 1);
  // A bar: vm0/vCPU 1's -ESRCH.
  assert.equal(count(t, { of: 'decisions', vm: 'vm0', spinner: { vcpus: [1] }, outcomes: ['esrch'] }), 1);
  // vm1's vCPU 0 is not vm0's vCPU 0.
  assert.equal(count(t, { of: 'decisions', vm: 'vm1', spinner: { vcpus: [0] } }), 1);
  // The dashboard's range [200, 600): 200, 300, 400, 500; a range reaching the end includes it.
  assert.equal(count(t, { of: 'decisions', startNs: 200, endNs: 600 }), 4);
  assert.equal(count(t, { of: 'decisions', startNs: 900, endNs: 1000 }), 2);
  // An episode row: its vCPU's exits from its start to its end, both included.
  assert.equal(count(t, { of: 'decisions', vm: 'vm0', spinner: { vcpus: [0] }, startNs: 100, endNs: 300, endInclusive: true }), 3);
  assert.equal(count(t, { of: 'episodes' }), 3);
  assert.equal(count(t, { of: 'episodes', vm: 'vm0', spinner: { vcpus: [1] } }), 1);
});

test('the k-th instance, clamped; none for an empty filter', () => {
  const t = tables();
  const boosts: InstanceFilter = { of: 'decisions', outcomes: ['boostedRan', 'boostedNotRun'] };
  assert.deepEqual(instancesReply(t, { filter: boosts, index: 0 }), { total: 5, index: 0, instance: { startNs: 100, endNs: 110, lane: 0, targetLane: 1 } });
  assert.deepEqual(instancesReply(t, { filter: boosts, index: 2 }).instance, { startNs: 300, endNs: 310, lane: 0, targetLane: 2 });
  assert.deepEqual(instancesReply(t, { filter: boosts, index: 99 }), { total: 5, index: 4, instance: { startNs: 900, endNs: 910, lane: 2, targetLane: 0 } });
  // An exit the trace does not close is a point.
  assert.deepEqual(instancesReply(t, { filter: { of: 'decisions', spinner: { vcpus: [0] }, vm: 'vm0', outcomes: ['noCandidate'] }, index: 0 }).instance, { startNs: 950, endNs: 950, lane: 0, targetLane: -1 });
  assert.deepEqual(instancesReply(t, { filter: { of: 'decisions', problem: 'overboost' }, index: 3 }), { total: 0, index: 0, instance: null });
  assert.deepEqual(instancesReply(t, { filter: { of: 'episodes' }, index: 1 }).instance, { startNs: 400, endNs: 500, lane: 1, targetLane: -1 });
});

test('marks of a window: per pixel column and lane, episodes reaching in from before', () => {
  const t = tables();
  // 100 px over 0..1000: 10 ns a pixel. vCPU 0's exits at 100, 200, 300, 600, 800, 950.
  const m = instanceMarks(t, { of: 'decisions', vm: 'vm0', spinner: { vcpus: [0] } }, { startNs: 0, endNs: 1000, widthPx: 100 });
  assert.deepEqual(m, { marks: [10, 11, 0, 20, 21, 0, 30, 31, 0, 60, 61, 0, 80, 81, 0, 95, 96, 0], inWindow: 6, sampled: false });
  // Zoomed out to 10 px (100 ns a pixel): 100..110 and 200..210 touch columns 1-2 and 2-3, merged.
  assert.deepEqual(instanceMarks(t, { of: 'decisions', vm: 'vm0', spinner: { vcpus: [0] }, startNs: 100, endNs: 300 }, { startNs: 0, endNs: 1000, widthPx: 10 }).marks, [1, 3, 0]);
  // Window [450, 650): the episode 400..500 of lane 1 reaches in; 600..960 of lane 0 starts inside.
  assert.deepEqual(instanceMarks(t, { of: 'episodes' }, { startNs: 450, endNs: 650, widthPx: 20 }), { marks: [0, 5, 1, 15, 20, 0], inWindow: 2, sampled: false });
  // The timeline window carries them when asked.
  const w = timelineWindow(t, { startNs: 0, endNs: 1000, widthPx: 100, highlight: { of: 'decisions', problem: 'schedulerMismatch' } });
  assert.deepEqual(w.highlight, { marks: [20, 21, 0, 60, 61, 0], inWindow: 2, sampled: false });
  assert.equal(timelineWindow(t, { startNs: 0, endNs: 1000, widthPx: 100 }).highlight, undefined);
});

test('event rows of the instances in a window: the PAUSE exits, and those inside episodes', () => {
  const t = tables();
  assert.deepEqual([...instanceEventRows(t, { of: 'decisions', outcomes: ['boostedNotRun'] }, 0, 1000)], [20, 60]);
  assert.deepEqual([...instanceEventRows(t, { of: 'decisions', outcomes: ['boostedNotRun'] }, 300, 1000)], [60]);
  // Episodes of vCPU 0: 100..300 holds 100, 200, 300; 600..960 holds 600, 800, 950.
  assert.deepEqual([...instanceEventRows(t, { of: 'episodes', vm: 'vm0', spinner: { vcpus: [0] } }, 0, 1000)], [10, 20, 30, 60, 80, 95]);
});

test('the event list filtered to instances on a real trace, and every card of the sample', () => {
  const { store } = importTraceText(readFileSync(join(ROOT, 'samples', 'oversubscribed-4vm.report'), 'utf8'));
  const session = new TraceSession(store);
  const a = session.analysis;
  const total = (filter: InstanceFilter) => session.instances({ filter, index: 0 }).total;
  assert.equal(total({ of: 'decisions' }), a.totals.pleExits);
  assert.equal(total({ of: 'decisions', outcomes: ['boostedRan', 'boostedNotRun'] }), a.totals.boosts);
  assert.equal(total({ of: 'episodes' }), a.totals.episodes);
  // Without yield_to probes the sample's mismatch is not judged: no instances either (there were 37 flagged).
  assert.equal(a.problems.schedulerMismatch, null);
  assert.equal(total({ of: 'decisions', problem: 'schedulerMismatch' }), 0);
  const vm = a.vms.find((v) => v.vcpus.some((c) => c.pleExits > 0))!;
  const vcpu = vm.vcpus.find((c) => c.pleExits > 0)!;
  assert.equal(total({ of: 'decisions', vm: vm.id, spinner: { vcpus: [vcpu.vcpu] } }), vcpu.pleExits);
  // A matrix cell: the VM's busiest source → target pair.
  const [src, dst, boosts] = vm.targets![0];
  assert.equal(total({ of: 'decisions', vm: vm.id, spinner: { vcpus: [src] }, target: { vcpus: [dst] } }), boosts);
  // An episode row: as many PAUSE exits as the episode counts, for every episode.
  for (const e of a.episodes) assert.equal(total({ of: 'decisions', vm: e.vm, spinner: { vcpus: [e.vcpu] }, startNs: e.startNs, endNs: e.endNs, endInclusive: true }), e.pleExits);
  // A range: the first half.
  const mid = (session.tables.startNs + session.tables.endNs) / 2;
  assert.equal(total({ of: 'decisions', startNs: session.tables.startNs, endNs: mid }), session.analyzeRange(session.tables.startNs, mid).totals.pleExits);
  // The list shows the boosts' kvm_exit events, paged.
  const filter: InstanceFilter = { of: 'decisions', outcomes: ['boostedRan', 'boostedNotRun'] };
  const page = eventList(store, session.tables, { startNs: session.tables.startNs, endNs: session.tables.endNs + 1, offset: 0, limit: 5, filter: { instances: filter } });
  assert.equal(page.total, a.totals.boosts);
  assert.equal(page.rows.length, Math.min(5, a.totals.boosts!));
  assert.ok(page.rows.every((r) => r.event === 'kvm_exit'));
  assert.ok(page.rows.every((r, i) => i === 0 || r.ts >= page.rows[i - 1].ts));
});

test('instance filters and requests from a webview are validated', () => {
  assert.deepEqual(parseInstanceFilter({ of: 'decisions', vm: 'vm0', spinner: { vcpus: [1] }, target: { vcpus: [2], exclude: true }, outcomes: ['esrch'], startNs: 5, endNs: 9, endInclusive: true }), {
    of: 'decisions',
    vm: 'vm0',
    spinner: { vcpus: [1] },
    target: { vcpus: [2], exclude: true },
    outcomes: ['esrch'],
    startNs: 5,
    endNs: 9,
    endInclusive: true,
  });
  for (const bad of [null, { of: 'rows' }, { of: 'decisions', outcomes: ['__proto__'] }, { of: 'decisions', problem: 'x' }, { of: 'decisions', spinner: { vcpus: [-1] } }, { of: 'decisions', startNs: 'a' }, { of: 'decisions', vm: 3 }]) {
    assert.equal(parseInstanceFilter(bad), null, JSON.stringify(bad));
  }
  assert.deepEqual(parseWebviewMessage({ type: 'instances', id: 3, request: { filter: { of: 'episodes' }, index: 7 } }), { type: 'instances', id: 3, request: { filter: { of: 'episodes' }, index: 7 } });
  assert.equal(parseWebviewMessage({ type: 'instances', id: 3, request: { filter: { of: 'episodes' }, index: -1 } }), null);
  assert.equal(parseWebviewMessage({ type: 'timeline', id: 1, request: { startNs: 0, endNs: 1, widthPx: 10, highlight: { of: 'nope' } } }), null);
});
