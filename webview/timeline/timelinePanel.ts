// The timeline panel of the trace editor: pCPU and vCPU lanes on a canvas (DOM only for
// labels and controls), an overview strip, zoom (wheel, W/S, +/-), pan (drag, arrows, A/D),
// a rubber band (shift-drag or the select mode) whose range drives the other panels, back and
// forward through zoom steps, details of what was clicked, an event list kept in step, and a
// table alternative. The host sends windows sized for the pixels; nothing is computed here.

import type { EventListPage, EventListRow, HostToWebview, InstanceFilter, InstancesReply, TimelineDetails, TimelineWindow, WebviewToHost } from '../../src/shared/protocol';
import { CPU_RUN_LABELS, GUEST_RUN_LABELS, SEGMENT_MIXED, SEGMENT_STRIDE, VCPU_STATE_LABELS } from '../../src/shared/protocol';
import { button } from '../controls';
import { el } from '../dom';
import { formatDuration } from '../duration';
import { onThemeChange } from '../theme';
import { timelineColours, type TimelineColours } from './colors';
import { drawOverview, drawTimeline } from './draw';
import { eventListPanel } from './eventListPanel';
import { instanceNavigator } from './instanceNavigator';
import { layoutRows, rowAt, type LaneRow, type Layout } from './layout';
import { clampView, panView, PAN_STEP, ViewHistory, zoomView, ZOOM_STEP, type Bounds, type View } from './viewport';

const OVERVIEW_PX = 28;
/** A press that moves less than this is a click. */
const CLICK_SLOP_PX = 3;
/** A click finds a PAUSE exit or IPI this close (px). */
const PICK_PX = 3;
/** The narrowest window: a few ns per pixel column apart, single events told apart. */
const MIN_SPAN_NS = 100;
/** A jump to an instance shows at least this much time around it (a PAUSE exit and its neighbours)... */
const INSTANCE_SPAN_NS = 50_000;
/** ...and at least this many times the instance's own length. */
const INSTANCE_SPANS = 4;

export interface TimelinePanel {
  element: HTMLElement;
  /** The trace's extent: the first call shows the whole trace. */
  setTrace(startNs: number, endNs: number): void;
  /** A range chosen in another panel (the dashboard's chart or form): shown and selected here too. */
  followRange(startNs: number, endNs: number): void;
  /** Shows the instances of a dashboard figure: moves to the first, marks them, lists their events. */
  showInstances(filter: InstanceFilter, what: string): void;
  /** Host replies meant for the timeline; false for other messages. */
  onMessage(msg: HostToWebview): boolean;
}

