// Ticks and arrows are many and tiny (tens of thousands on a zoomed-out trace): instead of a
// canvas call each, they are written as pixels into one ImageData and laid over the lanes
// with a single drawImage. Colours come in as CSS colours and are parsed by a canvas.

/** The last layer's buffers, reused while the size stays (a zoom or pan step keeps it). */
let reused: { image: ImageData; canvas: HTMLCanvasElement } | null = null;

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
      reused = { image: new ImageData(w, h), canvas };
    }
    this.image = reused.image;
    this.canvas = reused.canvas;
    this.pixels = new Uint32Array(this.image.data.buffer);
    this.pixels.fill(0);
  }

  /** A CSS colour as a little-endian RGBA word. */
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

  /** A vertical line at column x from y0 to y1 (inclusive); `dash` = [on, off] or none. */
  vline(x: number, y0: number, y1: number, colour: number, dash?: readonly [number, number]): void {
    const col = Math.floor(x);
    if (col < 0 || col >= this.width) return;
    const [a, b] = y0 <= y1 ? [y0, y1] : [y1, y0];
    for (let y = Math.max(0, Math.floor(a)); y <= Math.min(this.height - 1, Math.floor(b)); y++) {
      if (dash && (y - Math.floor(a)) % (dash[0] + dash[1]) >= dash[0]) continue;
      this.pixels[y * this.width + col] = colour;
    }
  }

  /** An arrow head pointing along dir (+1 down, -1 up) with its tip at (x, y). */
  head(x: number, y: number, dir: number, colour: number): void {
    for (let r = 0; r < 5; r++) for (let dx = -Math.floor(r * 0.7); dx <= Math.floor(r * 0.7); dx++) this.vline(x + dx, y - dir * r, y - dir * r, colour);
  }

  /** Lays the layer over `ctx` (whose transform maps CSS pixels to the device). */
  drawOnto(ctx: CanvasRenderingContext2D): void {
    const c = this.canvas;
    c.getContext('2d')!.putImageData(this.image, 0, 0);
    const smoothing = ctx.imageSmoothingEnabled;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(c, 0, 0);
    ctx.imageSmoothingEnabled = smoothing;
  }
}
