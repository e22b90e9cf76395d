// The trace editor's webview: draws the dashboard model the host sends (aggregates only).
// Charts are chart.js with pre-aggregated data (parsing off, animation off, min-max
// decimation), coloured from the --vscode-* theme variables and redrawn on theme change;
// every chart has a table beside it; every trace text goes in through textContent.

import { Chart, registerables, type ChartConfiguration } from 'chart.js';
import { parseHostMessage, type DashboardModel, type DecisionOutcomeName, type InstanceFilter, type Series, type VcpuPick, type WebviewToHost } from '../src/shared/protocol';
import { button } from './controls';
import { vscodeApi } from './vscodeApi';
import { el, judgedValue, ms, table } from './dom';
import { formatDuration, type ClockUnit } from './duration';
import { cleanLabel, fullLabelDetails, label } from './label';
import { loadFailedView, loadingView, showProgress } from './loading';
import { onThemeChange, theme } from './theme';
import { timelinePanel } from './timeline/timelinePanel';
import { mountWhatIf } from './whatIf/whatIfPanel';

Chart.register(...registerables);

const vscode = vscodeApi<WebviewToHost>();
const app = document.getElementById('app')!;
let charts: Chart[] = [];
/** Labels of times ÷ 10^6 and ÷ 10^3: ms and µs, or millions / thousands of cycles for a raw counter clock. */
let unit = { ms: 'ms', us: 'µs' };
/** The unit of every *Ns time in the model (raw counter values when 'cycles'). */
let clockUnit: ClockUnit = 'ns';
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
    charts.push(chartOn(canvas, config));
  }
  s.append(el('details', {}, el('summary', {}, 'Table'), alternative));
  return s;
}

/** A chart on `canvas`; its axes' titles and ends are on the canvas too (data-x-title, data-x-max, …) for tests and tools. */
function chartOn(canvas: HTMLCanvasElement, config: ChartConfiguration): Chart {
  // After layout: Chart.js lays a chart out once its canvas is in the page.
  const axesOnCanvas = {
    id: 'axesOnCanvas',
    afterLayout(chart: Chart) {
      for (const [id, scale] of Object.entries(chart.scales)) {
        const title = (scale.options as { title?: { text?: string | string[] } }).title?.text;
        canvas.setAttribute(`data-${id}-title`, Array.isArray(title) ? title.join(' ') : (title ?? ''));
        canvas.setAttribute(`data-${id}-max`, String(scale.max));
      }
    },
  };
  return new Chart(canvas, { ...config, plugins: [...(config.plugins ?? []), axesOnCanvas] });
}

/** A titled axis (every chart axis says what it counts, with its unit). */
function axis(t: ReturnType<typeof theme>, title: string, options: Record<string, unknown> = {}) {
  return { ticks: { color: t.fg }, grid: { color: t.grid }, ...options, title: { display: true, text: title, color: t.fg } };
}

/** The time axis of a binned series: from its first bin to its last (no empty tail), in the trace's unit since the trace start. */
function timeAxis(t: ReturnType<typeof theme>, series: Series, traceStartNs: number) {
  const first = (series.startNs - traceStartNs) / 1e6;
  const last = (series.startNs - traceStartNs + Math.max(0, series.values.length - 1) * series.binNs) / 1e6;
  return axis(t, `time from the trace start (${unit.ms})`, { type: 'linear', min: first, max: Math.max(last, first) });
}

/** "per 5.86 µs": a bin width in the unit that suits it. */
const perBin = (binNs: number) => `per ${formatDuration(binNs, clockUnit)}`;

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
/** The whole trace's dashboard was shown: partial ones that come late are dropped. */
let complete = false;
/** Jumps to the timeline need the whole trace's tables: off while a partial dashboard is shown. */
let jumpsEnabled = true;

