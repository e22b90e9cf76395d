// The timeline's level of detail on hand-made tables: exact segments at a pixel or more,
// sub-pixel runs merged with their dominant state, nothing outside the window, nothing lost.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { MAX_ARROWS, timelineWindow } from '../../src/core/views/timeline';
import { SEGMENT_MIXED, SEGMENT_STRIDE, type TimelineWindow } from '../../src/shared/protocol';
import { smallTables, timelineTables, type IntervalRow } from '../support/timelineTables';

const lane = (w: TimelineWindow, kind: 'vcpu' | 'cpu', index: number) => w.lanes.find((l) => l.kind === kind && l.index === index)!;
const oneLane = (vcpuStates: IntervalRow[], endNs: number) =>
  timelineTables({ startNs: 0, endNs, vcpuLanes: [{ vm: 'vm0', vmIndex: 0, vcpu: 0, tid: 1, comm: 'CPU 0/KVM' }], cpuLanes: [], vcpuStates });

test('one pixel per ns: every run exact, with its state and pCPU', () => {
  const w = timelineWindow(smallTables(), { startNs: 0, endNs: 1000, widthPx: 1000 });
  assert.deepEqual(lane(w, 'vcpu', 0).segments, [0, 400, 1, 0, 400, 410, 2, 0, 410, 1000, 3, -1]);
  assert.deepEqual(lane(w, 'vcpu', 3).segments, [0, 500, 1, 1, 500, 1000, 5, -1]);
  // pCPU lanes carry the vCPU lane that ran (-1 for other tasks and idle).
  assert.deepEqual(lane(w, 'cpu', 0).segments, [0, 410, 1, 0, 410, 600, 2, -1, 600, 1000, 0, -1]);
  assert.deepEqual(lane(w, 'cpu', 1).segments, [0, 500, 1, 3, 500, 1000, 1, 1]);
  assert.deepEqual(lane(w, 'vcpu', 0).ticks, [400, 1, 5, 1, 3, 1, 1, 1]);
  // Three boosts told apart by outcome; "no candidate" draws no arrow.
  assert.deepEqual(w.boosts, [400.5, 0, 1, 0, 1, 405.5, 0, 1, 1, 1, 408.5, 0, 1, 2, 1]);
  assert.equal(w.boostsInWindow, 3);
  assert.deepEqual(w.ipis, [300.5, 0, 1, 1]);
  assert.deepEqual([w.vcpuLanes.length, w.cpuLanes.length, w.lanes.length], [4, 2, 6]);
});

test('ten pixels: a lone sub-pixel run stays itself; ticks and arrows merge per pixel column', () => {
  const w = timelineWindow(smallTables(), { startNs: 0, endNs: 1000, widthPx: 10 });
  assert.deepEqual(lane(w, 'vcpu', 0).segments, [0, 4, 1, 0, 4, 4.1, 2, 0, 4.1, 10, 3, -1]);
  assert.deepEqual(lane(w, 'vcpu', 0).ticks, [4, 4]);
  assert.deepEqual(w.boosts, [4.5, 0, 1, 0, 1, 4.5, 0, 1, 1, 1, 4.5, 0, 1, 2, 1]);
});

test('runs below a pixel merge into the dominant state, flagged mixed, and join when alike', () => {
  // 100 ns of guest 7 ns / host 3 ns, drawn 10 px wide: 10 ns per pixel.
  const rows: IntervalRow[] = [];
  for (let t = 0; t < 100; t += 10) rows.push([0, t, t + 7, 1, 0], [0, t + 7, t + 10, 2, 0]);
  const w = timelineWindow(oneLane(rows, 100), { startNs: 0, endNs: 100, widthPx: 10 });
  assert.deepEqual(w.lanes[0].segments, [0, 10, 1 | SEGMENT_MIXED, 0]);
  // Host dominant in the second half: two merged segments.
  const shifted = rows.map(([l, s, e, st, d]): IntervalRow => [l, s, e, s >= 50 ? 3 - st : st, d]);
  const w2 = timelineWindow(oneLane(shifted, 100), { startNs: 0, endNs: 100, widthPx: 10 });
  assert.deepEqual(w2.lanes[0].segments, [0, 5, 1 | SEGMENT_MIXED, 0, 5, 10, 2 | SEGMENT_MIXED, 0]);
  // Zoomed in on [20, 30): the same runs, exact again.
  const w3 = timelineWindow(oneLane(rows, 100), { startNs: 20, endNs: 30, widthPx: 10 });
  assert.deepEqual(w3.lanes[0].segments, [0, 7, 1, 0, 7, 10, 2, 0]);
});

