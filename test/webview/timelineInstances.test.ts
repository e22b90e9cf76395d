// From a dashboard figure to its instances on the timeline, in Chromium, with this test as the
// host answering from the bundled sample's session: a card's button and a matrix cell move the
// timeline's window to the first instance, mark them, count "1 of N", step with Next and N,
// filter the event list to them, and Enter on a focused cell does what a click does.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceSession } from '../../src/core/session';
import { importTraceText } from '../../src/core/trace/textImporter';
import { dashboardFromAnalysis } from '../../src/core/analysis/viewModel';
import { timelineWindow } from '../../src/core/views/timeline';
import { eventList } from '../../src/core/views/eventList';
import { parseWebviewMessage, type HostToWebview, type TimelineRequest } from '../../src/shared/protocol';
import { ROOT } from '../support/paths';
import { noBrowser, openWebviewPage } from '../support/webviewPage';

test('dashboard figures jump to their instances on the timeline', { skip: noBrowser() }, async () => {
  const { store, format } = importTraceText(readFileSync(join(ROOT, 'samples', 'oversubscribed-4vm.report'), 'utf8'));
  const session = new TraceSession(store);
  const model = dashboardFromAnalysis(session.model, session.analysis, { title: 'sample', format });
  const boosts = session.analysis.totals.boosts!;
  assert.ok(boosts > 1);
  const { lease, tab, errors, posted } = await openWebviewPage('traceEditor', { width: 1200, height: 1400 });
  try {
    await tab.exposeFunction('__host', (raw: unknown) => {
      const m = parseWebviewMessage(raw);
      let reply: HostToWebview | null = null;
      if (m?.type === 'timeline') reply = { type: 'timeline', id: m.id, window: timelineWindow(session.tables, m.request) };
      else if (m?.type === 'instances') reply = { type: 'instances', id: m.id, reply: session.instances(m.request) };
      else if (m?.type === 'eventList') reply = { type: 'eventList', id: m.id, page: eventList(store, session.tables, m.request) };
      // A reply still on its way when the test closes the browser is dropped.
      if (reply) tab.evaluate((r) => window.postMessage(r, '*'), reply).catch(() => undefined);
    });
    await tab.evaluate(() => {
      const w = window as unknown as { __posted: unknown[]; __host: (m: unknown) => void };
      const push = w.__posted.push.bind(w.__posted);
      w.__posted.push = (...m: unknown[]) => (m.forEach((x) => w.__host(x)), push(...m));
    });
    await tab.evaluate((m) => window.postMessage({ type: 'dashboard', model: m }, '*'), model);
    await tab.waitForFunction(() => Number(document.querySelector<HTMLCanvasElement>('.tl-canvas canvas')?.dataset.renders) >= 1);
    const lastWindow = async () => ((await posted()) as { type: string; request?: TimelineRequest }[]).filter((m) => m.type === 'timeline').at(-1)!.request!;
    const whole = await lastWindow();
    assert.deepEqual([whole.startNs, whole.endNs], [model.traceStartNs, model.traceEndNs]);
    const counter = tab.locator('[data-panel="timeline"] .instances .counter');

    // The boosts card: the window moves to the first boost, narrow, with the boosts marked.
    await tab.locator('.card[data-card="boosts"] button.jump').click();
    await tab.waitForFunction(() => document.querySelector('.instances .counter')?.textContent?.includes(' of '));
    assert.equal(await counter.textContent(), `boosts: 1 of ${boosts.toLocaleString('en-US')}`);
    const first = session.instances({ filter: { of: 'decisions', outcomes: ['boostedRan', 'boostedNotRun'] }, index: 0 }).instance!;
    const jumped = await lastWindow();
    assert.ok(jumped.startNs <= first.startNs && jumped.endNs >= first.endNs, JSON.stringify({ jumped, first }));
    assert.ok(jumped.endNs - jumped.startNs < (whole.endNs - whole.startNs) / 10, 'zoomed in');
    assert.deepEqual(jumped.highlight, { of: 'decisions', outcomes: ['boostedRan', 'boostedNotRun'] });
    await tab.waitForFunction(() => document.querySelector('[data-panel="timeline"] .sub[aria-live]')?.textContent?.includes('of the instances in view'));
    // The event list holds only their kvm_exit events.
    await tab.waitForFunction(() => document.querySelector('[data-panel="events"] .sub')?.textContent?.includes('only the PAUSE exits of boosts'));
    const listed = ((await posted()) as { type: string; request?: { filter: { instances?: unknown } } }[]).filter((m) => m.type === 'eventList').at(-1)!;
    assert.deepEqual(listed.request!.filter.instances, { of: 'decisions', outcomes: ['boostedRan', 'boostedNotRun'] });
    // Next, then N on the canvas: the second and third boosts.
    await tab.locator('.instances vscode-button', { hasText: 'Next' }).click();
    await tab.waitForFunction(() => document.querySelector('.instances .counter')?.textContent?.startsWith('boosts: 2 of'));
    const second = session.instances({ filter: { of: 'decisions', outcomes: ['boostedRan', 'boostedNotRun'] }, index: 1 }).instance!;
    const stepped = await lastWindow();
    assert.ok(stepped.startNs <= second.startNs && stepped.endNs >= second.endNs);
    await tab.locator('[data-panel="timeline"] .tl-canvas canvas').focus();
    await tab.keyboard.press('n');
    await tab.waitForFunction(() => document.querySelector('.instances .counter')?.textContent?.startsWith('boosts: 3 of'));

    // A matrix cell, by keyboard: focus its count, Enter.
    const vm = session.analysis.vms.find((v) => v.targets && v.targets.length)!;
    const matrix = model.matrices.find((m) => m.vm === vm.id)!;
    const [src, dst] = vm.targets![0];
    const [i, j] = [matrix.sources.indexOf(`vCPU ${src}`), matrix.targets.indexOf(`vCPU ${dst}`)];
    const n = matrix.boosts[i][j];
    const cell = tab.locator(`table.matrix button.jump[aria-label="Show the ${n.toLocaleString('en-US')} boosts ${vm.id}: vCPU ${src} → vCPU ${dst} on the timeline"]`);
    await cell.focus();
    await tab.keyboard.press('Enter');
    await tab.waitForFunction((text) => document.querySelector('.instances .counter')?.textContent === text, `boosts ${vm.id}: vCPU ${src} → vCPU ${dst}: 1 of ${n.toLocaleString('en-US')}`);
    const cellFirst = session.instances({ filter: { of: 'decisions', vm: vm.id, spinner: { vcpus: [src] }, target: { vcpus: [dst] } }, index: 0 }).instance!;
    const moved = await lastWindow();
    assert.ok(moved.startNs <= cellFirst.startNs && moved.endNs >= cellFirst.endNs, JSON.stringify({ moved, cellFirst }));
    assert.notDeepEqual([moved.startNs, moved.endNs], [stepped.startNs, stepped.endNs]);

    // An episode row's button: the episode's PAUSE exits (as many as the row lists).
    const episode = model.episodes[0];
    await tab.locator('.viewport .vrow button.jump').first().click();
    await tab.waitForFunction((text) => document.querySelector('.instances .counter')?.textContent?.endsWith(text), `: 1 of ${episode.pleExits}`);
    assert.ok((await counter.textContent())!.startsWith(`PAUSE exits of the episode of ${episode.vm}/vCPU ${episode.vcpu} at `));
    const inEpisode = await lastWindow();
    assert.ok(inEpisode.startNs <= episode.startNs && inEpisode.endNs >= episode.startNs);
    assert.ok(!((await posted()) as { type: string }[]).some((m) => m.type === 'revealLine'), 'the button does not reveal the line as the row does');

    // A bar's keyboard path: the count in the spin chart's table, for the first vCPU listed.
    const v = model.vcpus[0];
    await tab.locator('section.panel', { hasText: 'Spin time per vCPU' }).locator('details summary').first().click();
    await tab.locator(`button.jump[aria-label="Show the ${v.pleExits.toLocaleString('en-US')} PAUSE exits of ${v.vm}/vCPU ${v.vcpu} on the timeline"]`).click();
    await tab.waitForFunction((text) => document.querySelector('.instances .counter')?.textContent === text, `PAUSE exits of ${v.vm}/vCPU ${v.vcpu}: 1 of ${v.pleExits.toLocaleString('en-US')}`);

    // Clear: no highlight asked for any more.
    await tab.locator('.instances vscode-button', { hasText: 'Clear' }).click();
    assert.equal((await lastWindow()).highlight, undefined);
    assert.deepEqual(errors, []);
  } finally {
    await lease.close();
  }
});
