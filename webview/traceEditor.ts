// The trace editor's webview: draws the dashboard model the host sends (aggregates only).
// Charts are chart.js with pre-aggregated data (parsing off, animation off, min-max
// decimation), coloured from the --vscode-* theme variables and redrawn on theme change;
// every chart has a table beside it; every trace text goes in through textContent.

import { Chart, registerables, type ChartConfiguration } from 'chart.js';
import { parseHostMessage, type DashboardModel, type WebviewToHost } from '../src/protocol';
import { button } from './controls';
import { vscodeApi } from './vscodeApi';
import { el, judgedValue, ms, table } from './dom';
import { fullLabelDetails, label } from './label';
import { onThemeChange, theme } from './theme';
import { timelinePanel } from './timeline/timelinePanel';
import { mountWhatIf } from './whatIf/whatIfPanel';

Chart.register(...registerables);

const vscode = vscodeApi<WebviewToHost>();
const app = document.getElementById('app')!;
let charts: Chart[] = [];
/** Labels of times ÷ 10^6 and ÷ 10^3: ms and µs, or millions / thousands of cycles for a raw counter clock. */
let unit = { ms: 'ms', us: 'µs' };
const unitsOf = (model: DashboardModel) => (model.clock?.unit === 'cycles' ? { ms: 'Mcycles', us: 'kcycles' } : { ms: 'ms', us: 'µs' });
const clockText = (model: DashboardModel) =>
  model.clock ? ` · clock ${model.clock.name ?? 'not in the trace'}${model.clock.unit === 'cycles' ? ' (raw counter values: set kvmSpin.clockHz for ms)' : ''}` : '';
let current: DashboardModel | null = (vscode.getState() as { model?: DashboardModel } | undefined)?.model ?? null;
// The timeline stays mounted above the dashboard, which is redrawn on every range.
const timeline = timelinePanel((m) => post(m));

const PROBLEM_DEFINITIONS: Record<string, string> = {
  schedulerMismatch: 'KVM boosted a vCPU (yield_to succeeded) but the host scheduler did not run it before the spinner exited again.',
  lostOpportunity: 'The vCPU the spinner waited for (the receiver of its IPI) sat preempted and was not boosted — typically skipped because it was preempted in user mode.',
  overboost: 'The boost went to a vCPU woken from halt (ready, not preempted) that the spinner did not wait for.',
};

function section(title: string, chartLabel: string, config: ChartConfiguration | null, alternative: HTMLElement, extra?: HTMLElement): HTMLElement {
  const s = el('section', { class: 'panel' }, el('h2', {}, title));
  if (extra) s.append(extra);
  if (config) {
    const canvas = el('canvas', { role: 'img', 'aria-label': chartLabel });
    s.append(el('div', { class: 'chart' }, canvas));
    charts.push(new Chart(canvas, config));
  }
  s.append(el('details', {}, el('summary', {}, 'Table'), alternative));
  return s;
}

function baseOptions(t: ReturnType<typeof theme>, stacked = false) {
  return {
    animation: false as const,
    responsive: true,
    maintainAspectRatio: false,
    parsing: false as const,
    normalized: true,
    plugins: { legend: { labels: { color: t.fg } }, decimation: { enabled: true, algorithm: 'min-max' as const } },
    scales: {
      x: { stacked, ticks: { color: t.fg }, grid: { color: t.grid } },
      y: { stacked, beginAtZero: true, ticks: { color: t.fg }, grid: { color: t.grid } },
    },
  };
}

let renders = 0;

function render(model: DashboardModel): void {
  renderDashboard(model);
  // For the benchmark and tests: a render is done (charts draw synchronously, animation off).
  app.dataset.renders = String(++renders);
}

