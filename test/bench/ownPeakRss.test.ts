// A bench child reports its own peak RSS, not its parent's: ru_maxrss survives fork and exec,
// so children of a full `npm run bench` (whose in-process parts grow it to ~400 MB) all read
// ~408 MB, and the scale bench judged 50, 200 and 800 MB on that.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/paths';
import { ownPeakRssMb, procStatusMb } from '../../bench/ownPeakRss';

const PARENT_MB = 300;

test("a bench child spawned by a large parent reports its own peak RSS, not the parent's", { skip: procStatusMb() === null && 'no /proc here' }, () => {
  const bench = join(ROOT, 'dist', 'bench.js');
  assert.ok(existsSync(bench), `${bench} is built by npm test's pretest`);
  const ballast = Buffer.alloc(PARENT_MB << 20, 1); // every page written: resident
  const r = spawnSync(process.execPath, [bench, '--child', 'scan', join(ROOT, 'samples', 'oversubscribed-4vm.report')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { maxRssMb } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { maxRssMb: number };
  // A Node process reading the 0.5 MB sample peaks at ~50 MB; the parent's RSS is over 300 MB.
  assert.ok(maxRssMb > 10 && maxRssMb < PARENT_MB / 2, `the child reported ${maxRssMb.toFixed(0)} MB`);
  assert.ok(ownPeakRssMb() >= PARENT_MB, 'this process holds the ballast');
  ballast[0] = 2;
});
