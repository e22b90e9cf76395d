// Paints one TimelineWindow on a canvas: lanes, PAUSE ticks, boost and IPI arrows (as pixels
// of one layer), then the rubber band and a marker. Layout only: no figure is computed here.

import { BOOST_STRIDE, CPU_RUN_LABELS, GUEST_RUN_LABELS, IPI_STRIDE, VCPU_STATE_LABELS, OUTCOME_NOT_JUDGED, SEGMENT_MIXED, SEGMENT_STRIDE, type TimelineWindow } from '../../src/shared/protocol';
import type { TimelineColours } from './colors';
import { HEADER_PX, LANE_PX, type Layout } from './layout';
import { PixelLayer } from './pixelLayer';

/** pCPU run kinds (CpuRunKind in src/core/analysis/tables.ts). */
const RUN_VCPU = 1;
const RUN_OTHER = 2;
const LANE_PAD = 2;
/** How much lower merged runs start than exact ones (px). */
const MIXED_DROP_PX = 2;

export interface Overlay {
  /** Selected range in px (the rubber band). */
  selection?: { x0: number; x1: number };
  /** A marked instant (the event picked in the list), px. */
  markerX?: number;
  /** The lane picked with the keyboard: outlined. */
  focusY?: number;
  /** Instances of a dashboard figure: x0, x1, vCPU lane (MARK_STRIDE numbers each). */
  marks?: number[];
}

/** Numbers per instance mark (src/core/views/instances.ts). */
const MARK_STRIDE = 3;

export function drawTimeline(ctx: CanvasRenderingContext2D, w: TimelineWindow, layout: Layout, c: TimelineColours, overlay: Overlay): void {
  const width = w.widthPx;
  // One layer of pixels for lanes, ticks and arrows, put on the canvas in one call.
  const layer = new PixelLayer(Math.ceil(width), Math.ceil(layout.heightPx), ctx);
  const grid = layer.colour(c.grid);
  for (const row of layout.rows) if (row.type === 'group') layer.hline(0, layer.width, row.y + HEADER_PX - 1, grid);
  drawLanes(layer, w, layout, c);
  drawTicks(layer, w, layout, c);
  drawArrows(layer, w, layout, c);
  if (overlay.marks) drawMarks(layer, overlay.marks, layout, c);
  layer.drawOnto(ctx);
  if (overlay.selection) {
    const { x0, x1 } = overlay.selection;
    ctx.fillStyle = c.selection;
    ctx.globalAlpha = 0.5;
    ctx.fillRect(Math.min(x0, x1), 0, Math.abs(x1 - x0), layout.heightPx);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = c.focus;
    ctx.strokeRect(Math.min(x0, x1) + 0.5, 0.5, Math.abs(x1 - x0), layout.heightPx - 1);
  }
  if (overlay.focusY !== undefined) {
    ctx.strokeStyle = c.focus;
    ctx.strokeRect(0.5, overlay.focusY + 0.5, width - 1, LANE_PX - 1);
  }
  if (overlay.markerX !== undefined) {
    ctx.fillStyle = c.focus;
    ctx.fillRect(Math.round(overlay.markerX), 0, 1, layout.heightPx);
  }
}

/**
 * Each lane's runs on whole pixels (a run under a pixel still shows as one): its first body
 * row is painted run by run, then repeated down the lane. Merged runs start MIXED_DROP_PX
 * lower than exact ones: a texture that says "more here".
 */