function renderDashboard(model: DashboardModel): void {
  for (const c of charts) c.destroy();
  charts = [];
  const t = theme();
  app.replaceChildren();
  unit = unitsOf(model);
  const rangeMs = (model.rangeEndNs - model.rangeStartNs) / 1e6;
  const isRange = model.rangeStartNs > model.traceStartNs || model.rangeEndNs < model.traceEndNs;
  const header = el('header', {}, el('h1', {}, label(model.title)), el('p', { class: 'sub' }, `${model.format}${clockText(model)} · ${rangeMs.toFixed(3)} ${unit.ms} shown${isRange ? ` (from ${ms(model.rangeStartNs - model.traceStartNs)} ${unit.ms})` : ''}`));
  const fullTitle = fullLabelDetails(model.title, 'Full file name');
  if (fullTitle) header.append(fullTitle);
  if (isRange) header.append(button('Show the whole trace', () => post({ type: 'resetRange' })));
  app.append(header);

  // Summary
  const why = (figure: string) => model.notJudged?.[figure];
  const cards: [string, number | null, string | undefined, string?][] = [
    ['PAUSE exits', model.totals.pleExits, undefined],
    ['yield attempts', model.totals.yieldAttempts, why('totals.yieldAttempts')],
    ['boosts', model.totals.boosts, why('totals.boosts')],
    ['continuous-PLE episodes', model.totals.episodes, undefined],
    ['scheduler mismatch', model.problems.schedulerMismatch, why('problems.schedulerMismatch'), PROBLEM_DEFINITIONS.schedulerMismatch],
    ['lost opportunity', model.problems.lostOpportunity, why('problems.lostOpportunity'), PROBLEM_DEFINITIONS.lostOpportunity],
    ['overboost', model.problems.overboost, why('problems.overboost'), PROBLEM_DEFINITIONS.overboost],
    ['lost events', model.totals.lostEvents, undefined],
  ];
  app.append(
    el('section', { class: 'cards', 'aria-label': 'Summary' }, ...cards.map(([label, value, reason, def]) => el('div', { class: 'card', title: def ?? '' }, el('span', { class: 'value' }, judgedValue(value, reason)), el('span', { class: 'label' }, label)))),
    el('p', { class: 'sub' }, `VMs ${new Set(model.vcpus.map((v) => v.vm)).size} · vCPUs ${model.vcpus.length} · decisions ${model.inference}`),
  );
  if (model.warnings.length) app.append(el('details', { class: 'warnings' }, el('summary', {}, `${model.warnings.length} warning(s)`), el('ul', {}, ...model.warnings.map((w) => el('li', {}, w)))));

  const labels = model.vcpus.map((v) => `${v.vm}/vCPU ${v.vcpu}`);
  const idx = model.vcpus.map((_, i) => i);
  // Spin time per vCPU
  app.append(
    section(
      'Spin time per vCPU',
      'Bar chart of spin time and PAUSE-exit time per vCPU, in milliseconds',
      {
        type: 'bar',
        data: {
          labels,
          datasets: [
            { label: `spin (${unit.ms})`, data: idx.map((i) => ({ x: i, y: model.vcpus[i].spinNs / 1e6 })), backgroundColor: t.orange },
            { label: `in PAUSE exits (${unit.ms})`, data: idx.map((i) => ({ x: i, y: model.vcpus[i].pleNs / 1e6 })), backgroundColor: t.blue },
          ],
        },
        options: { ...baseOptions(t), scales: { x: { type: 'category', labels, ticks: { color: t.fg } }, y: { beginAtZero: true, ticks: { color: t.fg }, grid: { color: t.grid } } } },
      },
      table(['vCPU', 'thread', 'PAUSE exits', `spin ${unit.ms}`, `PAUSE-exit ${unit.ms}`, `preempted ${unit.ms}`], model.vcpus.map((v) => [`${v.vm}/vCPU ${v.vcpu}`, label(v.comm), v.pleExits, ms(v.spinNs), ms(v.pleNs), v.preemptedNs === null ? judgedValue(null, why('vcpus.time.preempted')) : ms(v.preemptedNs)]), 'Spin time per vCPU'),
      model.vcpusOmitted ? el('p', { class: 'hint' }, `${model.vcpusOmitted.count.toLocaleString('en-US')} more vCPUs not shown (${model.vcpusOmitted.pleExits.toLocaleString('en-US')} PAUSE exits, ${ms(model.vcpusOmitted.spinNs)} ${unit.ms} spin).`) : undefined,
    ),
  );

  // PAUSE exits over time, with a range selection by dragging
  const s = model.pleExitsOverTime;
  const points = s.values.map((y, i) => ({ x: (s.startNs - model.traceStartNs + i * s.binNs) / 1e6, y }));
  const pleSection = section(
    'PAUSE exits over time',
    'Line chart of PAUSE exits per time bin; drag across it to select a time range',
    { type: 'line', data: { datasets: [{ label: `PAUSE exits per ${(s.binNs / 1e6).toPrecision(3)} ${unit.ms}`, data: points, borderColor: t.red, backgroundColor: t.red, pointRadius: 0, borderWidth: 1 }] }, options: { ...baseOptions(t), scales: { x: { type: 'linear', title: { display: true, text: unit.ms, color: t.fg }, ticks: { color: t.fg }, grid: { color: t.grid } }, y: { beginAtZero: true, ticks: { color: t.fg }, grid: { color: t.grid } } } } },
    table([`from ${unit.ms}`, 'PAUSE exits'], points.filter((p) => p.y > 0).slice(0, 500).map((p) => [p.x.toFixed(3), p.y]), 'PAUSE exits per bin (non-empty bins, first 500)'),
    el('p', { class: 'hint' }, 'Drag across the chart to show only that time range in every panel.'),
  );
  pleSection.append(rangeForm(model));
  app.append(pleSection);
  attachRangeSelection(charts[charts.length - 1], model);

  // Yield outcomes per vCPU
  const outcome = (key: 'boostedRan' | 'boostedNotRun' | 'esrch' | 'notBoosted' | 'noCandidate', label: string, color: string) => ({ label, data: idx.map((i) => ({ x: i, y: model.vcpus[i][key] })), backgroundColor: color });
  app.append(
    section(
      'Yield decisions per vCPU',
      'Stacked bar chart of yield-decision outcomes per vCPU',
      {
        type: 'bar',
        data: { labels, datasets: [outcome('boostedRan', 'boosted and ran', t.green), outcome('boostedNotRun', 'boosted, did not run', t.red), outcome('esrch', '-ESRCH', t.purple), outcome('notBoosted', 'ready but not boosted', t.yellow), outcome('noCandidate', 'no candidate', t.blue)] },
        options: { ...baseOptions(t, true), scales: { x: { type: 'category', labels, stacked: true, ticks: { color: t.fg } }, y: { stacked: true, beginAtZero: true, ticks: { color: t.fg }, grid: { color: t.grid } } } },
      },
      table(['vCPU', 'boosted and ran', 'boosted, did not run', '-ESRCH', 'ready, not boosted', 'no candidate'], model.vcpus.map((v) => [`${v.vm}/vCPU ${v.vcpu}`, ...(['boostedRan', 'boostedNotRun', 'esrch', 'notBoosted', 'noCandidate'] as const).map((k) => judgedValue(v[k], why(`decisions.${k}`)))]), 'Yield decisions per vCPU'),
    ),
  );

  // Source -> target matrices
  const matrixPanel = el('section', { class: 'panel' }, el('h2', {}, 'Yield targets: source vCPU → boosted vCPU'));
  for (const m of model.matrices) {
    if (!m.judged) {
      matrixPanel.append(el('p', {}, `${m.vm}: `, judgedValue(null, why('targets'))));
      continue;
    }
    const max = Math.max(1, ...m.boosts.flat());
    const tbl = el('table', { class: 'matrix' }, el('caption', {}, m.vm));
    tbl.append(el('tr', {}, el('th', {}, 'from \\ to'), ...m.targets.map((l) => el('th', { scope: 'col' }, l))));
    m.boosts.forEach((row, i) => {
      const tr = el('tr', {}, el('th', { scope: 'row' }, m.sources[i]));
      row.forEach((n) => {
        const td = el('td', {}, n ? n.toLocaleString('en-US') : '');
        td.style.setProperty('--heat', String(n / max));
        tr.append(td);
      });
      tbl.append(tr);
    });
    matrixPanel.append(tbl);
  }
  app.append(matrixPanel);

  // PLE window over time
  const w = model.windowOverTime;
  const windowPoints = w.values.map((y, i) => ({ x: (w.startNs - model.traceStartNs + i * w.binNs) / 1e6, y })).filter((p) => p.y > 0);
  app.append(
    section(
      'PLE window over time',
      'Line chart of the largest PLE window per time bin, in cycles',
      { type: 'line', data: { datasets: [{ label: 'largest window (cycles)', data: windowPoints, borderColor: t.purple, backgroundColor: t.purple, pointRadius: windowPoints.length < 50 ? 3 : 0, borderWidth: 1, stepped: true }] }, options: { ...baseOptions(t), scales: { x: { type: 'linear', ticks: { color: t.fg }, grid: { color: t.grid } }, y: { type: 'logarithmic', ticks: { color: t.fg }, grid: { color: t.grid } } } } },
      table([`from ${unit.ms}`, 'largest window'], windowPoints.slice(0, 500).map((p) => [p.x.toFixed(3), p.y]), 'PLE window per bin (first 500)'),
    ),
  );

  app.append(episodesPanel(model));
  if (model.groundTruth) app.append(groundTruthPanel(model, model.groundTruth));
}

