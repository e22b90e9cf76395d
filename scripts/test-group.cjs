// Several test files in one process (run-tests.mjs writes an entry file that calls this): each
// file becomes a suite named by its path, so the runner reports its time and failures as the
// file's, and its CPU (loading it and running its tests) is charged to it (test-cpu.cjs). One
// node start, one load of the modules they share and their compiled code, one Chromium
// (test/support/webviewPage.ts) instead of one per file.
const { describe, before, after } = require('node:test');
const { relative } = require('node:path');
const { cpuMs, charge } = require('./test-cpu.cjs');

/** `files`: absolute paths, run in this order; suites are named relative to `cwd`. */
function runGroup(files, cwd = process.cwd()) {
  for (const file of files) {
    const name = relative(cwd, file);
    let ms = 0;
    let startedAt = 0;
    describe(name, () => {
      before(() => void (startedAt = cpuMs()));
      after(() => charge(name, ms + cpuMs() - startedAt));
      const loadStart = cpuMs();
      try {
        require(file);
      } finally {
        ms = cpuMs() - loadStart;
      }
    });
  }
}

module.exports = { runGroup };