const partialText = (bytesRead: number, totalBytes: number) =>
  `Partial — ${Math.floor((100 * bytesRead) / Math.max(1, totalBytes))} % read: these figures cover the part read so far and are replaced when the whole trace is read.`;

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
  clockUnit = model.clock?.unit ?? 'ns';
  const rangeMs = (model.rangeEndNs - model.rangeStartNs) / 1e6;
  const isRange = model.rangeStartNs > model.traceStartNs || model.rangeEndNs < model.traceEndNs;
  const header = el('header', {}, el('h1', {}, label(model.title)), el('p', { class: 'sub' }, `${model.format}${clockText(model)} · ${rangeMs.toFixed(3)} ${unit.ms} shown${isRange ? ` (from ${ms(model.rangeStartNs - model.traceStartNs)} ${unit.ms})` : ''}`));
  const fullTitle = fullLabelDetails(model.title, 'Full file name');
  if (fullTitle) header.append(fullTitle);
  if (isRange) header.append(button('Show the whole trace', () => post({ type: 'resetRange' })));
  app.append(header);
  jumpsEnabled = !model.partial;
  if (model.partial) {
    app.dataset.partial = String(Math.floor((100 * model.partial.bytesRead) / Math.max(1, model.partial.totalBytes)));
    app.append(el('p', { class: 'partial-banner', role: 'status' }, partialText(model.partial.bytesRead, model.partial.totalBytes)));
  } else delete app.dataset.partial;

  // Summary
  const why = (figure: string) => model.notJudged?.[figure];
  // Each card's instances on the timeline (lost events have no place there).
  const cards: [string, number | null, string | undefined, string | undefined, InstanceFilter | undefined][] = [
    ['PAUSE exits', model.totals.pleExits, undefined, undefined, { of: 'decisions' }],
    ['yield attempts', model.totals.yieldAttempts, why('totals.yieldAttempts'), undefined, { of: 'decisions', withAttempts: true }],
    ['boosts', model.totals.boosts, why('totals.boosts'), undefined, { of: 'decisions', outcomes: BOOST_OUTCOMES }],
    ['continuous-PLE episodes', model.totals.episodes, undefined, undefined, { of: 'episodes' }],
    ['scheduler mismatch', model.problems.schedulerMismatch, why('problems.schedulerMismatch'), PROBLEM_DEFINITIONS.schedulerMismatch, { of: 'decisions', problem: 'schedulerMismatch' }],
    ['lost opportunity', model.problems.lostOpportunity, why('problems.lostOpportunity'), PROBLEM_DEFINITIONS.lostOpportunity, { of: 'decisions', problem: 'lostOpportunity' }],
    ['overboost', model.problems.overboost, why('problems.overboost'), PROBLEM_DEFINITIONS.overboost, { of: 'decisions', problem: 'overboost' }],
    ['lost events', model.totals.lostEvents, undefined, undefined, undefined],
  ];
  const jumpOf = (name: string, value: number | null, filter: InstanceFilter | undefined) =>
    filter && value && jumpsEnabled ? jumpButton('Show on timeline', `Show the ${value.toLocaleString('en-US')} ${name} on the timeline`, () => showInstances(model, filter, name === 'yield attempts' ? 'PAUSE exits with a yield attempt' : name)) : undefined;
  app.append(
    el('section', { class: 'cards', 'aria-label': 'Summary' }, ...cards.map(([label, value, reason, def, filter]) => summaryCard(label, value, reason, def, jumpOf(label, value, filter)))),
    el('p', { class: 'sub' }, `VMs ${new Set(model.vcpus.map((v) => v.vm)).size} · vCPUs ${model.vcpus.length} · decisions ${model.inference}`),
  );
  if (model.warnings.length) app.append(el('details', { class: 'warnings' }, el('summary', {}, `${model.warnings.length} warning(s)`), el('ul', {}, ...model.warnings.map((w) => el('li', {}, w)))));

  const labels = model.vcpus.map((v) => `${v.vm}/vCPU ${v.vcpu}`);
  const idx = model.vcpus.map((_, i) => i);
  const showVcpuExits = (i: number) => showInstances(model, vcpuFilter(model.vcpus[i]), `PAUSE exits of ${labels[i]}`);
  const OUTCOME_KEYS = ['boostedRan', 'boostedNotRun', 'esrch', 'notBoosted', 'noCandidate'] as const;
  const OUTCOME_LABELS = ['boosted and ran', 'boosted, did not run', '-ESRCH', 'ready but not boosted', 'no candidate'];
  const showOutcome = (k: number, i: number) => showInstances(model, vcpuFilter(model.vcpus[i], { outcomes: [OUTCOME_KEYS[k]] }), `${OUTCOME_LABELS[k]} of ${labels[i]}`);
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
        options: { ...baseOptions(t), onClick: onBar((_, i) => showVcpuExits(i)), scales: { x: axis(t, 'vCPU', { type: 'category', labels, grid: { display: false } }), y: axis(t, `time (${unit.ms})`, { beginAtZero: true }) } },
      },
      table(
        ['vCPU', 'thread', 'PAUSE exits', `spin ${unit.ms}`, `PAUSE-exit ${unit.ms}`, `preempted ${unit.ms}`],
        model.vcpus.map((v, i) => [`${v.vm}/vCPU ${v.vcpu}`, label(v.comm), v.pleExits ? jumpButton(v.pleExits.toLocaleString('en-US'), `Show the ${v.pleExits.toLocaleString('en-US')} PAUSE exits of ${v.vm}/vCPU ${v.vcpu} on the timeline`, () => showVcpuExits(i)) : 0, ms(v.spinNs), ms(v.pleNs), v.preemptedNs === null ? judgedValue(null, why('vcpus.time.preempted')) : ms(v.preemptedNs)]),
        'Spin time per vCPU (a count shows its PAUSE exits on the timeline)',
      ),
      model.vcpusOmitted ? el('p', { class: 'hint' }, `${model.vcpusOmitted.count.toLocaleString('en-US')} more vCPUs not shown (${model.vcpusOmitted.pleExits.toLocaleString('en-US')} PAUSE exits, ${ms(model.vcpusOmitted.spinNs)} ${unit.ms} spin).`) : undefined,
    ),
  );

  // PAUSE exits over time, with a range selection by dragging
  const s = model.pleExitsOverTime;
  const points = s.values.map((y, i) => ({ x: (s.startNs - model.traceStartNs + i * s.binNs) / 1e6, y }));
  const pleSection = section(
    'PAUSE exits over time',
    'Line chart of PAUSE exits per time bin; drag across it to select a time range',
    { type: 'line', data: { datasets: [{ label: `PAUSE exits ${perBin(s.binNs)}`, data: points, borderColor: t.red, backgroundColor: t.red, pointRadius: 0, borderWidth: 1 }] }, options: { ...baseOptions(t), scales: { x: timeAxis(t, s, model.traceStartNs), y: axis(t, `PAUSE exits ${perBin(s.binNs)}`, { beginAtZero: true }) } } },
    table([`from ${unit.ms}`, 'PAUSE exits'], points.filter((p) => p.y > 0).slice(0, 500).map((p) => [p.x.toFixed(3), p.y]), `PAUSE exits ${perBin(s.binNs)} (non-empty bins, first 500)`),
    el('p', { class: 'hint' }, 'Drag across the chart to show only that time range in every panel.'),
  );
  // A range is analysed from the whole trace's model: not while it is being read.
  if (!model.partial) pleSection.append(rangeForm(model));
  app.append(pleSection);
  if (!model.partial) attachRangeSelection(charts[charts.length - 1], model);

  // Yield outcomes per vCPU
  const outcome = (key: 'boostedRan' | 'boostedNotRun' | 'esrch' | 'notBoosted' | 'noCandidate', label: string, color: string) => ({ label, data: idx.map((i) => ({ x: i, y: model.vcpus[i][key] })), backgroundColor: color });
  app.append(
    section(
      'Yield decisions per vCPU',
      'Stacked bar chart of yield-decision outcomes per vCPU',
      {
        type: 'bar',
        data: { labels, datasets: OUTCOME_KEYS.map((key, k) => outcome(key, OUTCOME_LABELS[k], [t.green, t.red, t.purple, t.yellow, t.blue][k])) },
        options: { ...baseOptions(t, true), onClick: onBar(showOutcome), scales: { x: axis(t, 'vCPU', { type: 'category', labels, stacked: true, grid: { display: false } }), y: axis(t, 'yield decisions', { stacked: true, beginAtZero: true }) } },
      },
      table(
        ['vCPU', ...OUTCOME_LABELS],
        model.vcpus.map((v, i) => [
          labels[i],
          ...OUTCOME_KEYS.map((key, k) => {
            const n = v[key];
            return n ? jumpButton(n.toLocaleString('en-US'), `Show the ${n.toLocaleString('en-US')} decisions "${OUTCOME_LABELS[k]}" of ${labels[i]} on the timeline`, () => showOutcome(k, i)) : judgedValue(n, why(`decisions.${key}`));
          }),
        ]),
        'Yield decisions per vCPU (a count shows them on the timeline)',
      ),
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
      row.forEach((n, j) => {
        const cell = `${m.vm}: ${m.sources[i]} → ${m.targets[j]}`;
        const td = el('td', {}, n ? jumpButton(n.toLocaleString('en-US'), `Show the ${n.toLocaleString('en-US')} boosts ${cell} on the timeline`, () => showInstances(model, { of: 'decisions', vm: m.vm, spinner: matrixPick(m.sources, i), target: matrixPick(m.targets, j) }, `boosts ${cell}`)) : '');
        td.style.setProperty('--heat', String(n / max));
        tr.append(td);
      });
      tbl.append(tr);
    });
    matrixPanel.append(tbl);
  }
  app.append(matrixPanel);

  app.append(windowPanel(model, t));

  app.append(episodesPanel(model));
  if (model.groundTruth) app.append(groundTruthPanel(model, model.groundTruth));
}

