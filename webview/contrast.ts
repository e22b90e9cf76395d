// WCAG contrast between theme colours, and a colour moved toward black or white until it
// stands out from a background: a theme's charts.* colour may not (charts.orange on Light
// Modern's white is 2.9 : 1), and bars or lines below 3 : 1 (WCAG 1.4.11) are hard to see.

/** The least contrast ratio of a chart colour against the editor background. */
export const MIN_GRAPHIC_CONTRAST = 3;

type Rgb = [number, number, number];

/** #rgb, #rrggbb, #rrggbbaa (alpha ignored) or rgb()/rgba(); null for anything else. */
export function parseColour(text: string): Rgb | null {
  const s = text.trim().toLowerCase();
  let m = /^#([0-9a-f]{3})$/.exec(s);
  if (m) return [...m[1]].map((c) => parseInt(c + c, 16)) as Rgb;
  m = /^#([0-9a-f]{6})(?:[0-9a-f]{2})?$/.exec(s);
  if (m) return [0, 2, 4].map((i) => parseInt(m![1].slice(i, i + 2), 16)) as Rgb;
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(s);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])].map((c) => Math.min(255, c)) as Rgb;
  return null;
}

function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const x = c / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG 2 contrast ratio (1 to 21) of two colours; null when either cannot be read. */
export function contrastRatio(a: string, b: string): number | null {
  const p = parseColour(a);
  const q = parseColour(b);
  if (!p || !q) return null;
  const [hi, lo] = [luminance(p), luminance(q)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const hex = (c: Rgb) => `#${c.map((x) => Math.round(x).toString(16).padStart(2, '0')).join('')}`;

/** `colour` as is when it contrasts `min` : 1 with `background`, else mixed toward white (dark background) or black (light) just enough. */
export function readableOn(colour: string, background: string, min = MIN_GRAPHIC_CONTRAST): string {
  const c = parseColour(colour);
  const bg = parseColour(background);
  if (!c || !bg || (contrastRatio(colour, background) ?? 0) >= min) return colour;
  const target: Rgb = luminance(bg) < 0.18 ? [255, 255, 255] : [0, 0, 0];
  for (let step = 1; step <= 20; step++) {
    const f = step / 20;
    const mixed = hex(c.map((x, i) => x + (target[i] - x) * f) as Rgb);
    if ((contrastRatio(mixed, background) ?? 0) >= min) return mixed;
  }
  return hex(target);
}
