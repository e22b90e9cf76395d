// Compiles tsconfig.test.json into out/ as two tsc processes at once, one per core: the emit
// (--noCheck: tsc's own output, no type check, ~7 s of CPU) and the type check (--noEmit,
// ~12 s), where one `tsc` did both on one core (~16 s), the other idle. Either failing fails
// the compile, with tsc's messages. Each keeps its own incremental state, so a second compile
// redoes only what changed.
//   node scripts/compile-tests.mjs
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const { childrenCpuMs } = createRequire(import.meta.url)('./test-cpu.cjs');

const PROJECT = 'tsconfig.test.json';
const tsc = createRequire(join(process.cwd(), 'package.json')).resolve('typescript/bin/tsc');
const startedAt = Date.now();

/** Runs tsc with `args`; resolves to its exit status, its output and its CPU ms. */
function runTsc(args) {
  const child = spawn(process.execPath, [tsc, '-p', PROJECT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => {
    child.on('error', (err) => resolve({ ok: false, output: `${err.message}\n` }));
    child.on('close', (status, signal) => resolve({ ok: status === 0, output: output || (status === 0 ? '' : `tsc ${args.join(' ')}: ${signal ?? status}\n`) }));
  });
}

const [check, emit] = await Promise.all([runTsc(['--noEmit']), runTsc(['--noCheck', '--tsBuildInfoFile', 'out/test-emit.tsbuildinfo'])]);
for (const r of [check, emit]) process.stdout.write(r.output);
// Both are reaped: this process's cutime and cstime are theirs.
const cpuS = (childrenCpuMs('self', false) / 1000).toFixed(1);
process.stdout.write(`compile-tests: type check ${check.ok ? 'passed' : 'FAILED'}, emit ${emit.ok ? 'done' : 'FAILED'}; ${((Date.now() - startedAt) / 1000).toFixed(1)} s wall, ${cpuS} s CPU\n`);
process.exitCode = check.ok && emit.ok ? 0 : 1;