/** Which PLE window the user picked (by its label, so that it survives a new range). */
let windowPick = '';

/** The PLE window over time: the largest over every vCPU, of one VM, or of one vCPU, as picked. */
function windowPanel(model: DashboardModel, t: ReturnType<typeof theme>): HTMLElement {
  const choices: { label: string; series: Series }[] = [
    { label: 'every vCPU (largest)', series: model.windowOverTime },
    ...(model.windowPerVm ?? []).map((w) => ({ label: `${cleanLabel(w.vm)} (largest of its vCPUs)`, series: w.series })),
    ...(model.windowPerVcpu ?? []).map((w) => ({ label: `${cleanLabel(w.vm)}/vCPU ${w.vcpu}`, series: w.series })),
  ];
  const picked = Math.max(0, choices.findIndex((c) => c.label === windowPick));
  const { label: what, series: w } = choices[picked];
  const points = w.values.map((y, i) => ({ x: (w.startNs - model.traceStartNs + i * w.binNs) / 1e6, y })).filter((p) => p.y > 0);
  const select = el('select', { 'aria-label': 'Show the PLE window of' }, ...choices.map((c, i) => el('option', { value: String(i) }, c.label)));
  select.value = String(picked);
  const panel = section(
    'PLE window over time',
    `Line chart of the largest PLE window per time bin, in cycles, of ${what}`,
    { type: 'line', data: { datasets: [{ label: `largest window ${perBin(w.binNs)}: ${what}`, data: points, borderColor: t.purple, backgroundColor: t.purple, pointRadius: points.length < 50 ? 3 : 0, borderWidth: 1, stepped: true }] }, options: { ...baseOptions(t), scales: { x: timeAxis(t, w, model.traceStartNs), y: axis(t, 'PLE window (cycles)', { type: 'logarithmic' }) } } },
    table([`from ${unit.ms}`, 'largest window'], points.slice(0, 500).map((p) => [p.x.toFixed(3), p.y]), `PLE window ${perBin(w.binNs)}, ${what} (first 500)`),
    el('label', { class: 'window-pick' }, 'Show ', select, choices.length < 3 ? ' (no per-vCPU window updates in this range)' : ''),
  );
  const chart = charts[charts.length - 1];
  select.addEventListener('change', () => {
    windowPick = choices[Number(select.value)].label;
    chart.destroy();
    charts = charts.filter((c) => c !== chart);
    const next = windowPanel(model, t);
    panel.replaceWith(next);
    next.querySelector('select')?.focus();
  });
  return panel;
}

