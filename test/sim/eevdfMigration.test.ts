// What EEVDF keeps of a task that changes CPU: PLACE_REL_DEADLINE (6.12+, 82e9d0456e06) keeps
// a queued task's deadline relative to its vruntime across the move (dequeue_entity() without
// DEQUEUE_SLEEP, place_entity()); 6.6 gives it a fresh slice on arrival.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { eevdf, ms, queue, task } from './hostHelpers';

function migrateMidRequest(placeRelDeadline: boolean) {
  const s = eevdf({ placeRelDeadline });
  const mover = task(1, 10 * ms);
  mover.deadline = 11 * ms; // 1 ms of its 3 ms request left
  const stay = task(2, 12 * ms);
  const other = task(3, 40 * ms, 1);
  queue(s, [mover, stay, other]);
  s.migrate(mover, 1, 0);
  return { mover, other };
}

test('PLACE_REL_DEADLINE (6.12+): a queued task migrated mid-request keeps the 1 ms it had left', () => {
  const { mover } = migrateMidRequest(true);
  assert.equal(mover.cpu, 1);
  assert.equal(mover.deadline - mover.vruntime, 1 * ms);
});

test('6.6 (no PLACE_REL_DEADLINE): the migrated task gets a whole new request (base slice 3 ms)', () => {
  const { mover } = migrateMidRequest(false);
  assert.equal(mover.deadline - mover.vruntime, 3 * ms);
});

test('a sleeping task that migrates is placed with a fresh request either way (its sleep was a DEQUEUE_SLEEP)', () => {
  const s = eevdf({ placeRelDeadline: true });
  const sleeper = task(1, 10 * ms);
  sleeper.deadline = 11 * ms;
  const other = task(3, 40 * ms, 1);
  s.attach(sleeper, null);
  queue(s, [other]);
  s.migrate(sleeper, 1, 0);
  s.enqueueWakeup(sleeper, 0);
  assert.equal(sleeper.deadline - sleeper.vruntime, 3 * ms);
});
