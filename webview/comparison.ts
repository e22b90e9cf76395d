// The side-panel comparison view: pick runs (simulated policies and opened traces), then see
// them side by side — one metric per chart, what the directed yield did at each PAUSE exit,
// and every metric in a table with the change against a baseline run. The host computes
// every number; this page only draws. Run labels are file names: textContent only, shown
// through webview/label.ts (cut, isolated, whole on hover).

import { Chart, registerables, type ChartConfiguration, type Plugin } from 'chart.js';
import { parseComparisonHostMessage, type ComparisonModel, type ComparisonModelRow, type ComparisonToHost } from '../src/shared/protocol';
import { button } from './controls';
import { vscodeApi } from './vscodeApi';
import { el, notJudged } from './dom';
import { cleanLabel, fullLabelDetails, label, MAX_TITLE_CHARS } from './label';
import { onThemeChange, theme, type ThemeColours } from './theme';
import { formatHalfWidth, formatMetric as formatValue, metricDelta } from '../src/shared/comparisonFormat';

Chart.register(...registerables);

interface ViewState {
  model?: ComparisonModel;
  metricKey?: string;
}

const vscode = vscodeApi<ComparisonToHost>();
const app = document.getElementById('app')!;
let state: ViewState = (vscode.getState() as ViewState | undefined) ?? {};
/** The metric chart and the outcome chart, in page order (the PNG export keeps it). */
let charts: { metric: Chart | null; outcome: Chart | null } = { metric: null, outcome: null };

const post = (message: ComparisonToHost) => vscode.postMessage(message);
const save = () => vscode.setState(state);

/** Characters per axis-label line: 24, fewer in a side bar narrower than 480 px so that the bars keep room. */
const axisLabelWidth = () => Math.max(12, Math.min(24, Math.floor(window.innerWidth / 20)));

