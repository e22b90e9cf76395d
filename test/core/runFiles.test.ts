// Simulator run files: written only where the user said (whatever the scenario's name), whole
// or not at all (a full disk leaves nothing), and a file cut short is never taken for whole —
// not by analyze, annotate --run or the extension's run registry.
import '../support/vscodeStub';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import fc from 'fast-check';
import { binaryString } from '../support/binaryString';
import { runJob } from '../../src/core/sim/run';
import { fileNamePart, removePartialRunFiles, runFileName, runFilePath } from '../../src/core/sim/runFileName';
import { builtinScenario, type Scenario } from '../../src/core/sim/scenario';
import { checkRunFile, IncompleteRunFileError, wholeRunFileSiteCounts } from '../../src/core/sim/runFileCheck';
import { OutputError, partialPathFor, writeFileWhole } from '../../src/core/outputFile';
import { analyzeTraceFile } from '../../src/core/pipeline';
import { formatSummary } from '../../src/cli/summary';
import { runFromRunFile } from '../../src/extension/runRegistry';
import { openTraceSession } from '../../src/extension/workerBridge';
import { cliInProcess } from '../support/cli';
import { fixture, ROOT } from '../support/paths';
import { scratchDir } from '../support/scratch';

const cli = (...args: string[]) => cliInProcess(args);
const named = (name: string): Scenario => ({ ...builtinScenario('lock-2vm'), name });
const EVIL = '../../../../tmp/evil';

test('run-file names: a plain name of at most 200 bytes, directly in the folder asked for', () => {
  const dir = '/data/runs';
  assert.equal(runFileName({ scenario: named('paper'), policy: 'strict-boost+debooster', seed: 3 }), 'paper-strict-boost+debooster-seed3.report');
  assert.equal(runFilePath({ scenario: named(EVIL), policy: 'vanilla-5.6', seed: 1 }, dir), '/data/runs/_.._.._.._tmp_evil-vanilla-5.6-seed1.report');
  assert.equal(fileNamePart('..', 50), '_');
  assert.equal(fileNamePart('.hidden', 50), 'hidden');
  assert.equal(fileNamePart('a\u0000b\nc\u202ed', 50), 'a_b_c_d');
  assert.equal(fileNamePart('C:\\Windows\\x', 50), 'C__Windows_x');
  assert.equal(fileNamePart('CON', 50), '_CON');
  assert.equal(fileNamePart('lpt1.x', 50), '_lpt1.x');
  assert.equal(fileNamePart('console', 50), 'console');
  assert.equal(fileNamePart('日本語', 7), '日本'); // UTF-8 bytes, never half a character
  assert.equal(fileNamePart('', 50), '_');
  const long = runFileName({ scenario: named('x'.repeat(100_000)), policy: 'vanilla-5.6', seed: 4294967295 });
  assert.ok(Buffer.byteLength(long) <= 200 && long.endsWith('-vanilla-5.6-seed4294967295.report'), long);
  fc.assert(
    fc.property(binaryString({ maxLength: 400 }), fc.string({ maxLength: 80 }), (name, policy) => {
      const file = runFilePath({ scenario: named(name), policy, seed: 1 }, dir);
      const base = basename(file);
      assert.equal(dirname(file), dir);
      assert.ok(Buffer.byteLength(base) <= 200, base);
      assert.ok(!base.startsWith('.'), base);
      assert.ok(!/[\u0000-\u001f\u007f/\\]/.test(base), base);
    }),
    { numRuns: 500 },
  );
});