export function timelinePanel(post: (m: WebviewToHost) => void): TimelinePanel {
  let bounds: Bounds | null = null;
  let view: View = { startNs: 0, endNs: 1 };
  const history = new ViewHistory();
  const collapsed = new Set<string>();
  let win: TimelineWindow | null = null;
  let whole: TimelineWindow | null = null;
  let layout: Layout | null = null;
  let colours: TimelineColours = timelineColours();
  let selection: View | null = null;
  let marker: number | undefined;
  let selectMode = false;
  let seq = 0;
  let latestWindow = -1;
  let overviewId = -1;
  let latestDetails = -1;
  let renders = 0;

  const canvas = el('canvas', { role: 'img', tabindex: '0', 'aria-label': 'Timeline: pCPU and vCPU lanes. W/S or +/- zoom, A/D or left/right arrows pan, [ and ] back and forward, 0 whole trace, Enter selects the visible window, Escape clears the selection, N and P step through the instances shown, up/down arrows pick a lane and I shows its details.' });
  canvas.dataset.renders = '0';
  // Made now, while the host prepares the first window, not on its first drawing.
  const ctx = canvas.getContext('2d')!;
  const overview = el('canvas', { class: 'overview', role: 'img', 'aria-label': 'Overview of the whole trace; the box is the visible window. Click to move there.' });
  const labels = el('div', { class: 'labels' });
  const status = el('p', { class: 'sub', 'aria-live': 'polite' });
  /** What "Add Guest Trace…" did: the guest lanes added, or why a file was refused (untrusted text: textContent). */
  const guestNote = el('p', { class: 'sub', 'aria-live': 'polite', 'data-guests': '' });
  guestNote.hidden = true;
  const details = el('section', { class: 'details', 'aria-live': 'polite', 'aria-label': 'Details' }, el('p', { class: 'hint' }, 'Click a run, a PAUSE tick or an arrow for its details.'));
  const tableBox = el('details', { class: 'window-table' }, el('summary', {}, 'Table of the visible window'));
  const modeButton = button('Select range', () => setSelectMode(!selectMode));
  const backButton = button('Back', () => go(history.back()));
  const forwardButton = button('Forward', () => go(history.forward()));
  const toolbar = el(
    'div',
    { class: 'toolbar', role: 'toolbar', 'aria-label': 'Timeline' },
    button('Zoom in', () => zoomBy(ZOOM_STEP, 0.5)),
    button('Zoom out', () => zoomBy(1 / ZOOM_STEP, 0.5)),
    backButton,
    forwardButton,
    button('Whole trace', () => bounds && step({ startNs: bounds.startNs, endNs: bounds.endNs })),
    modeButton,
    button('Zoom to selection', () => selection && step(selection)),
    button('Open in Perfetto…', () => post({ type: 'exportPerfetto' })),
  );
  const events = eventListPanel(
    (request) => {
      const id = ++seq;
      post({ type: 'eventList', id, request });
      return id;
    },
    (row) => pickEvent(row),
  );
  const instances = instanceNavigator(
    (r) => {
      const id = ++seq;
      post({ type: 'instances', id, request: r });
      return id;
    },
    (reply, first) => goToInstance(reply, first),
    () => {
      marker = undefined;
      events.setInstances(undefined);
      request();
    },
  );
  const element = el(
    'section',
    { class: 'panel timeline', 'data-panel': 'timeline' },
    el('h2', {}, 'Timeline'),
    toolbar,
    instances.element,
    status,
    guestNote,
    el('div', { class: 'tl-overview' }, el('span', { class: 'sub' }, 'whole trace'), overview),
    el('div', { class: 'tl-body' }, labels, el('div', { class: 'tl-canvas' }, canvas)),
    legend(),
    details,
    tableBox,
    events.element,
  );

  const widthPx = () => Math.max(100, Math.floor((canvas.parentElement?.clientWidth || 900) - 2));
  const nsPerPx = () => (view.endNs - view.startNs) / (win?.widthPx ?? widthPx());
  const xToNs = (x: number) => view.startNs + x * nsPerPx();
  const nsToX = (ns: number) => (ns - view.startNs) / nsPerPx();

  let frame = 0;
  /** At most one window request per animation frame while dragging. */
  function scheduleRequest(): void {
    if (!frame) frame = requestAnimationFrame(() => ((frame = 0), request()));
  }

  function request(): void {
    if (!bounds) return;
    const lanesMeta = win ?? whole;
    const lanes = lanesMeta ? visibleLanes(lanesMeta) : undefined;
    latestWindow = ++seq;
    const highlight = instances.filter;
    post({ type: 'timeline', id: latestWindow, request: { startNs: view.startNs, endNs: view.endNs, widthPx: widthPx(), lanes, ...(highlight ? { highlight } : {}) } });
  }

  /** To the instance answered: centred, wide enough to show it and its neighbours (a first jump zooms; a step keeps a wider zoom). */
  function goToInstance(reply: InstancesReply, first: boolean): void {
    const at = reply.instance!;
    const least = Math.max(INSTANCE_SPAN_NS, INSTANCE_SPANS * (at.endNs - at.startNs));
    const span = first ? least : Math.max(least, view.endNs - view.startNs);
    const mid = (at.startNs + at.endNs) / 2;
    marker = at.startNs;
    const lanes = laneRows();
    const row = lanes.findIndex((r) => r.kind === 'vcpu' && r.index === at.lane);
    if (row >= 0) focusIndex = row;
    step({ startNs: mid - span / 2, endNs: mid + span / 2 });
  }

  function visibleLanes(w: TimelineWindow) {
    const l = layoutRows(w, collapsed);
    return { vcpus: [...l.laneY.vcpu.keys()], cpus: [...l.laneY.cpu.keys()], ...(w.guestLanes ? { guests: [...l.laneY.guest.keys()] } : {}) };
  }

  /** A new zoom step: remembered for back/forward. */
  function step(v: View): void {
    if (!bounds) return;
    view = clampView(v, bounds);
    history.push(view);
    updateHistoryButtons();
    request();
  }

  function go(v: View | null): void {
    if (!v) return;
    view = v;
    updateHistoryButtons();
    request();
  }

  function zoomBy(factor: number, anchor: number): void {
    if (bounds) step(zoomView(view, factor, anchor, bounds));
  }

  function panBy(share: number): void {
    if (bounds) step(panView(view, share, bounds));
  }

  function updateHistoryButtons(): void {
    backButton.toggleAttribute('disabled', !history.canBack);
    forwardButton.toggleAttribute('disabled', !history.canForward);
  }

  function setSelectMode(on: boolean): void {
    selectMode = on;
    modeButton.setAttribute('appearance', on ? 'primary' : 'secondary');
    modeButton.setAttribute('aria-pressed', String(on));
    canvas.classList.toggle('selecting', on);
  }

  function select(range: View | null): void {
    selection = range;
    if (range) post({ type: 'selectRange', startNs: range.startNs, endNs: range.endNs });
    redraw();
  }
  const isSelection = (a: number, b: number) => selection !== null && selection.startNs === a && selection.endNs === b;

  function redraw(): void {
    if (!win || !layout) return;
    const dpr = window.devicePixelRatio || 1;
    sizeCanvas(canvas, win.widthPx, layout.heightPx, dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const sel = selection ? { x0: Math.max(0, nsToX(selection.startNs)), x1: Math.min(win.widthPx, nsToX(selection.endNs)) } : undefined;
    const started = performance.now();
    const focused = focusedLane();
    drawTimeline(ctx, win, layout, colours, { marks: win.highlight?.marks, selection: sel && sel.x1 > sel.x0 ? sel : undefined, markerX: marker === undefined ? undefined : nsToX(marker), focusY: focused?.y });
    // For the benchmark: the canvas work alone, beside the message-to-drawn time it measures.
    canvas.dataset.drawMs = (performance.now() - started).toFixed(1);
    canvas.dataset.renders = String(++renders);
    drawOverviewStrip();
  }

  function drawOverviewStrip(): void {
    if (!whole || !bounds) return;
    sizeCanvas(overview, whole.widthPx, OVERVIEW_PX, 1);
    const scale = whole.widthPx / (bounds.endNs - bounds.startNs);
    drawOverview(overview.getContext('2d')!, whole, OVERVIEW_PX, { x0: (view.startNs - bounds.startNs) * scale, x1: (view.endNs - bounds.startNs) * scale }, colours);
  }

  function renderLabels(l: Layout): void {
    labels.replaceChildren();
    labels.style.height = `${l.heightPx}px`;
    for (const row of l.rows) {
      let node: HTMLElement;
      if (row.type === 'group') {
        node = el('button', { class: 'group', 'aria-expanded': String(!row.collapsed), title: row.collapsed ? 'Show these lanes' : 'Hide these lanes' }, `${row.collapsed ? '▸' : '▾'} ${row.label}`);
        node.addEventListener('click', () => {
          if (collapsed.has(row.key)) collapsed.delete(row.key);
          else collapsed.add(row.key);
          if (win) applyLayout(win);
          request();
        });
      } else {
        node = el('div', { class: 'lane', title: row.title }, row.label);
      }
      node.style.top = `${row.y}px`;
      labels.append(node);
    }
  }

  function applyLayout(w: TimelineWindow): void {
    layout = layoutRows(w, collapsed);
    renderLabels(layout);
  }

  function showWindow(w: TimelineWindow): void {
    const first = !win;
    win = w;
    view = { startNs: w.startNs, endNs: w.endNs };
    if (first || !layout) applyLayout(w);
    const span = w.endNs - w.startNs;
    const omitted = w.boostsOmitted + w.ipisOmitted;
    const marked = w.highlight ? ` · ${w.highlight.inWindow.toLocaleString('en-US')} of the instances in view${w.highlight.sampled ? ' (some marks merged: zoom in for every one)' : ''}` : '';
    status.textContent =
      `${fmtTime(w.startNs - w.traceStartNs)} to ${fmtTime(w.endNs - w.traceStartNs)} from the trace start (${fmtTime(span)} shown, ${fmtTime(span / w.widthPx)} per pixel) · ` +
      `${w.boostsInWindow.toLocaleString('en-US')} boosts, ${w.ipisInWindow.toLocaleString('en-US')} IPIs` +
      (omitted ? ` (${omitted.toLocaleString('en-US')} merged arrows left out: zoom in to see every one)` : '') +
      marked;
    redraw();
    if (tableBox.open) fillTable();
    events.setWindow(w);
  }

  function showDetails(d: TimelineDetails | null): void {
    details.replaceChildren();
    if (!d) {
      details.append(el('p', { class: 'hint' }, 'Nothing there.'));
      return;
    }
    const rows = el('tbody', {}, ...d.fields.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, v))));
    details.append(el('h3', {}, d.title), el('table', { class: 'data' }, rows));
    const actions = el('div', { class: 'toolbar' });
    if (d.line > 0) actions.append(button(`Show line ${d.line} in the trace`, () => post({ type: 'revealLine', line: d.line })));
    if (d.endNs > d.startNs) actions.append(button('Zoom to it', () => step(padded(d.startNs, d.endNs))));
    details.append(actions);
  }

  function pickEvent(r: EventListRow): void {
    marker = r.ts;
    redraw();
    showDetails({
      title: `${r.event} on CPU ${r.cpu}`,
      fields: [
        ['time', `${(r.ts / 1e9).toFixed(9)} s`],
        ['CPU', String(r.cpu)],
        ['thread', `${r.comm}-${r.tid}`],
        ['event', r.event],
        ['fields', r.info],
        ['line', String(r.line)],
      ],
      line: r.line,
      startNs: r.ts,
      endNs: r.ts,
    });
  }

  const padded = (a: number, b: number) => ({ startNs: a - (b - a) * 0.5, endNs: b + (b - a) * 0.5 });

  function fillTable(): void {
    if (!win) return;
    const w = win;
    const body = el('tbody');
    let n = 0;
    const LIMIT = 2000;
    for (const lane of w.lanes) {
      const guest = lane.kind === 'guest' ? w.guestLanes?.[lane.index] : undefined;
      const name = guest ? `guest ${guest.name || guest.traceId} CPU ${guest.vcpu}` : lane.kind === 'cpu' ? `CPU ${w.cpuLanes[lane.index].cpu}` : `${w.vcpuLanes[lane.index].vm}/vCPU ${w.vcpuLanes[lane.index].vcpu}`;
      const s = lane.segments;
      for (let k = 0; k < s.length && n < LIMIT; k += SEGMENT_STRIDE, n++) {
        const code = s[k + 2] & ~SEGMENT_MIXED;
        const what = lane.kind === 'guest' ? GUEST_RUN_LABELS[code] : lane.kind === 'vcpu' ? VCPU_STATE_LABELS[code] : code === 1 && s[k + 3] >= 0 ? `${w.vcpuLanes[s[k + 3]].vm}/vCPU ${w.vcpuLanes[s[k + 3]].vcpu}` : CPU_RUN_LABELS[code];
        const at = (x: number) => fmtTime(w.startNs + (x * (w.endNs - w.startNs)) / w.widthPx - w.traceStartNs);
        body.append(el('tr', {}, el('td', {}, name), el('td', {}, at(s[k])), el('td', {}, at(s[k + 1])), el('td', {}, `${what ?? code}${s[k + 2] & SEGMENT_MIXED ? ' (mostly; runs below a pixel merged)' : ''}`)));
      }
    }
    const caption = el('caption', {}, `Runs drawn in the visible window${n >= LIMIT ? ` (first ${LIMIT})` : ''}`);
    const head = el('thead', {}, el('tr', {}, ...['lane', 'from', 'to', 'state or what ran'].map((h) => el('th', { scope: 'col' }, h))));
    tableBox.replaceChildren(tableBox.firstElementChild!, el('table', { class: 'data' }, caption, head, body));
  }
  tableBox.addEventListener('toggle', () => tableBox.open && fillTable());

  // ---- pointer and keyboard ----
  let press: { x: number; y: number; view: View; selecting: boolean; moved: boolean } | null = null;
  canvas.addEventListener('mousedown', (e) => {
    press = { x: e.offsetX, y: e.offsetY, view, selecting: e.shiftKey || selectMode, moved: false };
    canvas.focus();
  });
  canvas.addEventListener('mousemove', (e) => {
    if (!press || !bounds) return;
    const dx = e.offsetX - press.x;
    if (Math.abs(dx) >= CLICK_SLOP_PX) press.moved = true;
    if (!press.moved) return;
    if (press.selecting) {
      const [a, b] = [press.x, e.offsetX].sort((p, q) => p - q);
      selection = { startNs: xToNs(a), endNs: xToNs(b) };
      redraw();
    } else {
      const span = press.view.endNs - press.view.startNs;
      const shifted = clampView({ startNs: press.view.startNs - (dx * span) / (win?.widthPx ?? widthPx()), endNs: press.view.endNs - (dx * span) / (win?.widthPx ?? widthPx()) }, bounds);
      if (shifted.startNs !== view.startNs) {
        view = shifted;
        scheduleRequest();
      }
    }
  });
  window.addEventListener('mouseup', (e) => {
    if (!press) return;
    const p = press;
    press = null;
    if (!p.moved) {
      if (e.target === canvas) pick(p.x, p.y);
      return;
    }
    if (p.selecting) select(selection);
    else step(view);
  });
  canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      if (!win) return;
      zoomBy(e.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP, e.offsetX / win.widthPx);
    },
    { passive: false },
  );
  canvas.addEventListener('keydown', (e) => {
    const keys: Record<string, () => void> = {
      w: () => zoomBy(ZOOM_STEP, 0.5),
      '+': () => zoomBy(ZOOM_STEP, 0.5),
      '=': () => zoomBy(ZOOM_STEP, 0.5),
      s: () => zoomBy(1 / ZOOM_STEP, 0.5),
      '-': () => zoomBy(1 / ZOOM_STEP, 0.5),
      a: () => panBy(-PAN_STEP),
      ArrowLeft: () => panBy(-PAN_STEP),
      d: () => panBy(PAN_STEP),
      ArrowRight: () => panBy(PAN_STEP),
      n: () => instances.step(1),
      p: () => instances.step(-1),
      '[': () => go(history.back()),
      ']': () => go(history.forward()),
      '0': () => bounds && step({ startNs: bounds.startNs, endNs: bounds.endNs }),
      Home: () => bounds && step({ startNs: bounds.startNs, endNs: bounds.endNs }),
      Enter: () => select({ ...view }),
      Escape: () => ((selection = null), (marker = undefined), redraw()),
      // The keyboard's click: a lane picked with the up/down arrows, its details at the window's middle.
      ArrowUp: () => moveFocus(-1),
      ArrowDown: () => moveFocus(1),
      i: () => {
        const lane = focusedLane();
        if (lane && win) pick(win.widthPx / 2, lane.y + 1);
      },
    };
    const action = keys[e.key.length === 1 ? e.key.toLowerCase() : e.key];
    if (!action || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    action();
  });
  overview.addEventListener('click', (e) => {
    if (!bounds || !whole) return;
    const at = bounds.startNs + (e.offsetX / whole.widthPx) * (bounds.endNs - bounds.startNs);
    const span = view.endNs - view.startNs;
    step({ startNs: at - span / 2, endNs: at + span / 2 });
  });

  let focusIndex = -1;
  const laneRows = () => (layout ? layout.rows.filter((r): r is LaneRow => r.type === 'lane') : []);
  const focusedLane = () => (focusIndex >= 0 ? laneRows()[Math.min(focusIndex, laneRows().length - 1)] : undefined);
  function moveFocus(by: number): void {
    const n = laneRows().length;
    if (!n) return;
    focusIndex = Math.max(0, Math.min(n - 1, focusIndex + by));
    const lane = focusedLane()!;
    status.textContent = `${lane.title} — press I for details at the middle of the window`;
    redraw();
  }

  function pick(x: number, y: number): void {
    if (!layout) return;
    const row = rowAt(layout, y);
    if (!row || row.type !== 'lane') return;
    latestDetails = ++seq;
    post({ type: 'timelineDetails', id: latestDetails, request: { lane: row.kind, index: row.index, ns: xToNs(x), toleranceNs: PICK_PX * nsPerPx() } });
  }

  onThemeChange(() => {
    colours = timelineColours();
    redraw();
  });
  new ResizeObserver(() => win && Math.abs(widthPx() - win.widthPx) > 1 && request()).observe(element);

  return {
    element,
    setTrace(startNs, endNs) {
      if (bounds) return;
      bounds = { startNs, endNs: Math.max(endNs, startNs + 1), minSpanNs: MIN_SPAN_NS };
      view = { startNs: bounds.startNs, endNs: bounds.endNs };
      history.push(view);
      updateHistoryButtons();
      overviewId = ++seq;
      post({ type: 'timeline', id: overviewId, request: { startNs: bounds.startNs, endNs: bounds.endNs, widthPx: widthPx() } });
      request();
    },
    showInstances(filter, what) {
      instances.show(filter, what);
      events.setInstances(filter, what);
      element.scrollIntoView({ block: 'start' });
      canvas.focus({ preventScroll: true });
    },
    followRange(startNs, endNs) {
      if (!bounds || isSelection(startNs, endNs)) return;
      selection = { startNs, endNs };
      step(padded(startNs, endNs));
    },
    onMessage(msg) {
      if (msg.type === 'timeline') {
        if (msg.id === overviewId) {
          whole = msg.window;
          drawOverviewStrip();
        }
        if (msg.id === latestWindow) showWindow(msg.window);
        return true;
      }
      if (msg.type === 'timelineDetails') {
        if (msg.id === latestDetails) showDetails(msg.details);
        return true;
      }
      if (msg.type === 'instances') {
        instances.onReply(msg.id, msg.reply);
        return true;
      }
      if (msg.type === 'guests') {
        // The lanes change: lay out again from the next window, and redraw the overview too.
        guestNote.textContent = msg.message ?? `${msg.guestLanes} guest CPU lane(s) beside the vCPU threads that ran them.`;
        guestNote.hidden = false;
        if (msg.message === null) {
          layout = null;
          request();
        }
        return true;
      }
      if (msg.type === 'eventList') {
        events.onPage(msg.id, msg.page as EventListPage);
        return true;
      }
      return false;
    },
  };
}