test('a gap of a pixel or more ends a merged group (idle stays blank)', () => {
  const rows: IntervalRow[] = [
    [0, 0, 1, 1, 0],
    [0, 1, 2, 2, 0],
    [0, 50, 51, 1, 0],
  ];
  const w = timelineWindow(oneLane(rows, 100), { startNs: 0, endNs: 100, widthPx: 10 });
  assert.deepEqual(w.lanes[0].segments, [0, 0.2, 1 | SEGMENT_MIXED, 0, 5, 5.1, 1, 0]);
});

test('window bounds: runs are clipped to the window, rows outside it are not read', () => {
  const w = timelineWindow(smallTables(), { startNs: 450, endNs: 550, widthPx: 100 });
  assert.deepEqual(lane(w, 'vcpu', 0).segments, [0, 100, 3, -1]);
  assert.deepEqual(lane(w, 'vcpu', 1).segments, [0, 50, 4, -1, 50, 100, 1, 1]);
  assert.deepEqual(lane(w, 'vcpu', 0).ticks, []);
  assert.deepEqual([w.boosts, w.ipis, w.boostsInWindow], [[], [], 0]);
  // A window after the trace: empty lanes, no error.
  const after = timelineWindow(smallTables(), { startNs: 5000, endNs: 6000, widthPx: 100 });
  assert.ok(after.lanes.every((l) => l.segments.length === 0));
});

test('only the requested lanes are filled', () => {
  const w = timelineWindow(smallTables(), { startNs: 0, endNs: 1000, widthPx: 100, lanes: { vcpus: [2], cpus: [1, 9] } });
  assert.deepEqual(
    w.lanes.map((l) => [l.kind, l.index]),
    [
      ['vcpu', 2],
      ['cpu', 1],
    ],
  );
});

test('arrows are capped per window and the rest counted', () => {
  const n = 5000;
  const tables = timelineTables({
    startNs: 0,
    endNs: n,
    vcpuLanes: [0, 1].map((vcpu) => ({ vm: 'vm0', vmIndex: 0, vcpu, tid: vcpu + 1, comm: 'x' })),
    cpuLanes: [],
    decisions: Array.from({ length: n }, (_, i) => [i, i + 1, 0, 1, 0] as [number, number, number, number, number]),
  });
  const w = timelineWindow(tables, { startNs: 0, endNs: n, widthPx: n });
  assert.equal(w.boosts.length / 5, MAX_ARROWS);
  assert.deepEqual([w.boostsInWindow, w.boostsOmitted], [n, n - MAX_ARROWS]);
  // Spread over the whole window, first and near-last kept.
  assert.equal(w.boosts[0], 0.5);
  assert.ok(w.boosts[w.boosts.length - 5] > n * 0.99);
});

/** Random lanes of contiguous or gapped runs. */
const laneRows = fc
  .array(fc.record({ gap: fc.nat(50), len: fc.integer({ min: 1, max: 400 }), state: fc.integer({ min: 1, max: 5 }), cpu: fc.integer({ min: -1, max: 3 }) }), { minLength: 1, maxLength: 200 })
  .map((runs) => {
    const rows: IntervalRow[] = [];
    let t = 0;
    for (const r of runs) {
      t += r.gap;
      rows.push([0, t, t + r.len, r.state, r.cpu]);
      t += r.len;
    }
    return rows;
  });

test('property: no run is lost, segments stay in the window, in order, at most two per pixel', () => {
  fc.assert(
    fc.property(laneRows, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.001, max: 1, noNaN: true }), fc.integer({ min: 1, max: 500 }), (rows, from, span, widthPx) => {
      const end = rows[rows.length - 1][2];
      const startNs = Math.floor(from * end);
      const endNs = startNs + Math.max(1, Math.ceil(span * end));
      const w = timelineWindow(oneLane(rows, end), { startNs, endNs, widthPx });
      const seg = w.lanes[0].segments;
      const count = seg.length / SEGMENT_STRIDE;
      assert.ok(count <= 2 * widthPx + 1, `${count} segments for ${widthPx} px`);
      for (let k = 0; k < count; k++) {
        const [x0, x1] = [seg[k * 4], seg[k * 4 + 1]];
        assert.ok(x0 >= 0 && x1 <= widthPx && x0 <= x1, `segment ${x0}..${x1}`);
        if (k) assert.ok(x0 >= seg[(k - 1) * 4 + 1] - 1e-9, 'segments in order, not overlapping');
      }
      const pxPerNs = widthPx / (endNs - startNs);
      for (const [, s, e, state] of rows) {
        if (e <= startNs || s >= endNs) continue;
        const x0 = Math.max(0, (s - startNs) * pxPerNs);
        const x1 = Math.min(widthPx, (e - startNs) * pxPerNs);
        const mid = (x0 + x1) / 2;
        // Some segment covers the run's middle (to the 1/10 px positions are sent at).
        const k = [...Array(count).keys()].find((j) => seg[j * 4] - 0.051 <= mid && mid <= seg[j * 4 + 1] + 0.051);
        assert.ok(k !== undefined, `run ${s}..${e} lost`);
        // A run of a pixel or more keeps its own state.
        if (x1 - x0 >= 1) assert.equal(seg[k * 4 + 2], state, `run ${s}..${e} of ${x1 - x0} px`);
      }
    }),
    { numRuns: 300 },
  );
});

