// The reused wait-set buffer: a refill shows only what was added since clear().
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { WaitSet } from '../../src/core/sim/guest/waitSet';
import type { Vcpu } from '../../src/core/sim/guest/vcpu';

const vcpus = [0, 1, 2, 3].map((idx) => ({ idx }) as Vcpu);

test('a shorter refill hides the stale entries of a longer one', () => {
  const w = new WaitSet();
  for (const v of vcpus) w.add(v);
  assert.equal(w.length, 4);
  assert.equal(w.clear(), w);
  w.add(vcpus[2]);
  assert.equal(w.length, 1);
  assert.equal(w.at(0), vcpus[2]);
  assert.equal(w.includes(vcpus[2]), true);
  assert.equal(w.includes(vcpus[3]), false);
  assert.deepEqual(w.toArray(), [vcpus[2]]);
});

test('an empty set includes nothing', () => {
  const w = new WaitSet();
  assert.equal(w.length, 0);
  assert.equal(w.includes(vcpus[0]), false);
  assert.deepEqual(w.toArray(), []);
});
