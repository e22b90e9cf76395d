// Recording a host trace through a private tracefs instance: what it says without permission,
// and — where this machine allows it (root, tracefs, trace-cmd) — a real recording, read back.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { manualRecordCommand, RecordPermissionError, recordHostTrace } from '../../src/core/trace/record';
import { importTraceDat } from '../../src/core/trace/dat/datImporter';
import { CancelledError } from '../../src/core/trace/textImporter';
import { EventKind } from '../../src/core/trace/model';
import { ROOT } from '../support/paths';
import { canMakeTracefsInstance, hasTraceCmd } from '../support/tracefs';
import { scratchDir } from '../support/scratch';

const dir = scratchDir('kvm-spin-record-');
const canRecord = hasTraceCmd && canMakeTracefsInstance();
const ours = () => readdirSync('/sys/kernel/tracing/instances').filter((n) => n.startsWith(`kvmspin_${process.pid}_`));

test('without tracefs: one line naming what is missing and the command that records by hand', async () => {
  await assert.rejects(recordHostTrace({ durationS: 1, out: join(dir, 'x.dat'), tracefs: join(dir, 'no-tracefs') }), (err: unknown) => {
    assert.ok(err instanceof RecordPermissionError);
    assert.equal(err.missing, `no tracefs at ${join(dir, 'no-tracefs')} (mount it: mount -t tracefs nodev ${join(dir, 'no-tracefs')})`);
    assert.equal(err.manualCommand, manualRecordCommand(1, join(dir, 'x.dat')));
    assert.ok(!err.message.includes('\n'));
    return true;
  });
  assert.equal(
    manualRecordCommand(10, 'host.dat'),
    'trace-cmd record -e sched:sched_switch -e sched:sched_wakeup -e sched:sched_waking -e sched:sched_migrate_task -e kvm:kvm_exit -e kvm:kvm_entry -e kvm:kvm_ple_window_update -e kvm:kvm_apic_ipi -e kvm:kvm_apic_accept_irq -e kvm:kvm_vcpu_wakeup -e kvm:kvm_eoi -o host.dat sleep 10',
  );
  await assert.rejects(recordHostTrace({ durationS: 0, out: join(dir, 'x.dat') }), RangeError);
});

test('a real recording opens as a trace, and the instance is gone afterwards', { skip: canRecord ? false : 'needs root, a writable tracefs and trace-cmd' }, async () => {
  const out = join(dir, 'host.dat');
  const progress: number[] = [];
  const r = await recordHostTrace({ durationS: 0.4, out, onProgress: (elapsed) => progress.push(elapsed) });
  assert.equal(r.file, out);
  assert.ok(r.enabled.includes('sched/sched_switch'));
  assert.ok(progress.length >= 2 && progress.at(-1) === 0.4, JSON.stringify(progress));
  const { store } = await importTraceDat(out);
  assert.ok(store.length > 10);
  assert.ok([...Array(store.length).keys()].some((i) => store.kind[i] === EventKind.SchedSwitch));
  assert.deepEqual(ours(), []);
  // Through the CLI.
  const cli = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli.js'), 'record', '--duration', '0.2', '--out', join(dir, 'cli.dat')], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /cli\.dat: [\d.]+ MiB, events sched\/sched_switch/);
});

test('cancelling stops the recording, leaves no file and no instance', { skip: canRecord ? false : 'needs root, a writable tracefs and trace-cmd' }, async () => {
  const out = join(dir, 'cancelled.dat');
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  const started = Date.now();
  await assert.rejects(recordHostTrace({ durationS: 30, out, signal: controller.signal }), CancelledError);
  assert.ok(Date.now() - started < 2000);
  assert.equal(existsSync(out), false);
  assert.deepEqual(ours(), []);
});
