// SIGINT, SIGTERM and SIGHUP end every command with 128 + signo, whenever they arrive.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { cliInProcess } from './support/cli';
import { fixture } from './support/paths';

const TGID = fixture('handchecked-ftrace-tgid.txt');

test('a real SIGINT raised while the command runs synchronously still exits 130', async () => {
  // The signal is raised inside synchronous code (as a Ctrl-C during the analysis is): Node
  // hands it to the listener only when the event loop next polls, after the command returned.
  let raised = false;
  const r = await cliInProcess(['analyze', TGID], {
    signals: process,
    onStdout: () => {
      if (!raised) process.kill(process.pid, 'SIGINT');
      raised = true;
    },
  });
  assert.equal(r.status, 130);
  assert.equal(r.stderr, 'kvm-spin: interrupted (SIGINT)\n');
});

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  test(`${signal} while analyze waits on standard input exits ${code}, without results`, async () => {
    const signals = new EventEmitter();
    const stdin = new PassThrough();
    stdin.write('  CPU 0/KVM-100 [000] d..2. 1.000001: kvm_entry: vcpu 0, rip 0x1\n');
    const running = cliInProcess(['analyze', '-'], { stdin, signals });
    setTimeout(() => signals.emit(signal), 20);
    assert.deepEqual(await running, { status: code, stdout: '', stderr: `kvm-spin: interrupted (${signal})\n` });
  });
}

test('SIGHUP stops a long simulation (its workers) and exits 129', async () => {
  const signals = new EventEmitter();
  const started = Date.now();
  const running = cliInProcess(['simulate', '--scenario', 'paper', '--policy', 'vanilla-5.6', '--duration', '600'], { signals });
  setTimeout(() => signals.emit('SIGHUP'), 100);
  const r = await running;
  assert.deepEqual(r, { status: 129, stdout: '', stderr: 'kvm-spin: interrupted (SIGHUP)\n' });
  assert.ok(Date.now() - started < 5000);
});