/** The keyboard way to pick a time range: from / to in ms since the trace start. */
function rangeForm(model: DashboardModel): HTMLElement {
  const input = (label: string, valueNs: number) => {
    const box = el('input', { type: 'number', step: 'any', min: '0', 'aria-label': label });
    box.value = ((valueNs - model.traceStartNs) / 1e6).toFixed(3);
    return box;
  };
  const from = input(`Range start, ${unit.ms} from the trace start`, model.rangeStartNs);
  const to = input(`Range end, ${unit.ms} from the trace start`, model.rangeEndNs);
  const form = el('form', { class: 'range' }, el('label', {}, 'from ', from, ` ${unit.ms}`), el('label', {}, ' to ', to, ` ${unit.ms} `));
  form.append(button('Show range', () => form.requestSubmit()));
  // Two fields and no native submit button: Enter does not submit by itself.
  for (const box of [from, to]) box.addEventListener('keydown', (e) => e.key === 'Enter' && (e.preventDefault(), form.requestSubmit()));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const a = Number(from.value);
    const b = Number(to.value);
    if (Number.isFinite(a) && Number.isFinite(b) && b > a) post({ type: 'selectRange', startNs: model.traceStartNs + a * 1e6, endNs: model.traceStartNs + b * 1e6 });
  });
  return form;
}

