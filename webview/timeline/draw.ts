// Paints one TimelineWindow on a canvas: lanes (rects batched per colour), PAUSE ticks,
// boost and IPI arrows, the rubber band and a marker. Layout only: no figure is computed here.

import { BOOST_STRIDE, IPI_STRIDE, OUTCOME_NOT_JUDGED, SEGMENT_MIXED, SEGMENT_STRIDE, type TimelineWindow } from '../../src/protocol';
import type { TimelineColours } from './colors';
import { HEADER_PX, LANE_PX, type Layout } from './layout';
import { PixelLayer } from './pixelLayer';

/** pCPU run kinds (CpuRunKind in src/core/analysis/tables.ts). */
const RUN_VCPU = 1;
const RUN_OTHER = 2;
const LANE_PAD = 2;

export interface Overlay {
  /** Selected range in px (the rubber band). */
  selection?: { x0: number; x1: number };
  /** A marked instant (the event picked in the list), px. */
  markerX?: number;
  /** The lane picked with the keyboard: outlined. */
  focusY?: number;
}

export function drawTimeline(ctx: CanvasRenderingContext2D, w: TimelineWindow, layout: Layout, c: TimelineColours, overlay: Overlay): void {
  const width = w.widthPx;
  ctx.clearRect(0, 0, width, layout.heightPx);
  ctx.font = '11px sans-serif';
  for (const row of layout.rows) {
    if (row.type !== 'group') continue;
    ctx.fillStyle = c.grid;
    ctx.fillRect(0, row.y + HEADER_PX - 1, width, 1);
  }
  // Rects gathered per colour, then filled on whole pixels (the canvas's fast path: no
  // anti-aliased path to rasterise); a run under a pixel still shows as one.
  const rects = new Map<string, number[]>();
  const rect = (colour: string, x0: number, x1: number, y: number, h: number) => {
    let r = rects.get(colour);
    if (!r) rects.set(colour, (r = []));
    const a = Math.floor(x0);
    r.push(a, y, Math.max(1, Math.round(x1) - a), h);
  };
  for (const lane of w.lanes) {
    const y = (lane.kind === 'vcpu' ? layout.laneY.vcpu : layout.laneY.cpu).get(lane.index);
    if (y === undefined) continue;
    const s = lane.segments;
    for (let k = 0; k < s.length; k += SEGMENT_STRIDE) {
      const colour = segmentColour(lane.kind, s[k + 2] & ~SEGMENT_MIXED, s[k + 3], w, c);
      if (!colour) continue;
      const mixed = (s[k + 2] & SEGMENT_MIXED) !== 0;
      // Merged runs are drawn a little lower than exact ones: a texture that says "more here".
      rect(colour, s[k], s[k + 1], y + LANE_PAD + (mixed ? 2 : 0), LANE_PX - 2 * LANE_PAD - (mixed ? 2 : 0));
    }
  }
  for (const [colour, r] of rects) {
    ctx.fillStyle = colour;
    for (let k = 0; k < r.length; k += 4) ctx.fillRect(r[k], r[k + 1], r[k + 2], r[k + 3]);
  }
  const layer = new PixelLayer(Math.ceil(width), Math.ceil(layout.heightPx), ctx);
  drawTicks(layer, w, layout, c);
  drawArrows(layer, w, layout, c);
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

function segmentColour(kind: 'vcpu' | 'cpu', code: number, detail: number, w: TimelineWindow, c: TimelineColours): string | null {
  if (kind === 'vcpu') return code === 0 ? null : c.vcpuStates[code] ?? c.otherTask;
  if (code === RUN_VCPU && detail >= 0) return c.vms[(w.vcpuLanes[detail]?.vmIndex ?? 0) % c.vms.length];
  if (code === RUN_VCPU || code === RUN_OTHER) return c.otherTask;
  return null;
}

/** PAUSE exits: a tick at the top of the vCPU lane, taller with more exits in the pixel column. */
function drawTicks(layer: PixelLayer, w: TimelineWindow, layout: Layout, c: TimelineColours): void {
  const colour = layer.colour(c.tick);
  for (const lane of w.lanes) {
    if (lane.kind !== 'vcpu' || !lane.ticks.length) continue;
    const y = layout.laneY.vcpu.get(lane.index);
    if (y === undefined) continue;
    const t = lane.ticks;
    let x = 0;
    for (let k = 0; k < t.length; k += 2) {
      x += t[k];
      layer.vline(x, y, y + Math.min(LANE_PX / 2, Math.round(3 + Math.log2(t[k + 1]))) - 1, colour);
    }
  }
}

function arrowColour(outcome: number, c: TimelineColours): string {
  if (outcome === 0) return c.boostRan;
  if (outcome === 1) return c.boostIgnored;
  if (outcome === 2) return c.boostEsrch;
  return c.boostNotJudged;
}

const NOT_JUDGED_DASH = [2, 2] as const;
const IPI_DASH = [3, 2] as const;

/** A vertical arrow at x from one lane to another (both ends at the same instant). */
function arrow(layer: PixelLayer, x: number, y0: number, y1: number, colour: number, dash?: readonly [number, number]): void {
  const dir = y1 >= y0 ? 1 : -1;
  layer.vline(x, y0, y1 - dir * 4, colour, dash);
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
    if (y0 !== undefined && y1 !== undefined) arrow(layer, x, y0, y1, layer.colour(arrowColour(outcome, c)), outcome === OUTCOME_NOT_JUDGED ? NOT_JUDGED_DASH : undefined);
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
