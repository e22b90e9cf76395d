import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { busyCores, runnableNow } from '../../src/core/trace/cpuLoad';

const loadavgText = (running: number) => `7.52 3.10 1.04 ${running}/412 30311\n`;

test('runnable now: the mean of five looks at /proc/loadavg\'s running count, this thread left out', () => {
  const seen = [1, 3, 2, 1, 3];
  let i = 0;
  assert.equal(runnableNow(() => loadavgText(seen[i++])), (0 + 2 + 1 + 0 + 2) / 5);
  assert.equal(i, 5);
});

test('runnable now is null where /proc/loadavg cannot be read or has another shape', () => {
  assert.equal(runnableNow(() => { throw new Error('ENOENT'); }), null);
  assert.equal(runnableNow(() => '0.00 0.01 0.05\n'), null);
});

test('busy cores: what runs now, not the lagging minute; the minute where "now" cannot be read', () => {
  assert.equal(busyCores(0.2, 2.5), 0.2, 'a burst that has ended counts no more');
  assert.equal(busyCores(6, 1.5), 6, 'a burst that has begun counts already');
  assert.equal(busyCores(null, 2.5), 2.5);
});

test('on this machine "now" is read: a number of runnable tasks, at least 0', { skip: process.platform !== 'linux' }, () => {
  const now = runnableNow();
  assert.ok(now !== null && now >= 0, String(now));
});