/** Simulator run files: the trace analysis beside what the simulator knew. */
function groundTruthPanel(model: DashboardModel, g: NonNullable<DashboardModel['groundTruth']>): HTMLElement {
  const right = g.boosts > 0 ? `${((100 * g.helpfulBoosts) / g.boosts).toFixed(1)} %` : '—';
  const isRange = model.rangeStartNs > model.traceStartNs || model.rangeEndNs < model.traceEndNs;
  return el(
    'section',
    { class: 'panel' },
    el('h2', {}, "Against the simulator's ground truth (", label(g.scenario), ' / ', label(g.policy), ')'),
    el('p', { class: 'hint' }, `Of ${g.boosts.toLocaleString('en-US')} boosts in ${g.decisions.toLocaleString('en-US')} decisions, ${g.helpfulBoosts.toLocaleString('en-US')} went to the vCPU the spinner truly waited for (${right}).${isRange ? ' Ground truth covers the whole run, the trace column only the range shown.' : ''}`),
    table(
      ['', 'read from the trace', 'simulator ground truth'],
      [
        ['boosts', judgedValue(model.totals.boosts, model.notJudged?.['totals.boosts']), g.boosts],
        ['boosts of the right vCPU', '—', g.helpfulBoosts],
        ['-ESRCH', judgedValue(model.vcpus.some((v) => v.esrch === null) ? null : model.vcpus.reduce((a, v) => a + (v.esrch ?? 0), 0), model.notJudged?.['decisions.esrch']), g.esrch],
        ['scheduler mismatch', judgedValue(model.problems.schedulerMismatch, model.notJudged?.['problems.schedulerMismatch']), g.problems.schedulerMismatch],
        ['lost opportunity', judgedValue(model.problems.lostOpportunity, model.notJudged?.['problems.lostOpportunity']), g.problems.lostOpportunity],
        ['overboost', judgedValue(model.problems.overboost, model.notJudged?.['problems.overboost']), g.problems.overboost],
      ],
      'Decisions and problems: trace analysis against ground truth',
    ),
  );
}

