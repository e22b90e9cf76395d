// Boosts waiting for a pick: reused columns, each boost read back as it was added.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BoostsAwaitingPick } from '../../src/core/sim/boostsAwaitingPick';
import type { SchedTask } from '../../src/core/sim/host/scheduler';

const tasks = [0, 1, 2].map((id) => ({ id, tid: 100 + id }) as SchedTask);

test('boosts read back in order; after clear() only the new ones', () => {
  const b = new BoostsAwaitingPick();
  b.add(tasks[0], true, 4);
  b.add(tasks[1], false, -1);
  assert.equal(b.length, 2);
  assert.deepEqual([b.target(1), b.isSameQueue(1), b.truthIndex(1)], [tasks[1], false, -1]);
  b.clear();
  assert.equal(b.length, 0);
  b.add(tasks[2], false, 7);
  assert.equal(b.length, 1);
  assert.deepEqual([b.target(0), b.isSameQueue(0), b.truthIndex(0)], [tasks[2], false, 7]);
});
