// Bin widths and durations in the unit that suits them: "5.86 µs", not "0.00586 ms".
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatDuration } from '../../webview/duration';

test('the SI prefix follows the magnitude, for ns clocks and for cycle counters', () => {
  assert.equal(formatDuration(5860), '5.86 µs');
  assert.equal(formatDuration(999), '999 ns');
  assert.equal(formatDuration(1000), '1 µs');
  assert.equal(formatDuration(2_500_000), '2.5 ms');
  assert.equal(formatDuration(183e9), '183 s');
  assert.equal(formatDuration(999_960), '1 ms');
  assert.equal(formatDuration(0), '0 ns');
  assert.equal(formatDuration(-5860), '-5.86 µs');
  assert.equal(formatDuration(5860, 'cycles'), '5.86 kcycles');
  assert.equal(formatDuration(10_100_000, 'cycles'), '10.1 Mcycles');
  assert.equal(formatDuration(12, 'cycles'), '12 cycles');
  assert.equal(formatDuration(1_234_600, 'ns', 4), '1.235 ms');
});
