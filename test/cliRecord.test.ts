// `kvm-spin record`: in-process through main(argv, io), one spawned smoke test, and — where this machine can record — SIGTERM and
// SIGHUP end it like Ctrl-C: exit 128 + signo and its tracefs instance removed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_BIN, cliInProcess, cliSpawned } from './support/cli';
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

test('record --print-commands --guest NAME@CID: the host + guest trace-cmd line with the guest events, and what the guest needs', async () => {
  const r = await cliInProcess(['record', '--print-commands', '--guest', 'vm1@5', '--duration', '5', '--out', '/tmp/h.dat']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], '# in the guest, as root (leave it running): trace-cmd agent -p 823');
  const record = lines.find((l) => l.startsWith('trace-cmd record '))!;
  // Host events (kvm_eoi among them) before -A; the guest's events and clock after it.
  const [host, guest] = record.split(' -A vm1@5:823 --name vm1 ');
  assert.match(host, /^trace-cmd record -C x86-tsc -e sched:sched_switch .* -e kvm:kvm_apic_ipi .* -e kvm:kvm_eoi$/);
  assert.equal(
    guest,
    '-C x86-tsc -e lock:contention_begin -e lock:contention_end -e ipi:ipi_send_cpu -e ipi:ipi_send_cpumask -e csd:csd_queue_cpu -e csd:csd_function_entry -e csd:csd_function_exit -e sched:sched_switch --tsync-interval 100 -o /tmp/h.dat sleep 5',
  );
  assert.ok(lines.includes('# then: kvm-spin analyze /tmp/h.dat --guest /tmp/h-vm1.dat'));
  assert.match(r.stdout, /the guest needs:\n {2}- trace-cmd .*`trace-cmd agent` running there as root, listening on vsock port 823\n {2}- a virtio-vsock device .*guest-cid=5/);
});

test('record --print-commands without --guest prints the host line; a bad --guest is one usage error, exit 2', async () => {
  const host = await cliInProcess(['record', '--print-commands']);
  assert.equal(host.status, 0, host.stderr);
  assert.match(host.stdout, /^# on the host, as root:\ntrace-cmd record -e sched:sched_switch .* -o host\.dat sleep 10\n$/);
  for (const bad of ['a b', 'vm@2', 'vm@x']) {
    const r = await cliInProcess(['record', '--print-commands', '--guest', bad]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^kvm-spin: record: --guest: expected NAME or NAME@CID/);
  }
  const r = await cliInProcess(['record', '--guest', 'vm1', '--duration', '1', '--out', 'x.dat']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^kvm-spin: record: --guest goes with --print-commands/);
});