/** Resizes a canvas only when its size changes (a resize reallocates and clears it). */
function sizeCanvas(c: HTMLCanvasElement, widthPx: number, heightPx: number, dpr: number): void {
  const w = Math.round(widthPx * dpr);
  const h = Math.max(1, Math.round(heightPx * dpr));
  if (c.width !== w) c.width = w;
  if (c.height !== h) c.height = h;
  c.style.width = `${widthPx}px`;
  c.style.height = `${heightPx}px`;
}

function legend(): HTMLElement {
  const c = timelineColours();
  const item = (colour: string, text: string) => {
    const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
    swatch.style.background = colour;
    return el('span', { class: 'item' }, swatch, text);
  };
  return el(
    'p',
    { class: 'legend' },
    item(c.vcpuStates[1], 'guest'),
    item(c.vcpuStates[2], 'exit handling'),
    item(c.vcpuStates[3], 'preempted'),
    item(c.vcpuStates[4], 'halted'),
    item(c.vcpuStates[5], 'woken'),
    item(c.otherTask, 'other task (pCPU lanes; vCPUs in their VM colour)'),
    item(c.boostRan, 'boost honoured'),
    item(c.boostIgnored, 'boost ignored'),
    item(c.boostEsrch, '-ESRCH'),
    item(c.ipi, 'IPI'),
    el('span', { class: 'item' }, '| ↳ guest CPU lanes (Add Guest Trace…): task green, lock contention red, csd function orange, tick: IPI sent or csd queued'),
    el('span', { class: 'item' }, '| tick: PAUSE exit · lowered bar: runs below a pixel merged · drag pans, shift-drag selects'),
  );
}

/** A duration or offset in the unit that suits it. */
export function fmtTime(ns: number): string {
  return formatDuration(ns, 'ns', 4);
}
