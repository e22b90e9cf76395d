// The analysis's census (analysis/census.ts): exact counts on a hand-made store; the census of
// a store cut anywhere and added up is the census of the whole (fast-check); the vCPU numbers
// it finds are the first in each thread's kvm events, as a plain loop over the rows finds them.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { addCensus, eventVcpus, stateEventsOf, takeCensus } from '../../src/core/analysis/census';
import { EventKind, EventStore, PID_MAX_LIMIT } from '../../src/core/trace/model';

type Row = { kind: EventKind; cpu: number; tid: number; a: number; b: number; c: number };

function storeOf(rows: readonly Row[]): EventStore {
  const store = new EventStore(16);
  const pause = store.strings.intern('PAUSE_INSTRUCTION');
  const hlt = store.strings.intern('HLT');
  rows.forEach((r, i) => {
    const at = store.push(i, r.cpu, r.tid, r.kind, i + 1);
    store.a[at] = r.a;
    store.b[at] = r.kind === EventKind.KvmExit ? (r.b === 1 ? pause : hlt) : r.b;
    store.c[at] = r.c;
  });
  return store;
}

const row = (kind: EventKind, cpu: number, tid: number, a = 0, b = 0, c = 0): Row => ({ kind, cpu, tid, a, b, c });

test('a hand-made store: kinds, PAUSE exits, runs per pCPU, vCPU numbers and state events per thread', () => {
  const store = storeOf([
    row(EventKind.KvmExit, 0, 101, -1, 1), // vCPU thread 101, no number yet; a PAUSE exit
    row(EventKind.KvmEntry, 0, 101, 3), // its number: 3
    row(EventKind.SchedSwitch, 0, 101, 101, 0, 202), // 101 out, 202 in: pCPU 0's second run
    row(EventKind.KvmExit, 1, 202, 0, 0), // vCPU 0, an HLT exit; pCPU 1's first run
    row(EventKind.PleWindow, 1, 202, 5), // a later number never replaces the first
    row(EventKind.SchedWakeup, 1, 7, 101),
    row(EventKind.KvmEntry, 1, 101, 4), // nor for 101
  ]);
  const census = takeCensus(store);
  assert.equal(census.rows, 7);
  assert.equal(census.pauseExits, 1);
  assert.deepEqual([census.perKind[EventKind.KvmExit], census.perKind[EventKind.KvmEntry], census.perKind[EventKind.SchedSwitch], census.perKind[EventKind.PleWindow]], [2, 2, 1, 1]);
  assert.deepEqual([census.runsOfCpu[0], census.runsOfCpu[1], census.runsOfCpu[2]], [2, 1, 0]);
  assert.deepEqual([...eventVcpus(census)], [
    [101, 3],
    [202, 0],
  ]);
  // 101: exit, entry, switch out, wakeup, entry; 202: switch in, exit (a window update is no state change).
  assert.deepEqual([stateEventsOf(census, 101), stateEventsOf(census, 202), stateEventsOf(census, 7)], [5, 2, 0]);
});

/** The vCPU number of each thread with kvm events, by the rule mapVcpus had before the census: the first ≥ 0, else -1. */
function firstNumbers(store: EventStore): Map<number, number> {
  const byTid = new Map<number, number>();
  for (let i = 0; i < store.length; i++) {
    const k = store.kind[i];
    if (k !== EventKind.KvmExit && k !== EventKind.KvmEntry && k !== EventKind.PleWindow) continue;
    const known = byTid.get(store.tid[i]);
    if (known === undefined || (known < 0 && store.a[i] >= 0)) byTid.set(store.tid[i], store.a[i] >= 0 ? store.a[i] : -1);
  }
  return byTid;
}

const kinds = [EventKind.KvmExit, EventKind.KvmEntry, EventKind.PleWindow, EventKind.SchedSwitch, EventKind.SchedWakeup, EventKind.SchedWaking, EventKind.SchedWakeupNew, EventKind.ApicIpi];
// Thread ids: a few small ones, and ones outside the dense range (negative, PID_MAX_LIMIT and past it).
const tids = fc.constantFrom(0, 1, 2, 3, 40, -1, PID_MAX_LIMIT, PID_MAX_LIMIT + 9);
const rowArb = fc.record({ kind: fc.constantFrom(...kinds), cpu: fc.integer({ min: 0, max: 3 }), tid: tids, a: fc.integer({ min: -2, max: 3 }), b: fc.integer({ min: 0, max: 1 }), c: tids });
const sorted = (m: Map<number, number>) => [...m].sort((p, q) => p[0] - q[0]);

test('the census of a store cut anywhere, added up in order, is the census of the whole', () => {
  fc.assert(
    fc.property(fc.array(rowArb, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 3 }), (rows, rawCuts) => {
      const store = storeOf(rows);
      const cuts = [...new Set(rawCuts.map((c) => c % (rows.length + 1)))].sort((p, q) => p - q);
      const bounds = [0, ...cuts, rows.length];
      let sum = takeCensus(store, 0, bounds[1]);
      for (let i = 1; i + 1 < bounds.length; i++) sum = addCensus(sum, takeCensus(store, bounds[i], bounds[i + 1]));
      const whole = takeCensus(store);
      assert.deepEqual({ ...sum, vcpuCode: null, stateEvents: null, vcpuCodeOther: null, stateEventsOther: null }, { ...whole, vcpuCode: null, stateEvents: null, vcpuCodeOther: null, stateEventsOther: null });
      assert.deepEqual(sorted(eventVcpus(sum)), sorted(eventVcpus(whole)));
      assert.deepEqual(sorted(eventVcpus(whole)), sorted(firstNumbers(store)));
      for (const t of [0, 1, 2, 3, 40, -1, PID_MAX_LIMIT, PID_MAX_LIMIT + 9]) assert.equal(stateEventsOf(sum, t), stateEventsOf(whole, t), `thread ${t}`);
    }),
  );
});