test('a scenario named ../../../../tmp/evil writes inside --out (core and CLI)', async () => {
  const root = scratchDir('kvm-spin-evil-');
  const outDir = join(root, 'a', 'b', 'c', 'd');
  mkdirSync(outDir, { recursive: true });
  const run = runJob({ scenario: named('../../../evil'), policy: 'vanilla-5.6', seed: 1, durationNs: 5e6, outDir });
  assert.equal(dirname(run.runFile!), outDir);
  assert.deepEqual(readdirSync(root), ['a']);
  assert.deepEqual(readdirSync(outDir), [basename(run.runFile!)]);
  // Through the CLI, from a scenario file as an untrusted workspace could hold it.
  const scenarioFile = join(root, 'evil.json');
  const raw = JSON.parse(readFileSync(join(ROOT, 'src', 'core', 'sim', 'scenarios', 'lock-2vm.json'), 'utf8'));
  writeFileSync(scenarioFile, JSON.stringify({ ...raw, name: `../../../../${basename(root)}/escaped` }));
  const cliOut = join(root, 'cli');
  const r = await cli('simulate', '--scenario', scenarioFile, '--policy', 'vanilla-5.6', '--duration', '0.005', '--out', cliOut, '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(dirname(JSON.parse(r.stdout).runs[0].runFile), cliOut);
  assert.deepEqual(readdirSync(cliOut), [`_.._.._.._${basename(root)}_escaped-vanilla-5.6-seed1.report`]);
  assert.deepEqual(readdirSync(root).sort(), ['a', 'cli', 'evil.json']);
});

test('simulate --out naming a file, or a folder under a file: one line, exit 2', async () => {
  const dir = scratchDir('kvm-spin-outfile-');
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  for (const [out, cause] of [[file, 'a file of that name is in the way of a folder (EEXIST)'], [join(file, 'sub'), 'a part of the path is not a folder (ENOTDIR)']]) {
    const r = await cli('simulate', '--scenario', 'lock-2vm', '--policy', 'vanilla-5.6', '--duration', '0.005', '--out', out);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `kvm-spin: cannot write ${out}: ${cause}\n`);
  }
});

test('a write that fails leaves no file and no partial file, and keeps an older file', () => {
  const dir = scratchDir('kvm-spin-whole-');
  const file = join(dir, 'run.report');
  writeFileSync(file, 'older run\n');
  const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  assert.throws(
    () =>
      writeFileWhole(file, (write) => {
        write('half of it');
        throw full;
      }),
    (err: unknown) => err instanceof OutputError && err.message === `cannot write ${file}: no space left on the device (ENOSPC)`,
  );
  assert.deepEqual(readdirSync(dir), ['run.report']);
  assert.equal(readFileSync(file, 'utf8'), 'older run\n');
  const bug = new TypeError('a bug');
  assert.throws(() => writeFileWhole(file, () => { throw bug; }), (err) => err === bug); // not the user's to fix: as it was
  writeFileWhole(file, (write) => write('new run\n'));
  assert.deepEqual(readdirSync(dir), ['run.report']);
  assert.equal(readFileSync(file, 'utf8'), 'new run\n');
  // What stopped workers leave behind is removed by name.
  const job = { scenario: named('paper'), policy: 'vanilla-5.6', seed: 1, durationNs: 1, outDir: dir };
  writeFileSync(partialPathFor(runFilePath(job, dir)), 'half');
  assert.equal(readdirSync(dir).length, 2);
  removePartialRunFiles([job]);
  assert.deepEqual(readdirSync(dir), ['run.report']);
});

test('Ctrl-C while a worker writes its run file: exit 130, no partial file left', async () => {
  const dir = scratchDir('kvm-spin-sigint-');
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'simulate', '--scenario', 'paper', '--policy', 'vanilla-5.6', '--duration', '0.3', '--out', dir], { stdio: 'ignore' });
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  const started = Date.now();
  while (!readdirSync(dir).some((n) => n.includes('.partial-')) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20));
  assert.ok(readdirSync(dir).some((n) => n.includes('.partial-')), 'the run file was being written');
  child.kill('SIGINT');
  assert.equal(await closed, 130);
  assert.deepEqual(readdirSync(dir), []);
});

/** Mounts a 1 MiB tmpfs (root only); null where mounting is not permitted. */
function smallDisk(): string | null {
  const dir = scratchDir('kvm-spin-tmpfs-');
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
  return mounted.status === 0 ? dir : null;
}