/** A run label as axis lines that fit a narrow side bar: broken at ' / ' and spaces, at most three lines. */
function axisLabel(name: string, width = axisLabelWidth(), maxLines = 3): string[] {
  const words = cleanLabel(name).split(/(?<=\/)\s+|\s+(?=\/)|\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    const next = line ? `${line} ${word}` : word;
    if (next.length <= width || !line) line = next;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  const out = lines.slice(0, maxLines).map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
  if (lines.length > maxLines) out[maxLines - 1] = `${out[maxLines - 1].slice(0, width - 1)}…`;
  return out;
}

/** Pixels per bar: room for the label's lines. */
const barHeight = (model: ComparisonModel) => 14 + 14 * Math.max(1, ...model.rows.map((r) => axisLabel(r.label).length));

function chartBox(label: string, config: ChartConfiguration, height: number): { box: HTMLElement; chart: Chart } {
  const canvas = el('canvas', { role: 'img', 'aria-label': label });
  const box = el('div', { class: 'chart' }, canvas);
  box.style.height = `${height}px`;
  return { box, chart: new Chart(canvas, config) };
}

/** Whiskers over the bars: each row's 95 % interval (multi-seed runs), drawn after the bars. */
function intervalBars(intervals: ([number, number] | null)[], scale: number, colour: string): Plugin<'bar'> {
  return {
    id: 'intervalBars',
    afterDatasetsDraw(chart) {
      const x = chart.scales.x;
      const y = chart.scales.y;
      const g = chart.ctx;
      g.save();
      g.strokeStyle = colour;
      g.lineWidth = 1.5;
      intervals.forEach((ci, i) => {
        if (!ci) return;
        const at = y.getPixelForValue(i);
        const [from, to] = [x.getPixelForValue(ci[0] * scale), x.getPixelForValue(ci[1] * scale)];
        g.beginPath();
        g.moveTo(from, at);
        g.lineTo(to, at);
        for (const end of [from, to]) {
          g.moveTo(end, at - 4);
          g.lineTo(end, at + 4);
        }
        g.stroke();
      });
      g.restore();
    },
  };
}

function metricChart(model: ComparisonModel, metricIndex: number, t: ThemeColours): { box: HTMLElement; chart: Chart } {
  const metric = model.metrics[metricIndex];
  const baseRow = model.rows.find((r) => r.id === model.baseline) ?? null;
  const base = baseRow?.values[metricIndex] ?? null;
  const colours = model.rows.map((r) => {
    if (r.id === model.baseline) return t.blue;
    const d = metricDelta(r.values[metricIndex], base, metric.higherIsBetter, r.beyondNoise[metricIndex]);
    return d?.verdict === 'better' ? t.green : d?.verdict === 'worse' ? t.red : t.yellow;
  });
  const scale = metric.format === 'percent' ? 100 : 1;
  const labels = model.rows.map((r) => axisLabel(r.label));
  return chartBox(
    `Bar chart of ${metric.label} per run with the 95 % intervals of multi-seed runs; the baseline is blue, better runs green, worse red, changes inside the noise yellow`,
    {
      type: 'bar',
      data: {
        labels,
        datasets: [{ label: metric.label, data: model.rows.map((r, i) => ({ x: r.values[metricIndex] === null ? NaN : r.values[metricIndex]! * scale, y: i })), backgroundColor: colours }],
      },
      options: perRunBarOptions(model, labels, t, {
        stacked: false,
        legend: false,
        tooltipLabel: (row) => `${formatValue(model.rows[row].values[metricIndex], metric.format)} ${formatHalfWidth(model.rows[row].ci95[metricIndex], metric.format)}`.trim(),
        x: { beginAtZero: true, title: { display: true, text: metric.label, color: t.fg } },
      }),
      plugins: [intervalBars(model.rows.map((r) => r.ci95[metricIndex]), scale, t.fg)],
    },
    50 + barHeight(model) * model.rows.length,
  );
}

/** Options of the per-run horizontal bar charts: one row per run, the run's full label in the tooltip. */
function perRunBarOptions(
  model: ComparisonModel,
  labels: string[][],
  t: ThemeColours,
  o: { stacked: boolean; legend: boolean; tooltipLabel: (row: number, dataset: string, x: number) => string; x: Record<string, unknown> },
): ChartConfiguration<'bar'>['options'] {
  return {
    animation: false,
    parsing: false,
    responsive: true,
    maintainAspectRatio: false,
    indexAxis: 'y',
    plugins: {
      legend: o.legend ? { labels: { color: t.fg } } : { display: false },
      tooltip: { callbacks: { title: (items) => cleanLabel(model.rows[items[0].dataIndex].label), label: (c) => o.tooltipLabel(c.dataIndex, c.dataset.label ?? '', c.parsed.x ?? 0) } },
    },
    scales: {
      y: { type: 'category', labels, stacked: o.stacked, ticks: { color: t.fg, autoSkip: false }, grid: { display: false } },
      x: { stacked: o.stacked, ticks: { color: t.fg }, grid: { color: t.grid }, ...o.x },
    },
  };
}

const OUTCOMES: { key: keyof ComparisonModelRow['outcomes']; label: string; colour: keyof ThemeColours }[] = [
  { key: 'helped', label: 'boost helped', colour: 'green' },
  { key: 'otherBoosts', label: 'boost did not help', colour: 'orange' },
  { key: 'esrch', label: '-ESRCH', colour: 'red' },
  { key: 'noBoost', label: 'no boost', colour: 'purple' },
];

/** Share of each run's directed-yield decisions by outcome (runs differ in length). */
function outcomeShares(row: ComparisonModelRow): number[] {
  const counts = OUTCOMES.map((o) => row.outcomes[o.key] ?? 0);
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total > 0 ? (100 * c) / total : 0));
}

function outcomeChart(model: ComparisonModel, t: ThemeColours): { box: HTMLElement; chart: Chart } {
  const labels = model.rows.map((r) => axisLabel(r.label));
  const shares = model.rows.map(outcomeShares);
  return chartBox(
    'Stacked bar chart: share of each run’s directed-yield decisions by outcome',
    {
      type: 'bar',
      data: {
        labels,
        datasets: OUTCOMES.map((o, k) => ({ label: o.label, data: shares.map((s, i) => ({ x: s[k], y: i })), backgroundColor: t[o.colour] })),
      },
      options: perRunBarOptions(model, labels, t, {
        stacked: true,
        legend: true,
        tooltipLabel: (_row, dataset, x) => `${dataset}: ${x.toFixed(1)} %`,
        x: { min: 0, max: 100, title: { display: true, text: '% of decisions', color: t.fg } },
      }),
    },
    90 + barHeight(model) * model.rows.length,
  );
}

