// Runs every compiled test file under a folder with node's test runner (Node 20 has no
// globs): `*.test.js` by default, `*.model.js` for the many-seed model tests, `*.e2e.js` for the
// end-to-end tests (one file at a time: each starts its own VS Code).
//   node scripts/run-tests.mjs [DIR] [SUFFIX] [--typecheck=TSCONFIG]
// --typecheck runs `tsc --noEmit` on that project beside the tests (the emit is esbuild's,
// scripts/compile-tests.mjs) and fails the run if it fails.
// The `*.test.js` files of one folder share a process (scripts/test-group.cjs: one node start,
// one load of what they import, one Chromium), or several for a large folder (MAX_GROUP_FILES),
// except those in ALONE. Processes run as many at a time as there are cores (node's own default
// leaves one core idle, which on 2 cores is one at a time), the slowest of the last run first so
// that no long one starts last; the slowest files are printed at the end, by CPU time
// (scripts/test-cpu.cjs), with the run's wall and CPU time.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from 'node:test';
import { typeCheck } from './typecheck.mjs';
import { spec } from 'node:test/reporters';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const dir = positional[0] ?? 'out/test';
const suffix = positional[1] ?? '.test.js';
const typecheckProject = process.argv.find((a) => a.startsWith('--typecheck='))?.slice('--typecheck='.length);
const SLOWEST_SHOWN = 10;
/** Per-file wall durations of the last run (out/ is a build folder). */
const timesFile = join('out', `test-times${suffix.replace(/\.js$/, '')}.json`);
/** Every file's CPU ms of the last run, slowest first (the list printed is the top of it), for the order of the next run. */
const cpuListFile = join('out', `test-cpu${suffix.replace(/\.js$/, '')}.json`);

const files = [];
const walk = (d) => {
  for (const entry of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, entry.name);
    if (entry.isDirectory()) walk(p);
    else if (entry.name.endsWith(suffix)) files.push(p);
  }
};
walk(dir);
files.sort();
const lastCpu = existsSync(cpuListFile) ? JSON.parse(readFileSync(cpuListFile, 'utf8')) : {};

/**
 * Test files (under DIR) that keep a process of their own: they measure the process (peak RSS,
 * CPU per case: another file's garbage would be theirs), run several CLIs at once, or take long
 * enough alone to keep a core busy while the groups run on the other.
 */
const ALONE = new Set([
  'core/datFuzz.test.js',
  'core/datBounds.test.js',
  'hostile/hostile.test.js',
  'core/replayTruth.test.js',
  'core/runFiles.test.js',
  'sim/guestViewFiles.test.js',
  'sim/simulator.test.js',
  'cliSimulate.test.js',
]);
/**
 * A folder of more files than this shares several processes, its files dealt to them in turn by
 * name: one process's files keep each other's modules and data alive, so every GC of a large
 * group walks a larger heap, and the longest process bounds the run's wall on 2 cores (the
 * 39-file `core` group: 50.7 s of CPU in one process, 19.7 + 25.7 s in two).
 */
const MAX_GROUP_FILES = 20;
const GROUP_DIR = join('out', '.test-groups');
const groupRunner = fileURLToPath(new URL('test-group.cjs', import.meta.url));
/** What each process runs: a file alone, or a folder's files through a group entry. */
const units = [];
if (suffix === '.test.js') {
  rmSync(GROUP_DIR, { recursive: true, force: true });
  const byFolder = new Map();
  for (const f of files) {
    if (ALONE.has(relative(dir, f))) units.push({ entry: f, files: [f] });
    else byFolder.set(dirname(f), [...(byFolder.get(dirname(f)) ?? []), f]);
  }
  mkdirSync(GROUP_DIR, { recursive: true });
  for (const [folder, members] of byFolder) {
    if (members.length === 1) {
      units.push({ entry: members[0], files: members });
      continue;
    }
    const name = relative(dir, folder).replace(/[\\/]/g, '-') || 'top';
    const parts = Math.ceil(members.length / MAX_GROUP_FILES);
    for (let part = 0; part < parts; part++) {
      const share = members.filter((_, i) => i % parts === part);
      const entry = join(GROUP_DIR, `${name}${parts > 1 ? `-${part + 1}` : ''}.js`);
      const paths = share.map((f) => join(process.cwd(), f));
      writeFileSync(entry, `require(${JSON.stringify(groupRunner)}).runGroup(${JSON.stringify(paths, null, 1)});\n`);
      units.push({ entry, files: share });
    }
  }
} else units.push(...files.map((f) => ({ entry: f, files: [f] })));
// The slowest first, by the CPU they took last run (steadier than wall on a shared machine);
// with no last run (a fresh clone, `rm -rf out`) the groups first, the largest first: a folder
// of many files outweighs one file. A file new since the last run counts for nothing.
const weight = (unit) => unitCpuMs(unit, lastCpu) || unit.files.length;
units.sort((a, b) => weight(b) - weight(a) || a.entry.localeCompare(b.entry));