test('simulate --out on a full disk: one line, exit 2, no file left', async (t) => {
  const disk = smallDisk();
  if (!disk) return t.skip('cannot mount a tmpfs here (needs root)');
  try {
    // Room at the start (1 MiB free), not for the run files (tens of MiB).
    const r = await cli('simulate', '--scenario', 'paper', '--policy', 'vanilla-5.6,strict-boost', '--duration', '0.05', '--out', disk);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^kvm-spin: cannot write \/.*-seed1\.report: no space left on the device \(ENOSPC\)\n$/);
    assert.deepEqual(readdirSync(disk), []);
    // A disk already full is refused before simulating.
    writeFileSync(join(disk, 'fill'), Buffer.alloc(512 << 10));
    const full = await cli('simulate', '--scenario', 'paper', '--policy', 'vanilla-5.6', '--duration', '0.05', '--out', disk);
    assert.equal(full.status, 2, full.stderr);
    assert.match(full.stderr, /^kvm-spin: cannot write .*: no space left on the device \(\d+ bytes free in .*\)\n$/);
    assert.deepEqual(readdirSync(disk), ['fill']);
  } finally {
    spawnSync('umount', [disk]);
    assert.ok(!readFileSync('/proc/self/mounts', 'utf8').includes(disk), 'the tmpfs stayed mounted');
  }
});

let wholeRun: { name: string; bytes: Buffer } | undefined;

/**
 * A whole run file in `dir`, its bytes, and the byte offset where its end marker starts. The
 * run (lock-2vm, vanilla-5.6, seed 2, 20 ms) is simulated once per process; each caller gets a
 * copy of that file, byte for byte, under the name runJob gave it.
 */
function wholeRunFile(dir: string): { file: string; bytes: Buffer; markerAt: number; headerEnd: number } {
  if (!wholeRun) {
    const run = runJob({ scenario: builtinScenario('lock-2vm'), policy: 'vanilla-5.6', seed: 2, durationNs: 20e6, outDir: dir });
    wholeRun = { name: basename(run.runFile!), bytes: readFileSync(run.runFile!) };
  }
  const file = join(dir, wholeRun.name);
  writeFileSync(file, wholeRun.bytes);
  const { bytes } = wholeRun;
  return { file, bytes, markerAt: bytes.lastIndexOf('# kvm-spin-end '), headerEnd: bytes.indexOf('cpus=') };
}

const eventLines = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#') && !l.startsWith('cpus=')).length;
const INCOMPLETE = /^incomplete simulator run file: /;

test('a scenario name that quotes a header key does not hide or forge the header', () => {
  const dir = scratchDir('kvm-spin-forged-');
  const run = runJob({ scenario: named('kvm-spin-metrics {"scenario":"forged"} kvm-spin-sites {}'), policy: 'vanilla-5.6', seed: 1, durationNs: 5e6, outDir: dir });
  const verdict = checkRunFile(run.runFile!);
  assert.ok(verdict.runFile && verdict.problem === null, JSON.stringify(verdict));
  assert.equal(verdict.header?.scenario, 'kvm-spin-metrics {"scenario":"forged"} kvm-spin-sites {}');
});

test('a whole run file passes every check', async () => {
  const { file } = wholeRunFile(scratchDir('kvm-spin-whole-run-'));
  const verdict = checkRunFile(file);
  assert.ok(verdict.runFile && verdict.problem === null && verdict.header?.events === eventLines(file), JSON.stringify(verdict));
  const result = await analyzeTraceFile(file);
  assert.ok(!result.analysis.warnings.some((w) => INCOMPLETE.test(w)), result.analysis.warnings.join('\n'));
  assert.equal(wholeRunFileSiteCounts(file)?.label, 'lock-2vm / vanilla-5.6 / seed 2');
  assert.equal(runFromRunFile(file, 'id')?.label, 'lock-2vm / vanilla-5.6 / seed 2');
  assert.deepEqual(checkRunFile(fixture('handchecked-ftrace-tgid.txt')), { runFile: false });
  assert.equal(wholeRunFileSiteCounts(fixture('handchecked-ftrace-tgid.txt')), null);
});

