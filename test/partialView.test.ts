// The progressive dashboard of a trace being read, through the session worker: partial views
// come before the whole one, each marked partial with how much was read, growing, and the
// whole trace's model (not partial) replaces them; a file read in one chunk gets none.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openTraceSession } from '../src/extension/workerBridge';
import { PartialSchedule, partialDashboard } from '../src/core/views/partialView';
import { TextTraceImporter } from '../src/core/trace/textImporter';
import type { DashboardModel } from '../src/shared/protocol';
import { ROOT } from './support/paths';
import { scratchDir } from './support/scratch';

const worker = join(ROOT, 'dist', 'sessionWorker.js');
const sample = join(ROOT, 'samples', 'oversubscribed-4vm.report');

test('partial dashboards while a 4 MB trace is read, then the whole one', async () => {
  // Eight copies of the sample end to end: four 1 MB chunks, each a partial view when asked for at once.
  const file = join(scratchDir('kvm-spin-partial-'), 'eight.report');
  writeFileSync(file, readFileSync(sample, 'utf8').repeat(8));
  const partials: DashboardModel[] = [];
  const session = openTraceSession(worker, file, () => {}, { partialFirstMs: 0, partialEveryMs: 0, onPartial: (m) => partials.push(m) });
  try {
    const { model } = await session.opened;
    assert.ok(partials.length >= 1, 'at least one partial view');
    assert.equal(model.partial, undefined, 'the whole trace is not partial');
    for (const [i, p] of partials.entries()) {
      assert.ok(p.partial && p.partial.bytesRead > 0 && p.partial.bytesRead < p.partial.totalBytes, JSON.stringify(p.partial));
      assert.ok(p.totals.pleExits < model.totals.pleExits);
      assert.ok(p.traceEndNs <= model.traceEndNs);
      if (i > 0) assert.ok(p.partial.bytesRead > partials[i - 1].partial!.bytesRead && p.totals.events > partials[i - 1].totals.events);
    }
    assert.ok(partials.every((p) => p.partial!.totalBytes === readFileSync(file).length));
  } finally {
    session.dispose();
  }
});

test('a trace read in one chunk shows no partial view', async () => {
  const partials: DashboardModel[] = [];
  const session = openTraceSession(worker, sample, () => {}, { partialFirstMs: 0, partialEveryMs: 0, onPartial: (m) => partials.push(m) });
  try {
    await session.opened;
    assert.equal(partials.length, 0);
  } finally {
    session.dispose();
  }
});

test('partial views: first after a while, then about every second, at most a third of the time, none near the end', () => {
  const s = new PartialSchedule(1000, 600, 1000);
  assert.equal(s.due(1500, 10, 100), false);
  assert.equal(s.due(1600, 10, 100), true);
  assert.equal(s.due(1600, 0, 0), false, 'unknown size');
  assert.equal(s.due(1600, 90, 100), false, 'nearly read');
  s.made(1600, 1700);
  assert.equal(s.due(2600, 40, 100), false);
  assert.equal(s.due(2700, 40, 100), true);
  // A partial view that took 800 ms: the next waits twice that.
  s.made(2700, 3500);
  assert.equal(s.due(4500, 60, 100), false);
  assert.equal(s.due(5100, 60, 100), true);
});

test('a partial view of raw counter timestamps says they are counter values (ns come with the whole file)', () => {
  const importer = new TextTraceImporter({ clockHz: 2_918_000_000 });
  importer.push(Buffer.from(' qemu-system-x86-17241 [019]11163479569636: kvm_exit: reason PAUSE_INSTRUCTION rip 0x0 info 0 0\n qemu-system-x86-17241 [019]11163479669636: kvm_exit: reason PAUSE_INSTRUCTION rip 0x0 info 0 0\n'));
  assert.equal(importer.rawTimestamps, true);
  const partial = partialDashboard(importer.store, 't', 10, 100, importer.rawTimestamps === true);
  assert.deepEqual(partial.clock, { name: null, unit: 'cycles' });
  assert.equal(partial.traceEndNs - partial.traceStartNs, 100_000);
  assert.deepEqual(partial.partial, { bytesRead: 10, totalBytes: 100 });
  // The whole file converts them to ns at the counter frequency.
  assert.deepEqual(importer.finish().store.clock, { name: null, unit: 'ns' });
});