function drawLanes(layer: PixelLayer, w: TimelineWindow, layout: Layout, c: TimelineColours): void {
  const top = LANE_PAD;
  const body = LANE_PAD + MIXED_DROP_PX;
  const bottom = LANE_PX - LANE_PAD;
  // Colour words by code (and, for pCPU runs of a vCPU, by its lane) looked up once a drawing, not once a run; 0 draws nothing.
  const word = (css: string | null) => (css ? layer.colour(css) : 0);
  const vcpuWords = VCPU_STATE_LABELS.map((_, code) => word(segmentColour('vcpu', code, -1, w, c)));
  const cpuWords = CPU_RUN_LABELS.map((_, code) => word(segmentColour('cpu', code, -1, w, c)));
  const ranWords = w.vcpuLanes.map((_, lane) => word(segmentColour('cpu', RUN_VCPU, lane, w, c)));
  const guestWords = GUEST_RUN_LABELS.map((_, code) => word(c.guestRuns[code] ?? null));
  const other = word(c.otherTask);
  for (const lane of w.lanes) {
    const y = layout.laneY[lane.kind].get(lane.index);
    if (y === undefined) continue;
    const s = lane.segments;
    const isVcpu = lane.kind === 'vcpu';
    const isGuest = lane.kind === 'guest';
    for (let k = 0; k < s.length; k += SEGMENT_STRIDE) {
      const code = s[k + 2] & ~SEGMENT_MIXED;
      const colour = isGuest ? (guestWords[code] ?? other) : isVcpu ? (vcpuWords[code] ?? other) : code === RUN_VCPU && s[k + 3] >= 0 ? (ranWords[s[k + 3]] ?? other) : (cpuWords[code] ?? 0);
      if (colour === 0) continue;
      const x0 = Math.floor(s[k]);
      const x1 = x0 + Math.max(1, Math.round(s[k + 1]) - x0);
      layer.hline(x0, x1, y + body, colour);
      if ((s[k + 2] & SEGMENT_MIXED) === 0) layer.hline(x0, x1, y + top, colour);
    }
    layer.repeatRow(y + top, y + top + 1, y + body);
    layer.repeatRow(y + body, y + body + 1, y + bottom);
  }
}

function segmentColour(kind: 'vcpu' | 'cpu', code: number, detail: number, w: TimelineWindow, c: TimelineColours): string | null {
  if (kind === 'vcpu') return code === 0 ? null : c.vcpuStates[code] ?? c.otherTask;
  if (code === RUN_VCPU && detail >= 0) return c.vms[(w.vcpuLanes[detail]?.vmIndex ?? 0) % c.vms.length];
  if (code === RUN_VCPU || code === RUN_OTHER) return c.otherTask;
  return null;
}

/** Instances of a dashboard figure: their spans bracketed in the focus colour, above and below the lane's runs. */
function drawMarks(layer: PixelLayer, marks: number[], layout: Layout, c: TimelineColours): void {
  const colour = layer.colour(c.focus);
  for (let k = 0; k < marks.length; k += MARK_STRIDE) {
    const y = layout.laneY.vcpu.get(marks[k + 2]);
    if (y === undefined) continue;
    for (const row of [0, 1, LANE_PX - 2, LANE_PX - 1]) layer.hline(marks[k], marks[k + 1], y + row, colour);
  }
}

/** Tick height by exits in the column: 3 + log2(count), at most half a lane (a table: no log per tick). */
const TICK_PX = Array.from({ length: 64 }, (_, n) => Math.min(LANE_PX / 2, Math.round(3 + Math.log2(Math.max(1, n)))));

/**
 * PAUSE exits: a tick at the top of the vCPU lane, taller with more exits in the pixel column;
 * on a guest lane the same for the IPIs it sent and csds it queued, in the IPI colour.
 */
function drawTicks(layer: PixelLayer, w: TimelineWindow, layout: Layout, c: TimelineColours): void {
  const pause = layer.colour(c.tick);
  const sent = layer.colour(c.ipi);
  for (const lane of w.lanes) {
    if (lane.kind === 'cpu' || !lane.ticks.length) continue;
    const colour = lane.kind === 'guest' ? sent : pause;
    const y = layout.laneY[lane.kind].get(lane.index);
    if (y === undefined) continue;
    const t = lane.ticks;
    let x = 0;
    for (let k = 0; k < t.length; k += 2) {
      x += t[k];
      layer.vline(x, y, y + TICK_PX[Math.min(t[k + 1], TICK_PX.length - 1)] - 1, colour);
    }
  }
}