/** Continuous-PLE episodes: a virtualized table (only the visible rows exist). */
function episodesPanel(model: DashboardModel): HTMLElement {
  const ROW = 24;
  const panel = el('section', { class: 'panel' }, el('h2', {}, `Continuous-PLE episodes (${model.episodesTotal.toLocaleString('en-US')}${model.episodesTotal > model.episodes.length ? `, first ${model.episodes.length.toLocaleString('en-US')} listed` : ''})`));
  const head = el('div', { class: 'vrow vhead', role: 'row' }, ...['vCPU', `start ${unit.ms}`, `length ${unit.us}`, 'PAUSE exits', 'lines'].map((h) => el('span', { role: 'columnheader' }, h)));
  const viewport = el('div', { class: 'viewport', role: 'grid', 'aria-rowcount': String(model.episodes.length), tabindex: '0' });
  const spacer = el('div', { class: 'spacer' });
  spacer.style.height = `${model.episodes.length * ROW}px`;
  viewport.append(spacer);
  const draw = () => {
    const first = Math.floor(viewport.scrollTop / ROW);
    const count = Math.ceil(viewport.clientHeight / ROW) + 2;
    spacer.replaceChildren();
    for (let i = first; i < Math.min(model.episodes.length, first + count); i++) {
      const e = model.episodes[i];
      const row = el(
        'div',
        { class: 'vrow', role: 'row', tabindex: '0', title: `Reveal lines ${e.firstLine}–${e.lastLine} in the trace` },
        el('span', {}, `${e.vm}/vCPU ${e.vcpu}`),
        el('span', {}, ms(e.startNs - model.traceStartNs)),
        el('span', {}, ((e.endNs - e.startNs) / 1e3).toFixed(1)),
        el('span', {}, String(e.pleExits)),
        el('span', {}, `${e.firstLine}–${e.lastLine}`),
      );
      row.style.top = `${i * ROW}px`;
      const reveal = () => post({ type: 'revealLine', line: e.firstLine });
      row.addEventListener('click', reveal);
      row.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') reveal();
      });
      spacer.append(row);
    }
  };
  viewport.addEventListener('scroll', draw);
  panel.append(head, viewport);
  requestAnimationFrame(draw);
  return panel;
}

function attachRangeSelection(chart: Chart, model: DashboardModel): void {
  const canvas = chart.canvas;
  let startX: number | null = null;
  canvas.addEventListener('mousedown', (e) => (startX = e.offsetX));
  canvas.addEventListener('mouseup', (e) => {
    if (startX === null) return;
    const [a, b] = [startX, e.offsetX].sort((p, q) => p - q);
    startX = null;
    if (b - a < 4) return;
    const x = chart.scales.x;
    const startMs = x.getValueForPixel(a);
    const endMs = x.getValueForPixel(b);
    if (startMs === undefined || endMs === undefined) return;
    post({ type: 'selectRange', startNs: model.traceStartNs + startMs * 1e6, endNs: model.traceStartNs + endMs * 1e6 });
  });
}

function post(message: WebviewToHost): void {
  vscode.postMessage(message);
}

window.addEventListener('message', (event) => {
  const msg = parseHostMessage(event.data);
  if (!msg || timeline.onMessage(msg)) return;
  if (msg.type === 'dashboard') {
    showTimeline(msg.model);
    current = msg.model;
    vscode.setState({ model: msg.model });
    render(msg.model);
  } else if (msg.type === 'error' || msg.type === 'busy') {
    app.replaceChildren(el('p', { class: msg.type === 'error' ? 'error' : 'status' }, msg.message));
  }
});

// Redraw with the new colours when the theme changes (VS Code swaps the body class).
onThemeChange(() => current && render(current));

function showTimeline(model: DashboardModel): void {
  if (!timeline.element.isConnected) app.before(timeline.element);
  timeline.setTrace(model.traceStartNs, model.traceEndNs);
  if (model.rangeStartNs > model.traceStartNs || model.rangeEndNs < model.traceEndNs) timeline.followRange(model.rangeStartNs, model.rangeEndNs);
}

mountWhatIf(app, post);
if (current) render(current);
post({ type: 'ready' });