/** A summary card; a problem's card has its definition one keyboard step away (an (i) button that shows it, and aria-describedby). */
function summaryCard(name: string, value: number | null, reason: string | undefined, definition: string | undefined, jump: HTMLElement | undefined): HTMLElement {
  const nameText = el('span', { class: 'label' }, name);
  const card = el('div', { class: 'card', 'data-card': name }, el('span', { class: 'value' }, judgedValue(value, reason)), nameText);
  if (jump) card.append(jump);
  if (!definition) return card;
  const id = `definition-${name.replace(/\W+/g, '-')}`;
  const text = el('p', { class: 'definition', id }, definition);
  text.hidden = true;
  const info = el('button', { type: 'button', class: 'info', 'aria-expanded': 'false', 'aria-controls': id, 'aria-describedby': id, 'aria-label': `What is ${name}?` }, 'i');
  info.addEventListener('click', () => {
    text.hidden = !text.hidden;
    info.setAttribute('aria-expanded', String(!text.hidden));
  });
  // Beside the name, not in it: a long name is cut with an ellipsis, the button must stay.
  const row = el('div', { class: 'card-name' });
  nameText.replaceWith(row);
  row.append(nameText, info);
  card.append(text);
  return card;
}

/** The outcomes counted as boosts (yield_to > 0), as the range analysis counts them. */
const BOOST_OUTCOMES: DecisionOutcomeName[] = ['boostedRan', 'boostedNotRun'];