const concurrency = suffix === '.e2e.js' ? 1 : availableParallelism();
const times = {};
const startedAt = Date.now();
// Each file's process reports its CPU time here (the runner's children inherit the environment).
const cpuDir = mkdtempSync(join(tmpdir(), 'kvm-spin-test-cpu-'));
const cpuFile = join(cpuDir, 'cpu.ndjson');
const hook = fileURLToPath(new URL('test-cpu.cjs', import.meta.url));
process.env.KVM_SPIN_TEST_CPU_FILE = cpuFile;
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --require=${JSON.stringify(hook)}`.trim();
// Started after NODE_OPTIONS so that the hook counts its CPU in the run's.
let typecheck = null;
if (typecheckProject) typeCheck(typecheckProject).then((r) => (typecheck = r));
const stream = run({ files: units.map((u) => join(process.cwd(), u.entry)), concurrency });
// A group's suites (declared in test-group.cjs) are its files, named by their paths.
const fileOf = (data) => (data.file === groupRunner ? data.name : relative(process.cwd(), data.file ?? ''));
// Top-level tests of a file run one after another: their durations add up to the file's time.
stream.on('test:pass', (data) => {
  if (data.nesting === 0) times[fileOf(data)] = (times[fileOf(data)] ?? 0) + data.details.duration_ms;
});
stream.on('test:fail', (data) => {
  if (data.nesting === 0) {
    times[fileOf(data)] = (times[fileOf(data)] ?? 0) + data.details.duration_ms;
    if (!data.todo) process.exitCode = 1;
  }
});
stream.compose(spec).pipe(process.stdout);
process.on('exit', () => {
  if (files.length === 0) {
    process.stderr.write(`run-tests: no ${suffix} files under ${dir}\n`);
    process.exitCode = 1;
  }
  if (typecheckProject) {
    // The runner's loop stays alive while tsc runs, so it has closed by now.
    process.stdout.write(`${typecheck?.output ?? ''}type check (tsc --noEmit -p ${typecheckProject}): ${typecheck?.ok ? 'passed' : 'FAILED'}\n`);
    if (!typecheck?.ok) process.exitCode = 1;
  }
  const cpu = cpuTimes();
  const { user, system } = process.cpuUsage();
  const totalCpuMs = Object.values(cpu).reduce((sum, ms) => sum + ms, (user + system) / 1000);
  const slowest = Object.keys(times).sort((a, b) => (cpu[b] ?? 0) - (cpu[a] ?? 0) || times[b] - times[a]).slice(0, SLOWEST_SHOWN);
  const s = (ms) => `${(ms / 1000).toFixed(1).padStart(6)} s`;
  process.stdout.write(`\n${files.length} files in ${units.length} processes, ${concurrency} at a time: ${s(Date.now() - startedAt).trim()} wall, ${s(totalCpuMs).trim()} CPU (the files and what they spawned)\n`);
  process.stdout.write(`${scheduleEstimate(cpu, totalCpuMs, s)}\n`);
  process.stdout.write(`slowest test files by CPU:\n       CPU       wall\n`);
  for (const file of slowest) process.stdout.write(`  ${cpu[file] === undefined ? '      ? s' : s(cpu[file])}  ${s(times[file])}  ${file}\n`);
  if (existsSync('out')) {
    writeFileSync(timesFile, JSON.stringify(times, null, 1));
    const byCpu = Object.fromEntries(Object.entries(cpu).sort((a, b) => b[1] - a[1]).map(([file, ms]) => [file, Math.round(ms)]));
    writeFileSync(cpuListFile, JSON.stringify(byCpu, null, 1));
  }
});

/** A process's CPU ms in a CPU list: its files', and a group's own (node's start, the runner). */
function unitCpuMs(unit, cpu) {
  const own = unit.files.includes(unit.entry) ? 0 : cpu[unit.entry] ?? 0;
  return unit.files.reduce((sum, f) => sum + (cpu[f] ?? 0), own);
}

/**
 * What this run's CPU says of its schedule on `concurrency` cores, were each process one busy
 * core: the bound all the CPU sets, the longest process, and this run's processes in its order
 * each taking the next free core (the wall of an idle machine if no process waited on anything
 * but the CPU; more where they wait, less where one uses more than a core).
 */
function scheduleEstimate(cpu, totalCpuMs, s) {
  const unitCpu = units.map((u) => ({ name: u.entry, ms: unitCpuMs(u, cpu) }));
  const longest = unitCpu.reduce((a, b) => (b.ms > a.ms ? b : a), { name: '-', ms: 0 });
  const cores = new Array(concurrency).fill(0);
  for (const { ms } of unitCpu) cores[cores.indexOf(Math.min(...cores))] += ms;
  return `schedule by CPU: all of it on ${concurrency} cores ${s(totalCpuMs / concurrency).trim()}; the longest process ${s(longest.ms).trim()} (${longest.name}); this order, each process on the next free core: ${s(Math.max(...cores)).trim()}`;
}

/** CPU ms per test file (relative path), as the files' processes reported it. */
function cpuTimes() {
  const cpu = {};
  if (existsSync(cpuFile)) {
    for (const line of readFileSync(cpuFile, 'utf8').split('\n').filter(Boolean)) {
      const { file, cpuMs } = JSON.parse(line);
      cpu[relative(process.cwd(), file)] = cpuMs;
    }
  }
  rmSync(cpuDir, { recursive: true, force: true });
  return cpu;
}
