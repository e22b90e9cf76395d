// Names from a trace or a file system (file names, run labels, thread names, scenario names)
// as the pages show them: inert text (textContent), at most MAX_LABEL_CHARS characters with an
// ellipsis, the whole name on hover, and isolated from the text around it so that neither
// right-to-left script nor a stray bidirectional control (an unterminated U+202E "right-to-left
// override" would turn `evil\u202Etxt.exe` into `evilexe.txt`) reorders what surrounds it.

import { el } from './dom';

/** Characters of a name shown in place; the rest is behind an ellipsis. */
export const MAX_LABEL_CHARS = 200;
/** Characters of a name in its hover text (browsers cut tooltips far earlier anyway). */
export const MAX_TITLE_CHARS = 4096;

/** Embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): they change the order of what follows. */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
/** Other control characters, which show as nothing or as boxes. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/** `text` without bidirectional controls, other controls as spaces, at most `max` characters (code points). */
export function cleanLabel(text: string, max = MAX_LABEL_CHARS): string {
  const clean = text.replace(BIDI_CONTROLS, '').replace(CONTROLS, ' ');
  if (clean.length <= max) return clean;
  const chars = Array.from(clean.slice(0, 2 * max));
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * A name as an isolated inline element (`<bdi dir="auto">`, also `unicode-bidi: isolate` in the
 * CSS): cut to `max` characters, one line with an ellipsis where its box is narrower, the whole
 * name (cleaned) as its title.
 */
export function label(text: string, max = MAX_LABEL_CHARS): HTMLElement {
  const shown = cleanLabel(text, max);
  const node = el('bdi', { class: 'label', dir: 'auto' }, shown);
  node.title = cleanLabel(text, MAX_TITLE_CHARS);
  return node;
}

/** The whole name, cleaned, in a closed disclosure, for names cut in `label` (null when nothing was cut). */
export function fullLabelDetails(text: string, summary: string, max = MAX_LABEL_CHARS): HTMLElement | null {
  if (cleanLabel(text, max) === cleanLabel(text, Infinity)) return null;
  return el('details', { class: 'full-label' }, el('summary', {}, summary), el('bdi', { class: 'full-label-text', dir: 'auto' }, cleanLabel(text, Infinity)));
}
