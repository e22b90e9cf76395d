// Tiny DOM helpers: every text from a trace goes in through textContent, never as HTML.

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  return node;
}

export function table(headers: string[], rows: (string | number | Node)[][], caption: string): HTMLTableElement {
  const t = el('table', { class: 'data' });
  t.append(el('caption', {}, caption));
  t.append(el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)))));
  const body = el('tbody');
  for (const row of rows) body.append(el('tr', {}, ...row.map((c) => el('td', {}, typeof c === 'number' ? c.toLocaleString('en-US') : c))));
  t.append(body);
  return t;
}

export const ms = (ns: number) => (ns / 1e6).toFixed(3);

/** "not judged" with the reason beside it (visible, and whole on hover): a figure the trace cannot tell, never a 0. */
export function notJudged(reason: string | undefined): HTMLElement {
  const why = reason ?? 'the trace cannot tell';
  return el('span', { class: 'not-judged', title: why }, 'not judged', el('span', { class: 'reason' }, ` — ${why}`));
}

/** A count, or "not judged" with its reason when null. */
export function judgedValue(value: number | null, reason: string | undefined): string | HTMLElement {
  return value === null ? notJudged(reason) : value.toLocaleString('en-US');
}