const INSIDE_NOISE = 'inside the noise: the 95 % interval of the difference (Welch) includes 0';

/** A run's cell; data-run names the run where a narrow view reflows the table into blocks. */
function runCell(r: ComparisonModelRow, content: Node | string): HTMLElement {
  return el('td', { 'data-run': cleanLabel(r.label) }, content);
}

/** Counts of multi-seed runs are means: whole numbers stay whole, means keep one decimal. */
const formatCount = (v: number) => (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 1 }));

function comparisonTable(model: ComparisonModel): HTMLTableElement {
  const baseIndex = model.rows.findIndex((r) => r.id === model.baseline);
  const t = el('table', { class: 'data compare' });
  const multiSeed = model.rows.some((r) => r.seeds > 1);
  t.append(
    el(
      'caption',
      {},
      'Every metric per run; changes are against ',
      baseIndex >= 0 ? label(model.rows[baseIndex].label) : 'the first run',
      model.baselineChosen ? '' : ' (default: vanilla-5.6 of the same scenario, else the first simulated run)',
      multiSeed ? '; ± the 95 % interval over the seeds, a change in brackets is inside the noise' : '',
    ),
  );
  t.append(el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'metric'), ...model.rows.map((r) => el('th', { scope: 'col', title: `${r.source}, ${r.durationS.toFixed(3)} s${r.seeds > 1 ? `, ${r.seeds} seeds` : ''}` }, label(r.label))))));
  const body = el('tbody');
  model.metrics.forEach((m, mi) => {
    const base = baseIndex >= 0 ? model.rows[baseIndex].values[mi] : null;
    const cells = model.rows.map((r, ri) => {
      const v = r.values[mi];
      const cell = runCell(r, v === null ? notJudged(r.notJudged?.[m.key]) : formatValue(v, m.format));
      if (v !== null && r.ci95[mi]) cell.append(' ', el('span', { class: 'ci' }, formatHalfWidth(r.ci95[mi], m.format)));
      const d = ri === baseIndex ? null : metricDelta(v, base, m.higherIsBetter, r.beyondNoise[mi]);
      if (d) cell.append(' ', el('span', { class: `delta ${d.verdict}`, ...(d.verdict === 'noise' ? { title: INSIDE_NOISE } : {}) }, d.text));
      return cell;
    });
    body.append(el('tr', {}, el('th', { scope: 'row', title: m.description }, m.label), ...cells));
  });
  const countRow = (name: string, pick: (r: ComparisonModelRow) => number | null | string, key?: string) =>
    body.append(el('tr', { class: 'count' }, el('th', { scope: 'row' }, name), ...model.rows.map((r) => {
      const v = pick(r);
      return runCell(r, typeof v === 'number' ? formatCount(v) : v === null && key ? notJudged(r.notJudged?.[key]) : (v ?? '—'));
    })));
  countRow('PAUSE exits', (r) => r.counts.pleExits);
  countRow('yield attempts', (r) => r.counts.yieldAttempts, 'yieldAttempts');
  countRow('boosts', (r) => r.counts.boosts, 'boosts');
  for (const o of OUTCOMES) countRow(`decisions: ${o.label}`, (r) => r.outcomes[o.key], o.key);
  countRow('scheduler mismatch', (r) => r.counts.schedulerMismatch, 'schedulerMismatch');
  countRow('lost opportunity', (r) => r.counts.lostOpportunity, 'lostOpportunity');
  countRow('overboost', (r) => r.counts.overboost, 'overboost');
  countRow('problems judged by', (r) => r.judgedBy);
  t.append(body);
  return t;
}

