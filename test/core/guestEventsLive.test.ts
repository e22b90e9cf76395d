// The guest events recorded on this machine's own kernel: a private tracefs instance with the
// lock, ipi, csd and sched_switch events, extracted to a trace.dat by trace-cmd, read both as
// binary and as `trace-cmd report` text: the same events, the same pointers and numbers.
// Skipped where tracefs is not writable, the events are missing or trace-cmd is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importTraceDat } from '../../src/core/trace/dat/datImporter';
import { importTraceText } from '../../src/core/trace/textImporter';
import { EventKind, type EventStore } from '../../src/core/trace/model';

const TRACEFS = '/sys/kernel/tracing';
const EVENTS = ['csd', 'ipi', 'lock'];

function unavailable(): string | null {
  if (spawnSync('trace-cmd', ['--help']).error) return 'trace-cmd is not installed';
  if (!EVENTS.every((e) => existsSync(join(TRACEFS, 'events', e)))) return 'the kernel has no csd, ipi or lock events';
  try {
    accessSync(join(TRACEFS, 'instances'), constants.W_OK);
  } catch {
    return 'tracefs instances are not writable (needs root)';
  }
  return null;
}

/** Pointer and number columns of each guest kind, as text (symbols differ by rendering: a .dat holds addresses). */
function exactColumns(store: EventStore): string[] {
  const s = (id: number) => store.strings.get(id);
  const out: string[] = [];
  for (let i = 0; i < store.length; i++) {
    const [a, b, c] = [store.a[i], store.b[i], store.c[i]];
    switch (store.kind[i]) {
      case EventKind.LockContentionBegin:
      case EventKind.LockContentionEnd:
        out.push(`${store.kind[i]} ${s(a)} ${b}`);
        break;
      case EventKind.IpiSendCpu:
        out.push(`${store.kind[i]} ${a}`);
        break;
      case EventKind.IpiSendCpumask:
        out.push(`${store.kind[i]} ${s(a)}`);
        break;
      case EventKind.CsdQueueCpu:
        out.push(`${store.kind[i]} ${a} ${s(c)}`);
        break;
      case EventKind.CsdFunctionEntry:
      case EventKind.CsdFunctionExit:
        out.push(`${store.kind[i]} ${s(b)}`);
        break;
      default:
        break;
    }
  }
  return out;
}

test('guest events from this kernel: trace.dat and its trace-cmd report decode to the same values', { skip: unavailable() ?? false }, async () => {
  const name = `kvmspin-guest-${process.pid}`;
  const instance = join(TRACEFS, 'instances', name);
  const dir = mkdtempSync(join(tmpdir(), 'guest-live-'));
  const dat = join(dir, 'guest.dat');
  mkdirSync(instance);
  try {
    writeFileSync(join(instance, 'buffer_size_kb'), '256');
    for (const e of EVENTS) writeFileSync(join(instance, 'events', e, 'enable'), '1');
    writeFileSync(join(instance, 'events', 'sched', 'sched_switch', 'enable'), '1');
    writeFileSync(join(instance, 'tracing_on'), '1');
    // Threads that map and unmap memory make the kernel call functions on other CPUs.
    spawnSync(process.execPath, ['-e', "const { Worker } = require('worker_threads'); for (let i = 0; i < 4; i++) new Worker('for (let k = 0; k < 300; k++) new SharedArrayBuffer(1 << 20)', { eval: true });"]);
    writeFileSync(join(instance, 'tracing_on'), '0');
    const r = spawnSync('trace-cmd', ['extract', '-B', name, '-o', dat], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    if (existsSync(instance)) rmdirSync(instance);
  }
  const report = spawnSync('trace-cmd', ['report', dat], { encoding: 'latin1', maxBuffer: 1 << 28 });
  assert.equal(report.status, 0);
  const binary = await importTraceDat(dat);
  const text = importTraceText(report.stdout);
  assert.equal(binary.stats.malformedPayloads, 0);
  assert.equal(text.stats.malformedPayloads, 0);
  const fromDat = exactColumns(binary.store);
  const fromText = exactColumns(text.store);
  assert.ok(fromDat.length > 0, 'the workload made guest events');
  assert.deepEqual(fromText, fromDat);
});
