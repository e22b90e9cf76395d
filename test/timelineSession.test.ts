// The timeline through the session worker, as the trace editor asks for it: a window of the
// bundled sample sized for the pixels (under 1 MB), a click's details, an event page and an
// export written by the worker.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openTraceSession } from '../src/extension/workerBridge';
import { SEGMENT_STRIDE } from '../src/shared/protocol';
import { ROOT } from './support/paths';
import { scratchDir } from './support/scratch';

const worker = join(ROOT, 'dist', 'sessionWorker.js');

test('timeline requests on the bundled sample through the session worker', async () => {
  const session = openTraceSession(worker, join(ROOT, 'samples', 'oversubscribed-4vm.report'), () => {});
  try {
    const { model, analysis } = await session.opened;
    const whole = await session.query({ kind: 'timeline', request: { startNs: model.traceStartNs, endNs: model.traceEndNs, widthPx: 1200 } });
    assert.deepEqual([whole.vcpuLanes.length, whole.cpuLanes.length, whole.lanes.length], [32, 8, 40]);
    assert.ok(whole.lanes.every((l) => l.segments.length > 0 && l.segments.length / SEGMENT_STRIDE <= 2 * 1200 + 1));
    assert.ok(Buffer.byteLength(JSON.stringify(whole)) < 1 << 20);
    // Every PAUSE exit is a tick somewhere.
    const ticks = whole.lanes.reduce((n, l) => n + l.ticks.reduce((m, v, i) => (i % 2 ? m + v : m), 0), 0);
    assert.equal(ticks, analysis.totals.pleExits);
    // A zoomed window: narrower, only its rows.
    const t = model.traceStartNs + (model.traceEndNs - model.traceStartNs) / 2;
    const zoomed = await session.query({ kind: 'timeline', request: { startNs: t, endNs: t + 100_000, widthPx: 1200 } });
    assert.ok(zoomed.lanes.some((l) => l.segments.length > 0));
    const details = await session.query({ kind: 'timelineDetails', request: { lane: 'cpu', index: 0, ns: t, toleranceNs: 0 } });
    assert.ok(details && details.line > 0 && details.title.startsWith('CPU '), JSON.stringify(details));
    const page = await session.query({ kind: 'eventList', request: { startNs: t, endNs: t + 100_000, offset: 0, limit: 50, filter: { event: 'kvm_exit' } } });
    assert.ok(page.total > 0 && page.rows.every((r) => r.event === 'kvm_exit' && r.ts >= t && r.ts < t + 100_000));
    const out = join(scratchDir('kvm-spin-tl-'), 'sample.json');
    const { bytes } = await session.query({ kind: 'export', format: 'json', out });
    const exported = JSON.parse(readFileSync(out, 'utf8')) as { traceEvents: { name: string; ph: string }[] };
    assert.equal(Buffer.byteLength(readFileSync(out)), bytes);
    assert.equal(exported.traceEvents.filter((e) => e.ph === 'i' && e.name === 'PAUSE exit').length, analysis.totals.pleExits);
  } finally {
    session.dispose();
  }
});
