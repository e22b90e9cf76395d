// The trace editor's "What if" panel: at every PAUSE exit of the trace, how often each policy's
// kvm_vcpu_on_spin walk would have boosted the vCPU the host boosted, another one, or none — a
// horizontal stacked bar per policy and the same figures as a table — with the guest-mode
// assumption selectable (each change asks the host for that replay). Mounted below the timeline;
// it listens for its own messages. Every text from the host goes in through textContent.

import { Chart, registerables } from 'chart.js';
import { parseHostMessage, type InKernelAssumption, type ReplaySummary, type ReplayTruthRow, type WebviewToHost } from '../../src/shared/protocol';
import { el, notJudged, table } from '../dom';
import { label } from '../label';
import { onThemeChange, theme } from '../theme';

Chart.register(...registerables);

const pct = (share: number | null) => (share === null ? '–' : `${(100 * share).toFixed(1)} %`);
const count = (n: number, share: number | null) => `${n.toLocaleString('en-US')} (${pct(share)})`;
/** A helpful count of its judged decisions, or "not judged" where the guest's events decide none. */
const helpful = (t: ReplayTruthRow | undefined) => (t && t.judged > 0 ? `${count(t.helpful, t.helpfulShare)} of ${t.judged.toLocaleString('en-US')}` : 'not judged');

