// Wake placement and load balancing (host.balance = balanced): select_idle_sibling finds an
// idle CPU, newidle balance pulls a cache-cold queued task, migration keeps vruntime relative
// to min_vruntime, and a balanced run records sched_migrate_task.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHostScheduler } from '../../src/core/sim/host';
import { LoadBalancer } from '../../src/core/sim/host/balance';
import { EventKind } from '../../src/core/trace/model';
import { builtinScenario, parseScenario } from '../../src/core/sim/scenario';
import { policyByName } from '../../src/core/sim/policies';
import { simulate } from '../../src/core/sim/simulator';
import { config, ms, queue, run, task } from './hostHelpers';

function host(ncpus: number) {
  const s = createHostScheduler(config({}), ncpus);
  const moves: [number, number, number][] = [];
  const balancer = new LoadBalancer(s, ncpus, (t, from, to) => moves.push([t.tid, from, to]));
  return { s, balancer, moves };
}

test('a wake-up whose CPU is busy goes to an idle sibling (select_idle_sibling), with its vruntime renormalised', () => {
  const { s, balancer, moves } = host(2);
  const busy = task(1, 0, 0);
  queue(s, [busy]);
  run(s, busy);
  s.updateCurr(0, 30 * ms); // min_vruntime of CPU 0 is now 30 ms
  const sleeper = task(2, 28 * ms, 0);
  s.attach(sleeper, null);
  balancer.placeWakee(sleeper, null, 30 * ms);
  assert.deepEqual(moves, [[102, 0, 1]]);
  assert.equal(sleeper.cpu, 1);
  assert.equal(sleeper.vruntime, -2 * ms, '28 ms - CPU 0\'s 30 ms + CPU 1\'s 0');
  s.enqueueWakeup(sleeper, 30 * ms);
  assert.equal(s.nrRunning(1), 1);
  assert.equal(s.pickNext(1, 30 * ms), sleeper);
});

test('newidle balance pulls one cache-cold queued task from the busiest CPU, never the running one', () => {
  const { s, balancer, moves } = host(2);
  const [a, b, c] = [task(1, 0, 0), task(2, 1 * ms, 0), task(3, 2 * ms, 0)];
  queue(s, [a, b, c]);
  run(s, a);
  assert.equal(balancer.pullForIdle(1, 0.2 * ms), false, "within the migration cost of their last run (0): hot");
  assert.equal(balancer.pullForIdle(1, 1 * ms), true, "b and c are cold by 1 ms");
  assert.equal(moves.length, 1);
  assert.notEqual(moves[0][0], a.tid);
  assert.deepEqual([s.nrRunning(0), s.nrRunning(1)], [2, 1]);
  assert.equal(s.queuedTasks(1).length, 1);
});

test('a balanced run migrates tasks and records sched_migrate_task (pid, orig cpu, dest cpu); a pinned one never does', () => {
  const base = builtinScenario('case-mismatch');
  const scenario = parseScenario({ ...base, host: { ...base.host, balance: 'balanced' } }, 'case-mismatch');
  const r = simulate({ scenario, policy: policyByName('vanilla-5.6'), seed: 1, durationNs: 30e6, warmupNs: 0, record: true });
  const store = r.store!;
  const rows = [];
  for (let i = 0; i < store.length; i++) if (store.kind[i] === EventKind.SchedMigrate) rows.push(i);
  assert.ok(rows.length > 0);
  for (const i of rows) {
    assert.equal(store.a[i], store.tid[i]);
    assert.notEqual(store.b[i], store.c[i]);
    assert.equal(store.cpu[i], store.c[i]);
  }
  const pinned = simulate({ scenario: base, policy: policyByName('vanilla-5.6'), seed: 1, durationNs: 30e6, warmupNs: 0, record: true }).store!;
  for (let i = 0; i < pinned.length; i++) assert.notEqual(pinned.kind[i], EventKind.SchedMigrate);
});

test('host.balance: pinned by default, else balanced; anything else is a one-line error naming the path', () => {
  const ok = { host: { pcpus: 2 }, vms: [{ vcpus: 2, workload: { type: 'spinlock', computeUs: 10, criticalUs: 1 } }] };
  assert.equal(parseScenario(ok).host.balance, 'pinned');
  assert.throws(() => parseScenario({ ...ok, host: { pcpus: 2, balance: 'roaming' } }), { message: '$.host.balance: expected one of pinned, balanced, got "roaming"' });
});

test('a sched_delayed task is woken where it is (ttwu_runnable, 6.12+): no CPU is chosen for it, even with one idle', () => {
  const s = createHostScheduler(config({ kind: 'eevdf', delayDequeue: true, placeRelDeadline: true }), 2);
  const moves: number[] = [];
  const balancer = new LoadBalancer(s, 2, (t) => moves.push(t.tid));
  const a = task(1, 20 * ms, 0);
  const b = task(2, 10 * ms, 0);
  queue(s, [a, b]);
  run(s, a);
  s.dequeueSleep(a, 0); // V = 15 ms: a is not eligible, so it stays queued as delayed
  assert.equal(a.delayed, true);
  balancer.placeWakee(a, null, 0);
  assert.deepEqual(moves, [], 'CPU 1 is idle, yet the delayed task is not moved');
  s.enqueueWakeup(a, 0);
  assert.deepEqual([a.cpu, a.delayed, a.onRq], [0, false, true]);
});
