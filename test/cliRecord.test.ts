// `kvm-spin record`: one spawned smoke test, and — where this machine can record — SIGTERM and
// SIGHUP end it like Ctrl-C: exit 128 + signo and its tracefs instance removed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_BIN, cliSpawned } from './support/cli';
import { scratchDir } from './support/scratch';
import { canMakeTracefsInstance, hasTraceCmd } from './support/tracefs';

const canRecord = hasTraceCmd && canMakeTracefsInstance();

test('smoke: the built record explains itself', () => {
  const r = cliSpawned('record', '--help');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^usage: kvm-spin record --duration SECONDS --out FILE\.dat\n/);
});

for (const [signal, code] of [
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  test(`${signal} during a recording exits ${code} and removes the tracefs instance`, { skip: canRecord ? false : 'needs root, a writable tracefs and trace-cmd' }, async () => {
    const out = join(scratchDir('kvm-spin-cli-record-'), 'x.dat');
    const child = spawn(process.execPath, [CLI_BIN, 'record', '--duration', '30', '--out', out], { env: { ...process.env, KVM_SPIN_PROGRESS: '1' } });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && stderr.includes('recording:')) sent = child.kill(signal);
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(status, code, stderr);
    assert.match(stderr, new RegExp(`kvm-spin: interrupted \\(${signal}\\)\\n$`));
    assert.deepEqual(readdirSync('/sys/kernel/tracing/instances').filter((n) => n.startsWith(`kvmspin_${child.pid}_`)), []);
  });
}
