// WCAG contrast between theme colours, and a colour moved toward black or white until it
// stands out from a background: a theme's charts.* colour may not (charts.orange on Light
// Modern's white is 2.94 : 1; a translucent one shows as dark brown on a dark grey), and bars
// or lines below 3 : 1 (WCAG 1.4.11) are hard to see.

/** The least contrast ratio of a chart colour against the editor background. */
export const MIN_GRAPHIC_CONTRAST = 3;

type Rgb = [number, number, number];

/** #rgb, #rrggbb, #rrggbbaa or rgb()/rgba() as red, green, blue (0–255) and alpha (0–1); null for anything else. */
export function parseColour(text: string): [number, number, number, number] | null {
  const s = text.trim().toLowerCase();
  let m = /^#([0-9a-f]{3})$/.exec(s);
  if (m) return [...[...m[1]].map((c) => parseInt(c + c, 16)), 1] as [number, number, number, number];
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/.exec(s);
  if (m) return [...[0, 2, 4].map((i) => parseInt(m![1].slice(i, i + 2), 16)), m[2] ? parseInt(m[2], 16) / 255 : 1] as [number, number, number, number];
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?/.exec(s);
  if (!m) return null;
  const alpha = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : Number(m[4]);
  return [...[m[1], m[2], m[3]].map((c) => Math.min(255, Number(c))), Math.min(1, alpha)] as [number, number, number, number];
}

/** `colour` as it shows over the opaque `background` (a translucent colour blends with it); null when either cannot be read. */
function shownOver(colour: string, background: string): { fg: Rgb; bg: Rgb } | null {
  const c = parseColour(colour);
  const b = parseColour(background);
  if (!c || !b) return null;
  const bg = b.slice(0, 3) as Rgb;
  return { fg: bg.map((x, i) => c[i] * c[3] + x * (1 - c[3])) as Rgb, bg };
}

function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const x = c / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

const ratio = (p: Rgb, q: Rgb) => {
  const [hi, lo] = [luminance(p), luminance(q)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};

/** WCAG 2 contrast ratio (1 to 21) of `colour` shown over the opaque `background`; null when either cannot be read. */
export function contrastRatio(colour: string, background: string): number | null {
  const shown = shownOver(colour, background);
  return shown && ratio(shown.fg, shown.bg);
}

const hex = (c: Rgb) => `#${c.map((x) => Math.round(x).toString(16).padStart(2, '0')).join('')}`;

/** `colour` as is when it contrasts `min` : 1 with `background`; else opaque, and mixed toward white (dark background) or black (light) just enough. */
export function readableOn(colour: string, background: string, min = MIN_GRAPHIC_CONTRAST): string {
  const shown = shownOver(colour, background);
  if (!shown || ratio(shown.fg, shown.bg) >= min) return colour;
  const { bg } = shown;
  // A translucent colour: its hue at full strength first (what the theme meant), then mixed.
  const fg = parseColour(colour)!.slice(0, 3) as Rgb;
  const target: Rgb = luminance(bg) < 0.18 ? [255, 255, 255] : [0, 0, 0];
  for (let step = 0; step <= 20; step++) {
    const mixed = fg.map((x, i) => Math.round(x + ((target[i] - x) * step) / 20)) as Rgb;
    if (ratio(mixed, bg) >= min) return hex(mixed);
  }
  return hex(target);
}
