// Emits tsconfig.test.json's files into out/ for the tests, file by file, with esbuild (no
// bundle: one .js and .js.map per .ts at the same path, the imported JSON beside them). The
// project compiles with `isolatedModules`, so a per-file transform gives what tsc's emit gives;
// it takes ~1 s of CPU where tsc's own emit (--noCheck) took ~7 s, and the type check (~12 s of
// one core) runs beside the tests instead of before them (scripts/run-tests.mjs --typecheck).
// One change to esbuild's CommonJS: `module.exports` is the module's own exports object, not
// __toCommonJS's copy of it, whose getters share one closure per module that looks the name up
// by key (`from[key]`) — a generic look-up at every use of an imported name, which V8 cannot
// specialise (`EventKind.KvmExit` in a loop): the suite's files took 8 % more CPU with it.
//   node scripts/compile-tests.mjs          emit only
//   node scripts/compile-tests.mjs --check  emit, then type check (tsc --noEmit) as well
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { typeCheck } from './typecheck.mjs';

const PROJECT = 'tsconfig.test.json';
const OUT = 'out';
const startedAt = Date.now();

/** The project's include list, read from its tsconfig (a folder, or a folder/*.ts pattern). */
function includedFiles() {
  const { include } = JSON.parse(readFileSync(PROJECT, 'utf8'));
  const files = [];
  const walk = (dir, pattern) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!pattern) walk(p, pattern);
      } else if ((entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) || (entry.name.endsWith('.json') && p.startsWith('src'))) {
        files.push(p);
      }
    }
  };
  for (const item of include) {
    const star = item.indexOf('/*');
    walk(star < 0 ? item : item.slice(0, star), star >= 0);
  }
  return files;
}

const files = includedFiles();
const sources = files.filter((f) => f.endsWith('.ts'));
const { outputFiles } = await esbuild.build({
  write: false,
  entryPoints: sources,
  outdir: OUT,
  outbase: '.',
  bundle: false,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  // ES modules are strict; tsc's CommonJS output says so, esbuild's per-file output does not.
  banner: { js: '"use strict";' },
  // tsc's CommonJS turns import() into require() (the paths have no extension); so must this.
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
});
const TO_COMMONJS = /^module\.exports = __toCommonJS\(([\w$]+)\);$/m;
let ownExports = 0;
for (const file of outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  const rewrite = file.path.endsWith('.js') && TO_COMMONJS.test(file.text);
  if (rewrite) ownExports++;
  // On one line, so that the source map's lines stay where they were.
  writeFileSync(file.path, rewrite ? file.text.replace(TO_COMMONJS, 'module.exports = (__defProp($1, "__esModule", { value: true }), $1);') : file.contents);
}
// An esbuild that writes its CommonJS otherwise would leave the slow copy in place without a word.
if (ownExports === 0) throw new Error('compile-tests: no module.exports = __toCommonJS(...) line to rewrite: esbuild changed its CommonJS output');
// Modules import the scenarios' JSON (resolveJsonModule): tsc copies what is imported.
for (const json of files.filter((f) => f.endsWith('.json'))) {
  mkdirSync(dirname(join(OUT, json)), { recursive: true });
  copyFileSync(json, join(OUT, json));
}
let ok = true;
if (process.argv.includes('--check')) {
  const check = await typeCheck(PROJECT);
  process.stdout.write(check.output);
  ok = check.ok;
}
process.stdout.write(`compile-tests: ${sources.length} files emitted${process.argv.includes('--check') ? `, type check ${ok ? 'passed' : 'FAILED'}` : ''}; ${((Date.now() - startedAt) / 1000).toFixed(1)} s wall\n`);
process.exitCode = ok ? 0 : 1;