/** Mounts the panel between the timeline and the dashboard (`app`), and asks for the first replay once a trace is shown. */
export function mountWhatIf(app: HTMLElement, post: (m: WebviewToHost) => void): void {
  let latest = -1;
  let seq = 0;
  let shown: ReplaySummary | null = null;
  let chart: Chart | null = null;
  const mode = el('select', { 'aria-label': 'Guest mode of a preempted vCPU no probe tells' });
  for (const [value, text] of [['kernel', 'in kernel mode'], ['user', 'in user mode'], ['share', 'in kernel mode with probability…']]) mode.append(el('option', { value }, text));
  const share = el('input', { type: 'number', min: '0', max: '1', step: '0.05', value: '0.5', 'aria-label': 'Probability that a preempted vCPU is in kernel mode' });
  share.hidden = true;
  const status = el('p', { class: 'hint', 'aria-live': 'polite' });
  const body = el('div', { class: 'whatif-body' });
  const element = el(
    'section',
    { class: 'panel', 'data-panel': 'whatif' },
    el('h2', {}, 'What if: each policy at each PAUSE exit'),
    el('label', {}, 'A vCPU preempted outside a PAUSE exit, where no kvm_arch_vcpu_put probe tells, is taken to be ', mode, ' ', share),
    status,
    body,
  );

  const chosen = (): InKernelAssumption | null => {
    if (mode.value !== 'share') return mode.value as 'kernel' | 'user';
    const p = Number(share.value);
    return share.value.trim() !== '' && p >= 0 && p <= 1 ? { share: p } : null;
  };
  const request = () => {
    const inKernel = chosen();
    if (!inKernel) {
      status.textContent = 'Enter a probability from 0 to 1.';
      return;
    }
    latest = ++seq;
    status.textContent = 'Replaying every policy…';
    post({ type: 'replay', id: latest, inKernel });
  };
  mode.addEventListener('change', () => {
    share.hidden = mode.value !== 'share';
    request();
  });
  share.addEventListener('change', request);

  function render(s: ReplaySummary): void {
    chart?.destroy();
    chart = null;
    status.textContent = `${s.decisions.toLocaleString('en-US')} PAUSE exits (the whole trace), preempted vCPUs no probe tells taken to be ${s.inKernelText}; the host's choice ${s.observedFrom === 'yield_to probes' ? 'observed through yield_to probes' : 'inferred from sched_switch (add yield_to probes to observe it)'}.`;
    body.replaceChildren(el('p', { class: 'hint' }, s.counterfactual));
    const judged = s.observedTruth !== undefined;
    if (s.policies.length) {
      const canvas = el('canvas', { role: 'img', 'aria-label': 'Horizontal stacked bar chart per policy: share of PAUSE exits where it agrees with the host, boosts another vCPU, or boosts none' });
      const box = el('div', { class: 'chart' }, canvas);
      box.style.height = `${60 + 26 * s.policies.length}px`;
      body.append(box);
      chart = drawBars(canvas, s);
    }
    body.append(
      el(
        'details',
        {},
        el('summary', {}, 'Table'),
        judged
          ? table(
              ['policy', 'PAUSE exits', 'agree', 'other vCPU', 'none', '-ESRCH met', 'helpful (of judged)'],
              [
                ['host (observed)', s.decisions, '', '', '', '', helpful(s.observedTruth)],
                ...s.policies.map((p) => [label(p.policy), p.decisions, count(p.agree, p.shares.agree), count(p.other, p.shares.other), count(p.none, p.shares.none), count(p.esrch, p.shares.esrch), helpful(p.truth)]),
              ],
              "Per policy: PAUSE exits where it boosts the vCPU the host boosted (or, like the host, none), another vCPU, or none where the host boosted one; helpful: decisions whose target the spinner waited for (guest events), of those the guest's events judge, beside the host's own",
            )
          : table(
              ['policy', 'PAUSE exits', 'agree', 'other vCPU', 'none', '-ESRCH met'],
              s.policies.map((p) => [label(p.policy), p.decisions, count(p.agree, p.shares.agree), count(p.other, p.shares.other), count(p.none, p.shares.none), count(p.esrch, p.shares.esrch)]),
              'Per policy: PAUSE exits where it boosts the vCPU the host boosted (or, like the host, none), another vCPU, or none where the host boosted one',
            ),
      ),
    );
    body.append(el('p', { class: 'hint' }, judged ? 'Helpful: ' : 'Whether a target would have helped: ', notJudged(s.notJudged.helpful), '. Whether the host scheduler would have honoured it: ', notJudged(s.notJudged.honoured), '.'));
    if (s.notReplayable.length) body.append(el('h3', {}, 'Not replayable'), el('ul', { class: 'not-replayable' }, ...s.notReplayable.map((n) => el('li', {}, label(n.policy), `: ${n.reason}`))));
    body.append(el('h3', {}, 'Assumptions'), el('ul', { class: 'assumptions' }, ...s.assumptions.map((a) => el('li', {}, a))));
    element.dataset.renders = String(Number(element.dataset.renders ?? 0) + 1);
  }

  window.addEventListener('message', (event) => {
    const msg = parseHostMessage(event.data);
    if (msg?.type === 'dashboard' && !element.isConnected) {
      app.before(element);
      request();
    } else if (msg?.type === 'guests' && msg.message === null && element.isConnected) {
      request(); // guests added: the targets can now be judged against their truth
    } else if (msg?.type === 'replay' && msg.id === latest) {
      shown = msg.summary;
      render(msg.summary);
    }
  });
  onThemeChange(() => shown && render(shown));
}

function drawBars(canvas: HTMLCanvasElement, s: ReplaySummary): Chart {
  const t = theme();
  const series = (key: 'agree' | 'other' | 'none', text: string, colour: string) => ({ label: text, data: s.policies.map((p) => 100 * (p.shares[key] ?? 0)), backgroundColor: colour });
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: s.policies.map((p) => p.policy),
      datasets: [series('agree', 'agrees with the host', t.green), series('other', 'another vCPU', t.orange), series('none', 'none', t.red)],
    },
    options: {
      indexAxis: 'y',
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { labels: { color: t.fg } } },
      scales: {
        x: { stacked: true, min: 0, max: 100, title: { display: true, text: '% of PAUSE exits', color: t.fg }, ticks: { color: t.fg }, grid: { color: t.grid } },
        y: { stacked: true, ticks: { color: t.fg, autoSkip: false }, grid: { color: t.grid } },
      },
    },
  });
}