function arrowColour(outcome: number, c: TimelineColours): string {
  if (outcome === 0) return c.boostRan;
  if (outcome === 1) return c.boostIgnored;
  if (outcome === 2) return c.boostEsrch;
  return c.boostNotJudged;
}

/** Dashes as [on, off] px: a boost not judged, an IPI. */
const NOT_JUDGED_DASH = [2, 2] as const;
const IPI_DASH = [3, 2] as const;
const SOLID = [0, 0] as const;

/** A vertical arrow at x from one lane to another (both ends at the same instant). */
function arrow(layer: PixelLayer, x: number, y0: number, y1: number, colour: number, dash: readonly [number, number]): void {
  const dir = y1 >= y0 ? 1 : -1;
  layer.vline(x, y0, y1 - dir * 4, colour, dash[0], dash[1]);
  layer.head(x, y1, dir, colour);
}

function drawArrows(layer: PixelLayer, w: TimelineWindow, layout: Layout, c: TimelineColours): void {
  const mid = (lane: number) => {
    const y = layout.laneY.vcpu.get(lane);
    return y === undefined ? undefined : y + LANE_PX / 2;
  };
  for (let k = 0; k < w.boosts.length; k += BOOST_STRIDE) {
    const [x, from, to, outcome] = [w.boosts[k], w.boosts[k + 1], w.boosts[k + 2], w.boosts[k + 3]];
    const y0 = mid(from);
    const y1 = mid(to);
    if (y0 !== undefined && y1 !== undefined) arrow(layer, x, y0, y1, layer.colour(arrowColour(outcome, c)), outcome === OUTCOME_NOT_JUDGED ? NOT_JUDGED_DASH : SOLID);
  }
  const ipi = layer.colour(c.ipi);
  for (let k = 0; k < w.ipis.length; k += IPI_STRIDE) {
    const y0 = mid(w.ipis[k + 1]);
    const y1 = mid(w.ipis[k + 2]);
    if (y0 !== undefined && y1 !== undefined) arrow(layer, w.ipis[k], y0, y1, ipi, IPI_DASH);
  }
}

/** The overview strip: the whole trace's pCPU lanes squeezed, and where the view is. */
export function drawOverview(ctx: CanvasRenderingContext2D, whole: TimelineWindow, heightPx: number, view: { x0: number; x1: number }, c: TimelineColours): void {
  ctx.clearRect(0, 0, whole.widthPx, heightPx);
  const lanes = whole.lanes.filter((l) => l.kind === 'cpu');
  const h = lanes.length ? heightPx / lanes.length : heightPx;
  const paths = new Map<string, Path2D>();
  lanes.forEach((lane, i) => {
    const s = lane.segments;
    for (let k = 0; k < s.length; k += SEGMENT_STRIDE) {
      const colour = segmentColour('cpu', s[k + 2] & ~SEGMENT_MIXED, s[k + 3], whole, c);
      if (!colour) continue;
      let p = paths.get(colour);
      if (!p) paths.set(colour, (p = new Path2D()));
      p.rect(s[k], i * h, Math.max(0.5, s[k + 1] - s[k]), Math.max(1, h - 1));
    }
  });
  for (const [colour, p] of paths) {
    ctx.fillStyle = colour;
    ctx.fill(p);
  }
  ctx.fillStyle = c.selection;
  ctx.globalAlpha = 0.35;
  ctx.fillRect(0, 0, view.x0, heightPx);
  ctx.fillRect(view.x1, 0, whole.widthPx - view.x1, heightPx);
  ctx.globalAlpha = 1;
  ctx.strokeStyle = c.focus;
  ctx.lineWidth = 2;
  ctx.strokeRect(view.x0, 1, Math.max(2, view.x1 - view.x0), heightPx - 2);
  ctx.lineWidth = 1;
}
