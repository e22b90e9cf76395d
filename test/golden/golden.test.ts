// Golden files: the whole `kvm-spin analyze --json` of the hand-checked trace (every figure
// worked out by hand: see the comments in test/core/analysis.test.ts, session.test.ts and
// exitStats.test.ts) and of the bundled sample (per-vCPU exits, exit statistics, state times
// and PAUSE-exit times re-computed by an independent script; decisions as documented).
// After a deliberate change of the JSON: KVM_SPIN_UPDATE_GOLDEN=1 node --test out/test/golden/,
// then read the diff before committing it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { analyzeTraceText } from '../../src/core/pipeline';
import { toAnalyzeJson } from '../../src/core/analysis/report';
import { ROOT, fixture } from '../support/paths';

function checkGolden(tracePath: string, goldenName: string): void {
  const actual = JSON.parse(JSON.stringify(toAnalyzeJson(analyzeTraceText(readFileSync(tracePath, 'utf8'), basename(tracePath)))));
  const goldenPath = join(ROOT, 'test', 'golden', goldenName);
  if (process.env.KVM_SPIN_UPDATE_GOLDEN === '1') writeFileSync(goldenPath, JSON.stringify(actual, null, 2) + '\n');
  assert.deepEqual(actual, JSON.parse(readFileSync(goldenPath, 'utf8')));
}

test('golden: the hand-checked trace, every figure worked out by hand', () => {
  checkGolden(fixture('handchecked-ftrace-tgid.txt'), 'handchecked-ftrace-tgid.json');
});

test('golden: the bundled sample', () => {
  checkGolden(join(ROOT, 'samples', 'oversubscribed-4vm.report'), 'oversubscribed-4vm.json');
});
