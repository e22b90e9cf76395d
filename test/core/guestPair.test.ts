// A small hand-checked host + guest pair: the guest is recognised by trace id, moved onto the
// host clock, and every decision's label from its events is the one worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTraceFile, attachGuestTraces } from '../../src/core/pipeline';
import { guestTruth } from '../../src/core/analysis/guestTruth';
import { GuestTraceError } from '../../src/core/guestTraces';
import { toAnalyzeJson } from '../../src/core/analysis/report';
import { GUEST_ID, HOST_ID, TIDS, writePair } from '../support/guestPair';

test('a hand-checked host + guest pair: recognised by trace id, placed on the host clock, labelled exactly', async () => {
  const { hostPath, guestPath } = writePair(mkdtempSync(join(tmpdir(), 'guest-pair-')));
  const host = await analyzeTraceFile(hostPath);
  assert.equal(host.origin.traceId, HOST_ID);
  assert.equal(host.analysis.vms.length, 1);
  const [guest] = await attachGuestTraces(host, [guestPath]);
  assert.equal(guest.traceId, GUEST_ID);
  assert.equal(guest.name, '');
  assert.equal(guest.events, 11);
  assert.equal(guest.firstNs, 100_000);
  assert.equal(guest.lastNs, 345_000);
  const truth = guestTruth(host.session.store, [guest], { pendingInterruptRule: false, strictBoost: 'off' });
  assert.deepEqual(
    truth.decisions.map((d) => [d.ts / 1e3, d.label, d.lost, d.wait, d.waitedFor]),
    [
      [200, 'unhelpful', true, 'ipi', [5003]],
      [300, 'helpful', false, 'ipi', [5003]],
      [400, 'unhelpful', false, 'lock', [5003]],
      [450, 'noBoost', false, 'lock', [5003]],
      [480, 'overboost', false, 'lock', [5003]],
    ],
  );
  const json = toAnalyzeJson(host);
  assert.deepEqual(json.guests, [{ traceId: GUEST_ID, name: '', vcpus: TIDS.map((hostTid, vcpu) => ({ vcpu, hostTid })), events: 11, firstNs: 100_000, lastNs: 345_000 }]);
  assert.deepEqual(json.problemsFromGuest?.problems, { schedulerMismatch: host.analysis.problems.schedulerMismatch, lostOpportunity: 1, overboost: 1 });
  assert.equal(json.problemsFromGuest?.judged, 5);
});

test('with the 5.13 pending-interrupt rule the preempted receiver of a pending csd is not skipped: no lost opportunity', async () => {
  const { hostPath, guestPath } = writePair(mkdtempSync(join(tmpdir(), 'guest-pair-')));
  const host = await analyzeTraceFile(hostPath);
  const [guest] = await attachGuestTraces(host, [guestPath]);
  const truth = guestTruth(host.session.store, [guest], { pendingInterruptRule: true, strictBoost: 'off' });
  assert.equal(truth.counts.lostOpportunity, 0);
});

test('a guest of another host is refused in one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'guest-pair-'));
  const { guestPath } = writePair(dir, '0xDEAD');
  const { hostPath } = writePair(mkdtempSync(join(tmpdir(), 'guest-pair-')));
  const host = await analyzeTraceFile(hostPath);
  await assert.rejects(attachGuestTraces(host, [guestPath]), (err: unknown) => {
    assert.ok(err instanceof GuestTraceError);
    assert.match((err as Error).message, /guest trace 0xABC0000000000002 belongs to host trace 0xDEAD, not to .*host\.report \(trace id 0xABC0000000000001\)$/);
    return true;
  });
  await assert.rejects(attachGuestTraces(host, [hostPath]), /not a guest trace/);
});

test('a guest read in ns through TSC2NSEC has its TIME_SHIFT applied in ns: hand-computed', async () => {
  const { EventStore } = await import('../../src/core/trace/model');
  const { placeGuest } = await import('../../src/core/guestTraces');
  const store = new EventStore();
  // 1.5 ns per count (mult 3 · 2^30, shift 31): guest count 1000 was read as 1500 ns; the host
  // is 200 counts behind, so the host time is 800 counts = 1200 ns.
  store.push(1500, 0, 1, 7, 1);
  store.origin = { traceId: GUEST_ID, guests: [], tsc2nsec: { mult: 3 * 2 ** 30, shift: 31, offset: 0n }, timeShift: { peerTraceId: HOST_ID, flags: 0, cpus: [[{ time: 0n, offset: -200n, scaling: 1n, fraction: 0n }]] } };
  const g = placeGuest(store, { traceId: GUEST_ID, name: 'g', vcpus: [{ vcpu: 0, hostTid: 5001 }] }, 'g.dat');
  assert.equal(store.ts[0], 1200);
  assert.deepEqual([g.firstNs, g.lastNs], [1200, 1200]);
});
