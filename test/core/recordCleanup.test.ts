// Recording leaves nothing behind on any way out: a bad --out is refused before a tracefs
// instance exists, cancelling during `trace-cmd extract` leaves no partial trace.dat and none
// of trace-cmd's temporary files, a process that exits mid-recording still removes its
// instance, and a user without access to tracefs is told that, not to mount it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { recordHostTrace } from '../../src/core/trace/record';
import { OutputError } from '../../src/core/outputFile';
import { CancelledError } from '../../src/core/trace/textImporter';
import { ROOT } from '../support/paths';
import { canMakeTracefsInstance, hasTraceCmd } from '../support/tracefs';
import { scratchDir } from '../support/scratch';

const INSTANCES = '/sys/kernel/tracing/instances';
const canRecord = hasTraceCmd && canMakeTracefsInstance();
const needsRecording = canRecord ? false : 'needs root, a writable tracefs and trace-cmd';
const instancesOf = (pid: number) => (existsSync(INSTANCES) ? readdirSync(INSTANCES).filter((n) => n.startsWith(`kvmspin_${pid}_`)) : []);

test('a bad --out is refused at once, before any tracefs instance exists', async () => {
  const dir = scratchDir('kvm-spin-rec-out-');
  const cases: [string, RegExp][] = [
    [join(dir, 'missing', 'x.dat'), /^cannot write .*missing\/x\.dat: the folder does not exist \(ENOENT\)$/],
    [dir, /^cannot write .*: it is a folder \(EISDIR\)$/],
  ];
  for (const [out, message] of cases) {
    const started = Date.now();
    await assert.rejects(recordHostTrace({ durationS: 5, out }), (err: unknown) => err instanceof OutputError && message.test(err.message));
    assert.ok(Date.now() - started < 1000, `${out}: took ${Date.now() - started} ms`);
    assert.deepEqual(instancesOf(process.pid), []);
  }
});

test('a read-only or full output disk is refused at once', { skip: process.getuid?.() === 0 ? false : 'needs root to mount a tmpfs' }, async () => {
  for (const [options, message] of [
    ['ro,size=1m', /\(EROFS\)$/],
    ['size=64k', /no space left on the device \(\d+ bytes free in /],
  ] as const) {
    const disk = scratchDir('kvm-spin-rec-disk-');
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', disk]).status, 0);
    try {
      await assert.rejects(recordHostTrace({ durationS: 5, out: join(disk, 'x.dat') }), (err: unknown) => err instanceof OutputError && message.test(err.message));
      assert.deepEqual(readdirSync(disk), []);
    } finally {
      spawnSync('umount', [disk]);
    }
  }
  assert.deepEqual(instancesOf(process.pid), []);
});

test('cancelling during trace-cmd extract: no trace.dat, no temporary file, no instance', { skip: needsRecording }, async () => {
  const dir = scratchDir('kvm-spin-rec-extract-');
  const out = join(dir, 'host.dat');
  const controller = new AbortController();
  // The last progress report comes just before extract starts: abort while it runs.
  const onProgress = (elapsed: number, total: number) => elapsed === total && setTimeout(() => controller.abort(), 20);
  await assert.rejects(recordHostTrace({ durationS: 0.3, out, signal: controller.signal, onProgress }), CancelledError);
  assert.deepEqual(readdirSync(dir), []);
  assert.deepEqual(instancesOf(process.pid), []);
});

test('a process that exits mid-recording removes its instance', { skip: needsRecording }, async () => {
  const dir = scratchDir('kvm-spin-rec-exit-');
  const script = `const { recordHostTrace } = require(${JSON.stringify(join(ROOT, 'out', 'src', 'core', 'trace', 'record.js'))});
    recordHostTrace({ durationS: 30, out: ${JSON.stringify(join(dir, 'x.dat'))} }).catch(() => {});
    setTimeout(() => { console.log(require('node:fs').readdirSync(${JSON.stringify(INSTANCES)}).filter((n) => n.startsWith('kvmspin_' + process.pid + '_')).length); process.exit(0); }, 400);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  await new Promise((resolve) => child.on('close', resolve));
  assert.equal(stdout.trim(), '1', 'the instance existed while recording');
  assert.deepEqual(instancesOf(child.pid!), []);
  assert.deepEqual(readdirSync(dir), []);
});

const setpriv = spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).error === undefined;

test('non-root record with tracefs mounted but root-only: permission denied, not "mount it"', { skip: process.getuid?.() === 0 && setpriv && existsSync(INSTANCES) ? false : 'needs root, setpriv and a mounted tracefs' }, () => {
  const dir = scratchDir('kvm-spin-rec-nobody-');
  chmodSync(dir, 0o777);
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(ROOT, 'dist', 'cli.js'), 'record', '--duration', '1', '--out', join(dir, 'x.dat')], { encoding: 'utf8' });
  // Mode 0700 on /sys/kernel/tracing is the default; a host that opened it up has nothing to test.
  const opened = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'ls', INSTANCES]).status === 0;
  if (opened) return;
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^kvm-spin: cannot record: permission denied on \/sys\/kernel\/tracing: tracefs is mounted but only root may use it \(run as root.*\)\. To record by hand, as root: trace-cmd record .*\n$/);
  assert.deepEqual(readdirSync(dir), []);
});
