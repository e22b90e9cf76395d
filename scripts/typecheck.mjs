// The project's type check as a child process (tsc --noEmit -p PROJECT), for the test runner
// (which runs it beside the tests) and for compile-tests.mjs --check.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** Starts `tsc --noEmit -p project`; resolves to whether it passed and what it printed. */
export function typeCheck(project) {
  const tsc = createRequire(join(process.cwd(), 'package.json')).resolve('typescript/bin/tsc');
  // Incremental (tsconfig.test.json): a rerun checks only what changed; a fresh clone checks all.
  const child = spawn(process.execPath, [tsc, '-p', project, '--noEmit'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => {
    child.on('error', (err) => resolve({ ok: false, output: `tsc: ${err.message}\n` }));
    child.on('close', (status, signal) => resolve({ ok: status === 0, output: output || (status === 0 ? '' : `tsc --noEmit: ${signal ?? status}\n`) }));
  });
}