const share = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(1)} %`);

/** The opened traces' replays: a row per replayed policy with its shares of the trace's PAUSE exits. */
function replayPanel(model: ComparisonModel): HTMLElement | null {
  const traces = model.rows.filter((r) => r.replay !== null && r.replay !== undefined);
  if (traces.length === 0) return null;
  const t = el('table', { class: 'data replay' });
  t.append(el('caption', {}, 'Per opened trace and replayed policy: PAUSE exits where it boosts the vCPU the host boosted (or, like the host, none), another vCPU, or none where the host boosted one'));
  // With guest events a trace's targets are judged: the helpful share of the judged decisions, beside the host's.
  const judged = traces.some((r) => r.replay!.observedTruth !== undefined);
  const helpful = (t: { judged: number; helpfulShare: number | null } | undefined) => el('td', {}, t && t.judged > 0 ? share(t.helpfulShare) : 'not judged');
  t.append(el('thead', {}, el('tr', {}, ...['trace', 'policy', 'PAUSE exits', 'agrees with the host', 'another vCPU', 'none', ...(judged ? ['helpful (of judged)'] : [])].map((h) => el('th', { scope: 'col' }, h)))));
  const body = el('tbody');
  for (const r of traces) {
    const host = r.replay!.observedTruth;
    if (judged && host) body.append(el('tr', {}, el('td', {}, label(r.label)), el('td', {}, 'host (observed)'), el('td', {}, ''), el('td', {}, ''), el('td', {}, ''), el('td', {}, ''), helpful(host)));
    for (const p of r.replay!.policies) body.append(el('tr', {}, el('td', {}, label(r.label)), el('td', {}, label(p.policy)), el('td', {}, p.decisions.toLocaleString('en-US')), el('td', {}, share(p.shares.agree)), el('td', {}, share(p.shares.other)), el('td', {}, share(p.shares.none)), ...(judged ? [helpful(p.truth)] : [])));
  }
  t.append(body);
  const how = traces.map((r) => {
    return el('li', {}, label(r.label), `: the host's choice ${r.replay!.observedFrom === 'yield_to probes' ? 'observed through yield_to probes' : 'inferred from sched_switch'}; preempted vCPUs no probe tells taken to be ${r.replay!.inKernelText}`);
  });
  return el('section', { class: 'panel', 'data-panel': 'replay' }, el('h2', {}, 'What each policy would have chosen on the opened traces'), el('p', { class: 'hint' }, traces[0].replay!.counterfactual), el('ul', { class: 'hint' }, ...how), el('div', { class: 'scroll' }, t));
}

function runPicker(model: ComparisonModel): HTMLElement {
  const box = el('fieldset', { class: 'runs' }, el('legend', {}, 'Runs'));
  if (model.runs.length === 0) box.append(el('p', { class: 'hint' }, 'No runs yet: simulate policies or open a host trace.'));
  const checks: HTMLInputElement[] = [];
  const baseline = el('select', { 'aria-label': 'Baseline run' });
  // Picking runs keeps a baseline the user chose; a default one follows the selection (the host picks it).
  const send = (chosen: boolean) => {
    const ids = checks.filter((c) => c.checked).map((c) => c.value);
    post({ type: 'selectRuns', ids, baseline: chosen && ids.includes(baseline.value) ? baseline.value : null });
  };
  for (const run of model.runs) {
    const check = el('input', { type: 'checkbox', value: run.id });
    check.checked = model.selected.includes(run.id);
    check.addEventListener('change', () => send(model.baselineChosen));
    checks.push(check);
    box.append(el('label', { class: 'run', title: run.id }, check, ' ', label(run.label), el('span', { class: 'hint' }, ` ${run.source}, ${run.durationS.toFixed(3)} s`)));
    const full = fullLabelDetails(run.label, 'Full name');
    if (full) box.append(full);
  }
  for (const row of model.rows) {
    const option = el('option', { value: row.id, title: cleanLabel(row.label, MAX_TITLE_CHARS) }, cleanLabel(row.label));
    option.selected = row.id === model.baseline;
    baseline.append(option);
  }
  baseline.addEventListener('change', () => send(true));
  if (model.rows.length > 1) box.append(el('label', { class: 'baseline' }, 'Baseline ', baseline));
  return box;
}