test('a run file cut short is warned about by analyze, refused by annotate --run, not listed by the registry', async () => {
  const dir = scratchDir('kvm-spin-cut-');
  const { bytes, markerAt, headerEnd } = wholeRunFile(dir);
  const lineEnd = bytes.indexOf('\n', Math.floor(bytes.length / 2)) + 1;
  const firstEvent = bytes.indexOf('\n', headerEnd) + 1;
  const cuts = { 'inside the header': 300, 'in the first event line': firstEvent + 10, 'after the first event line': bytes.indexOf('\n', firstEvent) + 1, 'in the middle': Math.floor(bytes.length / 2), 'at a line end': lineEnd, 'before the end marker': markerAt, 'inside the end marker': bytes.length - 4 };
  for (const [where, at] of Object.entries(cuts)) {
    const file = join(dir, `cut-${where.replace(/ /g, '-')}.report`);
    writeFileSync(file, bytes.subarray(0, at));
    const verdict = checkRunFile(file);
    assert.ok(verdict.runFile && verdict.problem, `${where}: ${JSON.stringify(verdict)}`);
    // analyze: a warning first in the result and in the summary, or a refusal saying why (no events at all).
    if (at < firstEvent + 50) {
      await assert.rejects(analyzeTraceFile(file), (err) => err instanceof IncompleteRunFileError && /: incomplete simulator run file: /.test(err.message), where);
    } else {
      const result = await analyzeTraceFile(file);
      assert.match(result.analysis.warnings[0], INCOMPLETE, where);
      assert.match(formatSummary(result), /warnings:\n {2}- incomplete simulator run file: /, where);
    }
    assert.throws(() => wholeRunFileSiteCounts(file), IncompleteRunFileError, where);
    const refused: string[] = [];
    assert.equal(runFromRunFile(file, 'id', (why) => refused.push(why)), null, where);
    assert.equal(refused.length, 1, where);
    assert.match(refused[0], /: not listed as a simulated run: /, where);
  }
  const middle = join(dir, 'cut-in-the-middle.report');
  const result = await analyzeTraceFile(middle);
  assert.match(result.analysis.warnings[0], /it holds [\d,]+ event lines where its header declares [\d,]+; it holds [\d,]+ PAUSE exits where its header says [\d,]+/);
  const annotate = await cli('annotate', fixture('kernel/kvm_main-6.13.c'), '--run', middle);
  assert.equal(annotate.status, 2, annotate.stderr);
  assert.match(annotate.stderr, /^kvm-spin: .*cut-in-the-middle\.report: incomplete simulator run file: it does not end with its end marker: .*\n$/);
  const analyzed = await cli('analyze', middle);
  assert.equal(analyzed.status, 0, analyzed.stderr);
  assert.match(analyzed.stdout, /- incomplete simulator run file: /);
});

test('the trace editor: a run file cut short shows the warning and no ground truth (a whole one shows it)', async () => {
  const dir = scratchDir('kvm-spin-editor-cut-');
  const { file, bytes } = wholeRunFile(dir);
  const cut = join(dir, 'cut.report');
  writeFileSync(cut, bytes.subarray(0, bytes.indexOf('\n', bytes.length / 2) + 1));
  for (const [path, whole] of [[file, true], [cut, false]] as const) {
    const session = openTraceSession(join(ROOT, 'dist', 'sessionWorker.js'), path, () => {});
    try {
      const { model } = await session.opened;
      assert.equal(model.groundTruth !== undefined, whole, path);
      assert.equal(INCOMPLETE.test(model.warnings[0] ?? ''), !whole, model.warnings.join('\n'));
      if (!whole) assert.match((await session.dashboard({ startNs: model.traceStartNs, endNs: model.traceEndNs })).warnings[0], INCOMPLETE);
    } finally {
      session.dispose();
    }
  }
});

test('a run file of kvm-spin 0.1.0 (no count, no end marker) is checked against its PAUSE exits', async () => {
  const dir = scratchDir('kvm-spin-old-');
  const { bytes, markerAt } = wholeRunFile(dir);
  const old = bytes.subarray(0, markerAt).toString('utf8').replace(/,"events":\d+/, '');
  const cut = old.slice(0, old.indexOf('\n', Math.floor(old.length / 3)) + 1);
  const file = join(dir, 'old-cut.report');
  writeFileSync(file, cut);
  const result = await analyzeTraceFile(file);
  assert.match(result.analysis.warnings[0], /it has no event count and no end marker: .*; it holds [\d,]+ PAUSE exits where its header says [\d,]+\./);
  assert.equal(runFromRunFile(file, 'id'), null);
});
