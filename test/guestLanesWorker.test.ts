// "Add Guest Trace…" on an open trace editor, through the session worker: the guest of this
// host is paired and its lanes come back in the next window; a guest of another host is
// refused with the one-line reason and the session keeps what it had.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { openTraceSession } from '../src/extension/workerBridge';
import { GuestRunKind as R } from '../src/core/views/guestLanes';
import { ROOT } from './support/paths';
import { scratchDir } from './support/scratch';
import { GUEST_ID, writeGuestLanePair } from './support/guestLanePair';

const worker = join(ROOT, 'dist', 'sessionWorker.js');
const US = 1000;

test('session worker: a guest trace added to an open host trace draws its lanes; another host\'s guest is refused in one line', async () => {
  const { hostPath, guestPath } = writeGuestLanePair(scratchDir('kvm-spin-guest-'));
  const other = writeGuestLanePair(scratchDir('kvm-spin-guest-other-'), '0xABC00000000000FF');
  const session = openTraceSession(worker, hostPath, () => {});
  try {
    await session.opened;
    const request = { startNs: 0, endNs: 1000 * US, widthPx: 1000 };
    // The What-if replay judges targets against a truth only once guests are there.
    assert.equal((await session.query({ kind: 'replay', inKernel: 'kernel' })).observedTruth, undefined);
    const before = await session.query({ kind: 'timeline', request });
    assert.equal(before.guestLanes, undefined);
    await assert.rejects(session.query({ kind: 'addGuests', paths: [guestPath] }).then(() => session.query({ kind: 'addGuests', paths: [guestPath] })), /given twice/);
    // The other pair's guest: its TIME_SHIFT names the other host.
    const refused = await session.query({ kind: 'addGuests', paths: [other.guestPath] }).then(
      () => null,
      (err: Error) => err.message,
    );
    assert.equal(refused, `${other.guestPath}: guest trace ${GUEST_ID} belongs to host trace 0xABC00000000000FF, not to host.report (trace id 0xABC0000000000011)`);
    const after = await session.query({ kind: 'timeline', request });
    assert.deepEqual(after.guestLanes?.map((l) => [l.traceId, l.vcpu, l.afterVcpuLane]), [
      [GUEST_ID, 0, 0],
      [GUEST_ID, 1, 1],
    ]);
    const lane = after.lanes.find((l) => l.kind === 'guest' && l.index === 0)!;
    assert.deepEqual(lane.segments.slice(0, 8), [100, 150, R.Task, 1000, 150, 180, R.LockContention, 1000]);
    const replay = await session.query({ kind: 'replay', inKernel: 'kernel' });
    assert.ok(replay.observedTruth, 'with a guest the host\'s decisions are judged against its truth');
    assert.ok(replay.policies.every((p) => p.truth !== undefined), 'and so is every policy\'s target');
    const details = await session.query({ kind: 'timelineDetails', request: { lane: 'guest', index: 0, ns: 160 * US, toleranceNs: 0 } });
    assert.equal(details?.title, 'guest vm0 CPU 0: lock contention');
  } finally {
    session.dispose();
  }
});