function exportPng(): void {
  const canvases = [charts.metric, charts.outcome].filter((c): c is Chart => c !== null).map((c) => c.canvas);
  if (canvases.length === 0) return;
  const t = theme();
  const width = Math.max(...canvases.map((c) => c.width));
  const titleHeight = 28 * (window.devicePixelRatio || 1);
  const out = document.createElement('canvas');
  out.width = width;
  out.height = titleHeight + canvases.reduce((a, c) => a + c.height, 0);
  const g = out.getContext('2d')!;
  g.fillStyle = t.bg;
  g.fillRect(0, 0, out.width, out.height);
  g.fillStyle = t.fg;
  g.font = `${Math.round(titleHeight * 0.55)}px sans-serif`;
  g.fillText('KVM Spin Explorer — policy comparison', 8, titleHeight * 0.7);
  let y = titleHeight;
  for (const c of canvases) {
    g.drawImage(c, 0, y);
    y += c.height;
  }
  post({ type: 'exportPng', dataUrl: out.toDataURL('image/png') });
}

function render(model: ComparisonModel): void {
  charts.metric?.destroy();
  charts.outcome?.destroy();
  charts = { metric: null, outcome: null };
  const t = theme();
  const hasRows = model.rows.length > 0;
  const toolbar = el('div', { class: 'toolbar' }, button('Simulate…', () => post({ type: 'simulate' }), 'primary'), button('Open Trace…', () => post({ type: 'openTrace' })));
  if (hasRows) toolbar.append(button('Export CSV', () => post({ type: 'exportCsv' })), button('Export PNG', exportPng));
  app.replaceChildren(toolbar, runPicker(model));
  if (!hasRows) {
    app.append(el('p', { class: 'hint' }, 'Pick two runs or more to compare them.'));
    return;
  }
  let metricIndex = Math.max(0, model.metrics.findIndex((m) => m.key === state.metricKey));
  const select = el('select', { 'aria-label': 'Metric to chart' }, ...model.metrics.map((m, i) => {
    const option = el('option', { value: m.key, title: m.description }, m.label);
    option.selected = i === metricIndex;
    return option;
  }));
  const chartSlot = el('div');
  const description = el('p', { class: 'hint' });
  const drawMetric = () => {
    charts.metric?.destroy();
    const { box, chart } = metricChart(model, metricIndex, theme());
    charts.metric = chart;
    chartSlot.replaceChildren(box);
    description.textContent = model.metrics[metricIndex].description;
  };
  select.addEventListener('change', () => {
    metricIndex = select.selectedIndex;
    state = { ...state, metricKey: model.metrics[metricIndex].key };
    save();
    drawMetric();
  });
  app.append(el('section', { class: 'panel' }, el('h2', {}, el('label', {}, 'Metric per run ', select)), description, chartSlot));
  drawMetric();
  const outcome = outcomeChart(model, t);
  charts.outcome = outcome.chart;
  app.append(
    el(
      'section',
      { class: 'panel' },
      el('h2', {}, 'What the directed yield did'),
      el('p', { class: 'hint' }, 'Share of each run’s decisions. Simulator: “helped” means the boosted vCPU was the one the spinner waited for; trace: the boosted vCPU ran within the boost window.'),
      outcome.box,
    ),
  );
  app.append(el('section', { class: 'panel' }, el('h2', {}, 'Table'), el('div', { class: 'scroll' }, comparisonTable(model))));
  const replays = replayPanel(model);
  if (replays) app.append(replays);
}

window.addEventListener('message', (event) => {
  const msg = parseComparisonHostMessage(event.data);
  if (!msg) return;
  if (msg.type === 'comparison') {
    state = { ...state, model: msg.model };
    save();
    render(msg.model);
  } else {
    const note = el('p', { class: 'status', role: 'status' }, msg.message);
    app.prepend(note);
    setTimeout(() => note.remove(), 6000);
  }
});

onThemeChange(() => state.model && render(state.model));
if (state.model) render(state.model);
post({ type: 'ready' });
