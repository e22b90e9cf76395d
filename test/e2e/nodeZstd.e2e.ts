// The trace.dat tests under the Node that code-server's extension host runs (Node 24, installed
// by scripts/e2e/setup.sh): there decompress.ts reads zstd through node:zlib, a path the unit
// tests on Node 20 (fzstd) never take — its bounds, its damaged-frame refusals, its messages.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../support/paths';
import { installCodeServer } from './codeServer';

const DAT_TESTS = ['datBounds', 'traceDat', 'datFuzz', 'guestTraceDat'].map((name) => join(ROOT, 'out', 'test', 'core', `${name}.test.js`));

test("the trace.dat tests pass on code-server's Node, which reads zstd through node:zlib", { timeout: 600_000 }, () => {
  const { node } = installCodeServer();
  const decompress = join(ROOT, 'out', 'src', 'core', 'trace', 'dat', 'decompress.js');
  const decoder = spawnSync(node, ['-p', `require(${JSON.stringify(decompress)}).zstdDecoder`], { encoding: 'utf8' });
  assert.equal(decoder.stdout.trim(), 'node:zlib', `the decoder on ${node}: ${decoder.stderr}`);
  // Without this runner's NODE_TEST_CONTEXT, which would make the inner runner report to it.
  const env = { ...process.env, NODE_TEST_CONTEXT: undefined };
  const run = spawnSync(node, ['--test', '--test-reporter=spec', ...DAT_TESTS], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.equal(run.status, 0, `${node} --test ${DAT_TESTS.join(' ')}:\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`);
  assert.match(run.stdout, new RegExp(`^ℹ pass [1-9]\\d*$`, 'm'));
  assert.match(run.stdout, /^ℹ fail 0$/m);
});
