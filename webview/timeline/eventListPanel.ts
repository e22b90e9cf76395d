// The event list for the visible window: virtualized (only the rows in view exist), paged
// from the host, filterable by VM, vCPU, CPU and event name; a click marks the event on the
// timeline and shows its fields.

import { EVENT_LIST_MAX_LIMIT, type InstanceFilter, type EventListFilter, type EventListPage, type EventListRequest, type EventListRow, type TimelineWindow } from '../../src/shared/protocol';
import { el } from '../dom';

const ROW_PX = 22;
const PAGE = 200;

export interface EventListPanel {
  element: HTMLElement;
  /** The window shown changed: list its events from the top. */
  setWindow(w: TimelineWindow): void;
  /** Only the events of a dashboard figure's instances (undefined: every event). */
  setInstances(filter: InstanceFilter | undefined, what?: string): void;
  onPage(id: number, page: EventListPage): void;
}

export function eventListPanel(request: (r: EventListRequest) => number, onPick: (row: EventListRow) => void): EventListPanel {
  const filter: EventListFilter = {};
  let window: TimelineWindow | null = null;
  let page: EventListPage | null = null;
  let latest = -1;
  let total = 0;
  let requested = -1;
  const select = (label: string, onChange: (value: string) => void) => {
    const s = el('select', { 'aria-label': label });
    s.addEventListener('change', () => onChange(s.value));
    return s;
  };
  const option = (value: string, text: string) => {
    const o = el('option', { value });
    o.textContent = text;
    return o;
  };
  const vmSelect = select('Filter by VM', (v) => ((filter.vm = v || undefined), refetch(0)));
  const vcpuSelect = select('Filter by vCPU', (v) => ((filter.vcpuLane = v ? Number(v) : undefined), refetch(0)));
  const cpuSelect = select('Filter by CPU', (v) => ((filter.cpu = v ? Number(v) : undefined), refetch(0)));
  const eventSelect = select('Filter by event', (v) => ((filter.event = v || undefined), refetch(0)));
  const count = el('span', { class: 'sub', 'aria-live': 'polite' });
  let only = '';
  const head = el('div', { class: 'erow vhead', role: 'row' }, ...['time s', 'CPU', 'thread', 'event', 'fields', 'line'].map((h) => el('span', { role: 'columnheader' }, h)));
  const viewport = el('div', { class: 'viewport events', role: 'grid', tabindex: '0', 'aria-label': 'Events in the visible window' });
  const spacer = el('div', { class: 'spacer' });
  viewport.append(spacer);
  const element = el('section', { class: 'panel', 'data-panel': 'events' }, el('h3', {}, 'Events in the window'), el('div', { class: 'filters' }, vmSelect, vcpuSelect, cpuSelect, eventSelect, count), head, viewport);

  function fillFilters(w: TimelineWindow): void {
    if (vmSelect.options.length) return;
    vmSelect.append(option('', 'every VM'), ...[...new Set(w.vcpuLanes.map((l) => l.vm))].map((vm) => option(vm, vm)));
    vcpuSelect.append(option('', 'every vCPU'), ...w.vcpuLanes.map((l, i) => option(String(i), `${l.vm}/vCPU ${l.vcpu}`)));
    cpuSelect.append(option('', 'every CPU'), ...w.cpuLanes.map((c) => option(String(c.cpu), `CPU ${c.cpu}`)));
  }

  function refetch(offset: number): void {
    if (!window) return;
    requested = offset;
    latest = request({ startNs: window.startNs, endNs: window.endNs, offset, limit: Math.min(PAGE, EVENT_LIST_MAX_LIMIT), filter: { ...filter } });
  }

  function draw(): void {
    spacer.style.height = `${total * ROW_PX}px`;
    const first = Math.floor(viewport.scrollTop / ROW_PX);
    const shown = Math.ceil((viewport.clientHeight || 240) / ROW_PX) + 2;
    const end = Math.min(total, first + shown);
    const offset = Math.max(0, first - PAGE / 4);
    // Rows in view outside the page held: ask for the page around them (once per offset).
    if (page && (first < page.offset || end > page.offset + page.rows.length) && offset !== requested) refetch(offset);
    spacer.replaceChildren();
    if (!page) return;
    for (let i = Math.max(first, page.offset); i < Math.min(first + shown, page.offset + page.rows.length); i++) {
      const r = page.rows[i - page.offset];
      const row = el('div', { class: 'erow vrow', role: 'row', tabindex: '0' }, ...[(r.ts / 1e9).toFixed(9), String(r.cpu), `${r.comm}-${r.tid}`, r.event, r.info, String(r.line)].map((t) => el('span', { role: 'gridcell' }, t)));
      row.style.top = `${i * ROW_PX}px`;
      row.addEventListener('click', () => onPick(r));
      row.addEventListener('keydown', (e) => e.key === 'Enter' && onPick(r));
      spacer.append(row);
    }
  }

  /** Whether the list was scrolled: setting (or reading) scrollTop lays the whole page out, so it is left alone when at the top. */
  let scrolled = false;
  viewport.addEventListener('scroll', () => {
    scrolled = viewport.scrollTop > 0;
    draw();
  });
  return {
    element,
    setWindow(w) {
      window = w;
      fillFilters(w);
      if (scrolled) viewport.scrollTop = 0;
      scrolled = false;
      refetch(0);
    },
    setInstances(f, what) {
      filter.instances = f;
      only = f ? ` (only the PAUSE exits of ${what ?? 'the instances shown'})` : '';
      refetch(0);
    },
    onPage(id, p) {
      if (id !== latest) return;
      if (eventSelect.options.length === 0) eventSelect.append(option('', 'every event'), ...p.eventNames.map((n) => option(n, n)));
      page = p;
      total = p.total;
      count.textContent = `${p.total.toLocaleString('en-US')} events${only}`;
      draw();
    },
  };
}
