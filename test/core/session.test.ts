import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { importTraceText } from '../../src/core/trace/textImporter';
import { TraceSession } from '../../src/core/session';
import { analyze, VCPU_STATE_NAMES } from '../../src/core/analysis/analyze';
import { CpuRunKind, DECISION_OUTCOMES, ProblemFlag, type IntervalColumns } from '../../src/core/analysis/tables';
import { intervalAt } from '../../src/core/analysis/timeIndex';
import { fixture } from '../support/paths';

const us = 1000;
const t0 = 100_000_000 * us;
const openHandChecked = () => new TraceSession(importTraceText(readFileSync(fixture('handchecked-ftrace-tgid.txt'), 'utf8')).store);

/** A lane's intervals as [state, start µs, end µs, detail] relative to 100.000000 s. */
function laneRows(t: IntervalColumns, lane: number, name: (state: number) => string) {
  const rows: [string, number, number, number][] = [];
  for (let i = t.laneStart[lane]; i < t.laneStart[lane + 1]; i++) rows.push([name(t.state[i]), (t.startNs[i] - t0) / us, (t.endNs[i] - t0) / us, t.detail[i]]);
  return rows;
}

// Worked out by hand from test/fixtures/handchecked-ftrace-tgid.txt (see analysis.test.ts).
test('the state model of the hand-checked trace: vCPU states, pCPU runs, decisions, IPIs', () => {
  const session = openHandChecked();
  const t = session.tables;
  assert.deepEqual(t.vcpuLanes.map((l) => [l.vm, l.vcpu, l.tid]), [
    ['vm-3000', 0, 3001],
    ['vm-3000', 1, 3002],
  ]);
  const vcpuState = (s: number) => VCPU_STATE_NAMES[s];
  assert.deepEqual(laneRows(t.vcpuStates, 1, vcpuState), [
    ['guest', 0, 4, 1],
    ['host', 4, 5, 1],
    ['preempted', 5, 2000, -1],
    ['host', 2000, 2001, 1],
    ['guest', 2001, 3000, 1],
    ['host', 3000, 3001, 1],
    ['halted', 3001, 3500, -1],
    ['woken', 3500, 4010, -1],
    ['host', 4010, 4020, 1],
    ['guest', 4020, 4020, 1],
  ]);
  const runKind = (s: number) => ['idle', 'vcpu', 'other'][s];
  assert.deepEqual(t.cpuLanes, [{ cpu: 0 }, { cpu: 1 }]);
  assert.deepEqual(laneRows(t.cpuRuns, 0, runKind), [
    ['vcpu', 1, 41, 3001],
    ['other', 41, 500, 4001],
    ['vcpu', 500, 4020, 3001],
  ]);
  assert.deepEqual(laneRows(t.cpuRuns, 1, runKind), [
    ['vcpu', 0, 5, 3002],
    ['other', 5, 2000, 4000],
    ['vcpu', 2000, 3001, 3002],
    ['idle', 3001, 4010, -1],
    ['vcpu', 4010, 4020, 3002],
  ]);
  assert.equal(t.cpuRuns.state[t.cpuRuns.laneStart[1] + 3], CpuRunKind.Idle);
  const d = t.decisions;
  const decisions = Array.from({ length: d.count }, (_, i) => [(d.ts[i] - t0) / us, (d.endNs[i] - t0) / us, d.spinnerLane[i], d.targetLane[i], DECISION_OUTCOMES[d.outcome[i]], d.problems[i]]);
  const { SchedulerMismatch, LostOpportunity, Overboost } = ProblemFlag;
  assert.deepEqual(decisions, [
    // One wait (the IPI to vCPU 1, preempted): its lost opportunity is the first decision's.
    [20, 22, 0, -1, 'notBoosted', LostOpportunity],
    [30, 32, 0, -1, 'notBoosted', 0],
    [40, 501, 0, -1, 'boostedNotRun', SchedulerMismatch],
    [4000, 4005, 0, 1, 'boostedRan', Overboost],
  ]);
  assert.deepEqual([t.ipis.count, (t.ipis.ts[0] - t0) / us, t.ipis.fromLane[0], t.ipis.toLane[0]], [1, 12, 0, 1]);
});

test('a session answers a range the same way analyze() does, and the whole trace as its analysis', () => {
  const session = openHandChecked();
  assert.deepEqual(session.analysis, analyze(session.store));
  const range = { startNs: t0 + 3000 * us, endNs: t0 + 5000 * us };
  assert.deepEqual(session.analyzeRange(range.startNs, range.endNs), analyze(session.store, { range }));
});

test('the state of every vCPU at any time is one look-up (the warm start of a range)', () => {
  const t = openHandChecked().tables.vcpuStates;
  const stateAt = (lane: number, atUs: number) => {
    const i = intervalAt(t, lane, t0 + atUs * us);
    return i < 0 ? 'none' : VCPU_STATE_NAMES[t.state[i]];
  };
  assert.deepEqual([0, 1].map((lane) => [stateAt(lane, 0), stateAt(lane, 100), stateAt(lane, 3600), stateAt(lane, 9000)]), [
    ['none', 'preempted', 'guest', 'none'],
    ['guest', 'preempted', 'woken', 'none'],
  ]);
});

test('a range beside the trace is empty: no events, no state time, zero duration', () => {
  const session = openHandChecked();
  for (const [a, b] of [[t0 + 9000 * us, t0 + 9500 * us], [t0 - 900 * us, t0 - 100 * us]]) {
    const r = session.analyzeRange(a, b);
    assert.equal(r.durationNs, 0);
    assert.equal(r.totals.events, 0);
    assert.equal(r.vms[0].vcpus.reduce((n, v) => n + v.time.guest + v.time.host + v.time.preempted!, 0), 0);
  }
});
