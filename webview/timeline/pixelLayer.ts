// Everything the timeline paints is many and tiny (tens of thousands of runs, ticks and arrows
// on a zoomed-out trace): instead of a canvas call each, they are written as pixels into one
// ImageData and put on the canvas with a single drawImage. The first drawing runs this code
// cold (not yet compiled by the JIT), so the inner loops are plain typed-array writes and
// native fills, without allocations. Colours come in as CSS colours, parsed by a canvas.

/** The last layer's buffers, reused while the size stays (a zoom or pan step keeps it). */
let reused: { image: ImageData; canvas: HTMLCanvasElement; pixels: Uint32Array } | null = null;

/** An arrow head as rows of half-widths: row r (from the tip) spans x - HEAD[r] .. x + HEAD[r]. */
const HEAD = [0, 0, 1, 2, 2];
/** Runs up to this wide are written pixel by pixel, longer ones with a native fill. */
const SHORT_RUN_PX = 8;

export class PixelLayer {
  private readonly image: ImageData;
  private readonly canvas: HTMLCanvasElement;
  private readonly pixels: Uint32Array;
  private readonly rgba = new Map<string, number>();

  constructor(
    readonly width: number,
    readonly height: number,
    private readonly parser: CanvasRenderingContext2D,
  ) {
    const [w, h] = [Math.max(1, width), Math.max(1, height)];
    if (!reused || reused.image.width !== w || reused.image.height !== h) {
      const canvas = document.createElement('canvas');
      [canvas.width, canvas.height] = [w, h];
      const image = new ImageData(w, h);
      reused = { image, canvas, pixels: new Uint32Array(image.data.buffer) };
    } else reused.pixels.fill(0);
    this.image = reused.image;
    this.canvas = reused.canvas;
    this.pixels = reused.pixels;
  }

  /** A CSS colour as a little-endian RGBA word (0 for a transparent one). */
  colour(css: string): number {
    let v = this.rgba.get(css);
    if (v === undefined) {
      this.parser.fillStyle = '#000';
      this.parser.fillStyle = css;
      const c = this.parser.fillStyle;
      const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c) ?? null;
      const rgb = m ? [m[1], m[2], m[3]].map((h) => parseInt(h, 16)) : (/rgba?\(([^)]+)\)/.exec(c)?.[1].split(',').map((p) => Number(p.trim())) ?? [128, 128, 128]);
      const alpha = rgb.length > 3 ? Math.round(rgb[3] * 255) : 255;
      v = ((alpha << 24) | (rgb[2] << 16) | (rgb[1] << 8) | rgb[0]) >>> 0;
      this.rgba.set(css, v);
    }
    return v;
  }

  /** Columns [x0, x1) of row y (clipped). */
  hline(x0: number, x1: number, y: number, colour: number): void {
    if (y < 0 || y >= this.height) return;
    const a = x0 < 0 ? 0 : x0;
    const b = x1 > this.width ? this.width : x1;
    const row = y * this.width;
    // Most runs are a few pixels wide when zoomed out: a loop is cheaper than a native call for them.
    if (b - a > SHORT_RUN_PX) this.pixels.fill(colour, row + a, row + b);
    else for (let x = row + a; x < row + b; x++) this.pixels[x] = colour;
  }

  /** Copies row `from` onto rows to0 .. to1 - 1 (a lane's body is one row repeated). */
  repeatRow(from: number, to0: number, to1: number): void {
    const w = this.width;
    for (let y = Math.max(0, to0); y < Math.min(this.height, to1); y++) this.pixels.copyWithin(y * w, from * w, from * w + w);
  }

  /** A vertical line at column x from y0 to y1 (inclusive); dash = [on, off] or none. */
  vline(x: number, y0: number, y1: number, colour: number, dashOn = 0, dashOff = 0): void {
    const col = Math.floor(x);
    if (col < 0 || col >= this.width) return;
    const top = Math.floor(y0 <= y1 ? y0 : y1);
    const bottom = Math.min(this.height - 1, Math.floor(y0 <= y1 ? y1 : y0));
    const period = dashOn + dashOff;
    let phase = 0;
    for (let y = top; y <= bottom; y++) {
      if (y >= 0 && (period === 0 || phase < dashOn)) this.pixels[y * this.width + col] = colour;
      if (period !== 0 && ++phase === period) phase = 0;
    }
  }

  /** An arrow head pointing along dir (+1 down, -1 up) with its tip at (x, y). */
  head(x: number, y: number, dir: number, colour: number): void {
    const col = Math.floor(x);
    for (let r = 0; r < HEAD.length; r++) this.hline(col - HEAD[r], col + HEAD[r] + 1, Math.floor(y - dir * r), colour);
  }

  /** Puts the layer on `ctx` (whose transform maps CSS pixels to the device), replacing what was there. */
  drawOnto(ctx: CanvasRenderingContext2D): void {
    const c = this.canvas;
    c.getContext('2d')!.putImageData(this.image, 0, 0);
    const smoothing = ctx.imageSmoothingEnabled;
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, this.width, this.height);
    ctx.drawImage(c, 0, 0);
    ctx.imageSmoothingEnabled = smoothing;
  }
}
