// simulate --guest-trace writes each VM's trace beside the run file; analyze --guest pairs
// them by trace id and counts the problems from the guests' events, through the files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliInProcess } from '../support/cli';

test('simulate --guest-trace → analyze HOST --guest …: guests recognised, problems from the guest close to the simulator truth', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'guest-view-'));
  const sim = await cliInProcess(['simulate', '--scenario', 'ipi-tlb', '--policy', 'vanilla-5.6', '--seed', '3', '--duration', '0.02', '--out', dir, '--guest-trace', '--json', '--jobs', '1']);
  assert.equal(sim.status, 0, sim.stderr);
  const truth = JSON.parse(sim.stdout).runs[0].metrics.problems;
  const files = readdirSync(dir).sort();
  assert.deepEqual(files, ['ipi-tlb-vanilla-5.6-seed3.guest-tlb-a.report', 'ipi-tlb-vanilla-5.6-seed3.guest-tlb-b.report', 'ipi-tlb-vanilla-5.6-seed3.guest-tlb-c.report', 'ipi-tlb-vanilla-5.6-seed3.report']);
  const [ga, gb, gc, host] = files.map((f) => join(dir, f));
  const r = await cliInProcess(['analyze', host, '--guest', ga, '--guest', gb, '--guest', gc, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.guests.length, 3);
  for (const g of j.guests) {
    assert.ok(g.events > 0 && g.firstNs >= 0 && g.lastNs > g.firstNs, JSON.stringify(g));
    assert.equal(g.vcpus.length, 8);
  }
  const p = j.problemsFromGuest;
  assert.equal(p.judged, p.decisions, 'IPI waits are all judged');
  // Per decision the labels match the simulator's (test/sim/guestView.test.ts); the counts here go through the files.
  assert.ok(Math.abs(p.problems.lostOpportunity - truth.lostOpportunity) <= Math.max(2, 0.01 * truth.lostOpportunity), `${p.problems.lostOpportunity} vs ${truth.lostOpportunity}`);
  assert.ok(Math.abs(p.problems.overboost - truth.overboost) <= Math.max(2, 0.01 * truth.overboost), `${p.problems.overboost} vs ${truth.overboost}`);
  assert.ok(Math.abs(p.labels.unhelpful - truth.unhelpfulBoost) <= Math.max(2, 0.01 * truth.unhelpfulBoost));

  const text = await cliInProcess(['analyze', host, '--guest', ga]);
  assert.match(text.stdout, /problems from the guest's events \(\d+ of \d+ decisions judged/);
  const alone = await cliInProcess(['analyze', ga]);
  assert.match(alone.stdout, /guest trace 0x[0-9A-F]+ of host trace 0x[0-9A-F]+/);

  const wrong = await cliInProcess(['analyze', ga, '--guest', gb]);
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /^kvm-spin: .*guest-tlb-b\.report: guest trace 0x[0-9A-F]+ belongs to host trace 0x[0-9A-F]+, not to .*guest-tlb-a\.report \(trace id 0x[0-9A-F]+\)\n$/);
  const noOut = await cliInProcess(['simulate', '--guest-trace']);
  assert.equal(noOut.status, 2);
  assert.match(noOut.stderr, /--guest-trace writes files beside the run files: it needs --out DIR/);
});
