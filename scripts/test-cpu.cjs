// Preloaded (NODE_OPTIONS=--require) by run-tests.mjs into each test process: at exit it
// appends the process's CPU time, its own and that of the child processes it waited for (spawned
// CLIs, trace-cmd, Chromium), to the file KVM_SPIN_TEST_CPU_FILE names. Wall time on a shared
// machine measures the neighbours; CPU time measures the file. A process that runs several test
// files (scripts/test-group.cjs) charges each file its share through `charge`; what is left (node's
// start, the test runner) is reported under the process's own entry file.
const { isMainThread } = require('node:worker_threads');
const { appendFileSync, readdirSync, readFileSync } = require('node:fs');

const out = process.env.KVM_SPIN_TEST_CPU_FILE;
let chargedMs = 0;

const CLOCK_TICKS_PER_S = 100; // USER_HZ, what /proc reports in on Linux

let childrenHighMs = 0;

/**
 * CPU ms so far of this process, of its children it waited for, and of those still running
 * with theirs (a Chromium shared by several files is charged to each as it goes, not at its exit).
 * The children's part never goes down: a process that ends unwaited for (a Chromium renderer
 * whose parent went first) takes its CPU out of the sum, though it was spent.
 */
function cpuMs() {
  const { user, system } = process.cpuUsage();
  childrenHighMs = Math.max(childrenHighMs, childrenCpuMs('self', false) + liveDescendantsCpuMs('self'));
  return (user + system) / 1000 + childrenHighMs;
}

/** Fields of /proc/PID/stat after the command name (state is [0]); null once it is gone. */
function statFields(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** cutime + cstime (the waited-for children), with utime + stime too when `own`; 0 where /proc is not. */
function childrenCpuMs(pid, own) {
  const fields = statFields(pid);
  if (!fields) return 0;
  // utime, stime, cutime, cstime are fields 14-17 of stat(5).
  const ticks = Number(fields[13]) + Number(fields[14]) + (own ? Number(fields[11]) + Number(fields[12]) : 0);
  return (ticks * 1000) / CLOCK_TICKS_PER_S;
}

function liveDescendantsCpuMs(pid) {
  let ms = 0;
  for (const child of childPids(pid)) ms += childrenCpuMs(child, true) + liveDescendantsCpuMs(child);
  return ms;
}

function childPids(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean));
  } catch {
    return [];
  }
}

/** Reports `ms` of this process's CPU as the file's (a file of a group). */
function charge(file, ms) {
  chargedMs += ms;
  if (out) appendFileSync(out, `${JSON.stringify({ file, cpuMs: ms })}\n`);
}

if (isMainThread && out) {
  // Not into the processes the test spawns: their CPU is counted as the test's children.
  delete process.env.KVM_SPIN_TEST_CPU_FILE;
  process.env.NODE_OPTIONS = (process.env.NODE_OPTIONS ?? '').replace(`--require=${JSON.stringify(__filename)}`, '').trim();
  process.on('exit', () => appendFileSync(out, `${JSON.stringify({ file: process.argv[1], cpuMs: cpuMs() - chargedMs })}\n`));
}

module.exports = { cpuMs, charge, childrenCpuMs };