test('zoomed out over many runs, a lane is read from the coarse level and draws the same', () => {
  // 1 ms of guest 7 ns / host 3 ns, with 100 µs preempted in the middle: 100,000 runs.
  const rows: IntervalRow[] = [];
  for (let t = 0; t < 1_000_000; t += 10) {
    if (t >= 500_000 && t < 600_000) continue;
    rows.push([0, t, t + 7, 1, 0], [0, t + 7, t + 10, 2, 0]);
  }
  rows.push([0, 500_000, 600_000, 3, -1]);
  const w = timelineWindow(oneLane(rows, 1_000_000), { startNs: 0, endNs: 1_000_000, widthPx: 1000 });
  const seg = w.lanes[0].segments;
  assert.deepEqual(seg.slice(0, 8), [0, 500, 1 | SEGMENT_MIXED, 0, 500, 599.9, 3, -1]);
  assert.deepEqual(seg.slice(-4), [600.1, 1000, 1 | SEGMENT_MIXED, 0]);
  assert.ok(seg.length <= 5 * SEGMENT_STRIDE, String(seg));
  // Zoomed in on the edge, the runs themselves again: exact.
  const near = timelineWindow(oneLane(rows, 1_000_000), { startNs: 599_990, endNs: 600_010, widthPx: 20 });
  assert.deepEqual(near.lanes[0].segments, [0, 10, 3, -1, 10, 17, 1, 0, 17, 20, 2, 0]);
});

test('many PAUSE exits per pixel: tick counts per column stay exact, boosts counted, arrows sampled', () => {
  // 10,000 exits of vCPU 0 over 10 µs, drawn 100 px wide: 100 per column; every 3rd boosts vCPU 1.
  const n = 10_000;
  const tables = timelineTables({
    startNs: 0,
    endNs: n,
    vcpuLanes: [0, 1].map((vcpu) => ({ vm: 'vm0', vmIndex: 0, vcpu, tid: vcpu + 1, comm: 'x' })),
    cpuLanes: [],
    decisions: Array.from({ length: n }, (_, i) => [i + 0.5, i + 1, 0, i % 3 === 0 ? 1 : -1, i % 3 === 0 ? 0 : 4] as [number, number, number, number, number]),
  });
  const w = timelineWindow(tables, { startNs: 0, endNs: n, widthPx: 100 });
  const ticks = lane(w, 'vcpu', 0).ticks;
  assert.deepEqual(ticks.slice(0, 4), [0, 100, 1, 100]);
  assert.equal(ticks.length, 200);
  assert.equal(ticks.filter((_, i) => i % 2).reduce((a, b) => a + b, 0), n);
  assert.equal(w.boostsInWindow, Math.ceil(n / 3));
  // One merged arrow per column from the first exits read there; the rest counted as not drawn.
  assert.equal(w.boosts.length / 5, 100);
  const drawn = w.boosts.filter((_, i) => i % 5 === 4).reduce((a, b) => a + b, 0);
  assert.equal(w.boostsOmitted, w.boostsInWindow - drawn);
  assert.ok(drawn > 0 && w.boostsOmitted > 0);
});

test('the widest window of dense lanes stays under 1 MB: segments and ticks gather into wider columns', () => {
  // 64 vCPUs, each alternating guest/host every 2 ns and exiting every 4 ns, drawn 8192 px wide.
  const lanes = 64;
  const endNs = 8192 * 4;
  const vcpuStates: IntervalRow[] = [];
  const exits: [number, number, number, number, number][] = [];
  for (let l = 0; l < lanes; l++) {
    for (let t = 0; t < endNs; t += 4) {
      vcpuStates.push([l, t, t + 3, 1 + ((t / 4 + l) % 2), (t / 4) % 3], [l, t + 3, t + 4, 3, -1]);
      exits.push([t + 1 + l / 100, t + 2, l, -1, 4]);
    }
  }
  const tables = timelineTables({ startNs: 0, endNs, vcpuLanes: Array.from({ length: lanes }, (_, vcpu) => ({ vm: 'vm0', vmIndex: 0, vcpu, tid: 1000 + vcpu, comm: 'x' })), cpuLanes: [], vcpuStates, decisions: exits });
  const w = timelineWindow(tables, { startNs: 0, endNs, widthPx: 8192 });
  assert.ok(Buffer.byteLength(JSON.stringify({ type: 'timeline', id: 1, window: w })) < 1 << 20);
  // Every exit still counted in some tick.
  const counted = w.lanes.reduce((n, l) => n + l.ticks.reduce((m, v, i) => (i % 2 ? m + v : m), 0), 0);
  assert.equal(counted, lanes * (endNs / 4));
});
