// Preloaded (NODE_OPTIONS=--require) by run-tests.mjs into each test file's process: at exit it
// appends the file's CPU time, its own and that of the child processes it waited for (spawned
// CLIs, trace-cmd), to the file KVM_SPIN_TEST_CPU_FILE names. Wall time on a shared machine
// measures the neighbours; CPU time measures the file.
const { isMainThread } = require('node:worker_threads');

const out = process.env.KVM_SPIN_TEST_CPU_FILE;
if (isMainThread && out) {
  // Not into the processes the test spawns: their CPU is counted as the test's children.
  delete process.env.KVM_SPIN_TEST_CPU_FILE;
  process.env.NODE_OPTIONS = (process.env.NODE_OPTIONS ?? '').replace(`--require=${JSON.stringify(__filename)}`, '').trim();
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    require('node:fs').appendFileSync(out, `${JSON.stringify({ file: process.argv[1], cpuMs: (user + system) / 1000 + childrenCpuMs() })}\n`);
  });
}

/** User + system time of the waited-for children, from /proc/self/stat (0 where there is none). */
function childrenCpuMs() {
  try {
    const stat = require('node:fs').readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name: state is field 3, cutime and cstime fields 16 and 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const CLOCK_TICKS_PER_S = 100; // USER_HZ, what /proc reports in on Linux
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return 0;
  }
}
