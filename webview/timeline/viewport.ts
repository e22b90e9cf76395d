// The visible time window of the timeline: zoom about a point, pan, clamp to the trace, and
// a history of zoom steps to go back and forward through. Pure arithmetic, no DOM.

export interface View {
  startNs: number;
  endNs: number;
}

export interface Bounds {
  startNs: number;
  endNs: number;
  /** Narrowest window allowed (ns): single events at one ns per pixel. */
  minSpanNs: number;
}

/** One zoom step (wheel notch, W/S, +/-) scales the span by this factor. */
export const ZOOM_STEP = 0.8;
/** One pan step (arrow key, A/D) moves the window by this share of its span. */
export const PAN_STEP = 0.2;

export function clampView(v: View, b: Bounds): View {
  const whole = b.endNs - b.startNs;
  let span = Math.min(whole, Math.max(b.minSpanNs, v.endNs - v.startNs));
  if (!(span > 0)) span = Math.max(1, whole);
  let start = Math.max(b.startNs, Math.min(v.startNs, b.endNs - span));
  if (!Number.isFinite(start)) start = b.startNs;
  return { startNs: start, endNs: start + span };
}

/** Scales the span by `factor` (< 1 zooms in) keeping the point at `anchor` (0..1 of the width) in place. */
export function zoomView(v: View, factor: number, anchor: number, b: Bounds): View {
  const span = v.endNs - v.startNs;
  const at = v.startNs + span * anchor;
  const next = Math.min(b.endNs - b.startNs, Math.max(b.minSpanNs, span * factor));
  return clampView({ startNs: at - next * anchor, endNs: at - next * anchor + next }, b);
}

/** Moves the window by `share` of its span (negative: earlier). */
export function panView(v: View, share: number, b: Bounds): View {
  const d = (v.endNs - v.startNs) * share;
  return clampView({ startNs: v.startNs + d, endNs: v.endNs + d }, b);
}

/** Zoom steps visited: back and forward as a browser does (a new step drops the forward ones). */
export class ViewHistory {
  private readonly steps: View[] = [];
  private at = -1;

  push(v: View): void {
    const cur = this.steps[this.at];
    if (cur && cur.startNs === v.startNs && cur.endNs === v.endNs) return;
    this.steps.splice(this.at + 1);
    this.steps.push(v);
    if (this.steps.length > 200) this.steps.shift();
    this.at = this.steps.length - 1;
  }

  back(): View | null {
    if (this.at <= 0) return null;
    return this.steps[--this.at];
  }

  forward(): View | null {
    if (this.at >= this.steps.length - 1) return null;
    return this.steps[++this.at];
  }

  get canBack(): boolean {
    return this.at > 0;
  }

  get canForward(): boolean {
    return this.at < this.steps.length - 1;
  }
}