/** A figure's instances on the timeline, within the range the dashboard shows. */
function showInstances(model: DashboardModel, filter: InstanceFilter, what: string): void {
  const isRange = model.rangeStartNs > model.traceStartNs || model.rangeEndNs < model.traceEndNs;
  const bounded = isRange && filter.startNs === undefined ? { ...filter, startNs: model.rangeStartNs, endNs: model.rangeEndNs } : filter;
  timeline.showInstances(bounded, what);
}

/** A small button that shows a figure's instances on the timeline; inside a clickable row it stops there. */
function jumpButton(text: string, ariaLabel: string, onClick: () => void): HTMLElement {
  if (!jumpsEnabled) return el('span', {}, text);
  const b = el('button', { type: 'button', class: 'jump', 'aria-label': ariaLabel, title: ariaLabel }, text);
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    onClick();
  });
  b.addEventListener('keydown', (e) => e.stopPropagation());
  return b;
}

/** A vCPU of the dashboard as an instance filter's spinner. */
const vcpuFilter = (v: { vm: string; vcpu: number }, extra: Partial<InstanceFilter> = {}): InstanceFilter => ({ of: 'decisions', vm: v.vm, spinner: { vcpus: [v.vcpu] }, ...extra });

/** A matrix label ("vCPU 3", or "other": every vCPU not shown) as a pick. */
function matrixPick(labels: string[], at: number): VcpuPick {
  const shown = labels.map((l) => /^vCPU (\d+)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1]));
  const m = /^vCPU (\d+)$/.exec(labels[at]);
  return m ? { vcpus: [Number(m[1])] } : { vcpus: shown, exclude: true };
}

/** Clicks on a bar chart: the bar under the pointer (dataset and vCPU index), if any. */
function onBar(jump: (dataset: number, index: number) => void) {
  return (event: { native: Event | null }, _elements: unknown, chart: Chart) => {
    if (!event.native || !jumpsEnabled) return;
    const hit = chart.getElementsAtEventForMode(event.native, 'nearest', { intersect: true }, false)[0];
    if (hit) jump(hit.datasetIndex, hit.index);
  };
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
  const showEpisode = (e: DashboardModel['episodes'][number]) =>
    showInstances(model, vcpuFilter(e, { startNs: e.startNs, endNs: e.endNs, endInclusive: true }), `PAUSE exits of the episode of ${e.vm}/vCPU ${e.vcpu} at ${ms(e.startNs - model.traceStartNs)} ${unit.ms}`);
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
        { class: 'vrow', role: 'row', tabindex: '0', title: `Reveal lines ${e.firstLine}–${e.lastLine} in the trace (Enter); T shows its PAUSE exits on the timeline` },
        el('span', {}, `${e.vm}/vCPU ${e.vcpu}`),
        el('span', {}, ms(e.startNs - model.traceStartNs)),
        el('span', {}, ((e.endNs - e.startNs) / 1e3).toFixed(1)),
        el('span', {}, String(e.pleExits)),
        el(
          'span',
          {},
          `${e.firstLine}–${e.lastLine} `,
          jumpButton('timeline', `Show the ${e.pleExits} PAUSE exits of this episode of ${e.vm}/vCPU ${e.vcpu} on the timeline`, () => showEpisode(e)),
        ),
      );
      row.style.top = `${i * ROW}px`;
      const reveal = () => post({ type: 'revealLine', line: e.firstLine });
      row.addEventListener('click', reveal);
      row.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') reveal();
        if (ev.key === 't' || ev.key === 'T') showEpisode(e);
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
  if (msg.type === 'dashboard' && msg.model.partial) {
    // The part read so far, until the whole trace's dashboard replaces it (a late one is dropped).
    if (complete) return;
    current = msg.model;
    render(msg.model);
  } else if (msg.type === 'dashboard') {
    complete = true;
    showTimeline(msg.model);
    current = msg.model;
    vscode.setState({ model: msg.model });
    render(msg.model);
  } else if (msg.type === 'busy') {
    complete = false;
    app.replaceChildren(loadingView(msg.message));
  } else if (msg.type === 'progress') {
    const banner = app.querySelector<HTMLElement>('.partial-banner');
    if (banner) banner.textContent = partialText(msg.bytesRead, msg.totalBytes);
    else showProgress(app, msg.bytesRead, msg.totalBytes);
  } else if (msg.type === 'loadFailed') {
    app.replaceChildren(loadFailedView(msg.reason, msg.message, post));
  } else if (msg.type === 'error') {
    app.replaceChildren(el('p', { class: 'error' }, msg.message));
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
