// The first-view verdict of the dashboard bench: the first dashboard the page draws counts,
// partial or whole (a file read before a partial view is due shows the whole one first).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { firstViewLine, firstViewMs, type FirstViewFigures } from '../../bench/dashboardBench';

const figures = (over: Partial<FirstViewFigures>): FirstViewFigures => ({
  megabytes: 200,
  firstPartialMs: null,
  firstPartialShare: null,
  partials: 0,
  fullMs: 1320,
  partialRenderMs: null,
  fullRenderMs: 102,
  ...over,
});

test('no partial view: the whole dashboard is the first view, and it is judged', () => {
  const f = figures({});
  assert.deepEqual(firstViewMs(f), { ms: 1422, partial: false });
  assert.match(firstViewLine(f), /first partial view none \(the whole file was read before one was due\); whole dashboard 1\.32 s \+ 102 ms drawing; target first view ≤ 2\.50 s: met \(1\.42 s, the whole dashboard\)$/);
  assert.match(firstViewLine(figures({ fullMs: 2450 })), /target first view ≤ 2\.50 s: MISSED \(2\.55 s, the whole dashboard\)$/);
});

test('a partial view: it is the first view, drawing included', () => {
  const f = figures({ firstPartialMs: 1040, firstPartialShare: 0.31, partials: 2, partialRenderMs: 103, fullMs: 2150 });
  assert.deepEqual(firstViewMs(f), { ms: 1143, partial: true });
  assert.match(firstViewLine(f), /first partial view 1\.04 s \+ 103 ms drawing \(31 % read; 2 partial views in all\); whole dashboard 2\.15 s \+ 102 ms drawing; target first view ≤ 2\.50 s: met \(1\.14 s, the partial dashboard\)$/);
});
