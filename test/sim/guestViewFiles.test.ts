// simulate --guest-trace writes each VM's trace beside the run file; analyze --guest pairs
// them by trace id and counts the problems from the guests' events, through the files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
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

test('simulate --guest-format dat: trace.dat guests give analyze the same guests and problemsFromGuest as the report files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'guest-view-dat-'));
  const args = ['simulate', '--scenario', 'paper', '--policy', 'vanilla-5.6', '--seed', '3', '--duration', '0.01', '--out', dir, '--guest-trace', '--jobs', '1'];
  assert.equal((await cliInProcess(args)).status, 0);
  const dat = await cliInProcess([...args, '--guest-format', 'dat']);
  assert.equal(dat.status, 0, dat.stderr);
  const host = join(dir, 'paper-vanilla-5.6-seed3.report');
  const guest = (vm: string, ext: string) => join(dir, `paper-vanilla-5.6-seed3.guest-${vm}.${ext}`);
  // In 10 ms VM ipi-a traces nothing: its trace.dat, and its report of header lines only, read as an empty guest.
  const guests = (ext: string) => ['ipi-a', 'ipi-b', 'lock-a', 'lock-b'].flatMap((vm) => ['--guest', guest(vm, ext)]);
  const fromDat = await cliInProcess(['analyze', host, ...guests('dat'), '--json']);
  const fromText = await cliInProcess(['analyze', host, ...guests('report'), '--json']);
  assert.equal(fromDat.status, 0, fromDat.stderr);
  const d = JSON.parse(fromDat.stdout);
  const r = JSON.parse(fromText.stdout);
  assert.ok(d.problemsFromGuest.judged > 0);
  assert.ok(d.problemsFromGuest.waits.lock > 0 && d.problemsFromGuest.waits.ipi > 0, 'paper has lock and IPI waits');
  assert.deepEqual(d.problemsFromGuest, r.problemsFromGuest);
  assert.deepEqual(d.guests, r.guests);
  for (const ext of ['dat', 'report']) {
    const empty = await cliInProcess(['analyze', host, '--guest', guest('ipi-a', ext), '--json']);
    assert.equal(empty.status, 0, empty.stderr);
    const ipiA = JSON.parse(empty.stdout).guests.find((g: { name: string }) => g.name === 'ipi-a');
    assert.deepEqual([ipiA.events, ipiA.firstNs, ipiA.lastNs], [0, null, null], ext);
  }
  // A guest file of header lines only that names no host is still no trace, and says which file.
  const noHost = join(dir, 'no-host.report');
  writeFileSync(noHost, '# a header and nothing else\n');
  const refused = await cliInProcess(['analyze', host, '--guest', noHost]);
  assert.equal(refused.status, 2);
  assert.equal(refused.stderr, `kvm-spin: ${noHost}: no trace event lines found: expected trace-cmd report text, raw ftrace text (/sys/kernel/tracing/trace or trace_pipe), perf script text, or a trace-cmd trace.dat file\n`);

  const bad = await cliInProcess(['simulate', '--out', dir, '--guest-trace', '--guest-format', 'pdf']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^kvm-spin: simulate: --guest-format must be one of report, dat, got 'pdf'\n/);
  const alone = await cliInProcess(['simulate', '--out', dir, '--guest-format', 'dat']);
  assert.equal(alone.status, 2);
  assert.match(alone.stderr, /--guest-format is the format of the --guest-trace files: it needs --guest-trace/);
});
