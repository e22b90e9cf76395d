// `kvm-spin replay TRACE`: at every PAUSE exit of the trace, the vCPU each policy's
// kvm_vcpu_on_spin would have boosted, against what the host did.

import { parsePolicies, type Policy } from '../core/sim/policies';
import { replayTrace, type ReplayResult } from '../core/replay/replay';
import type { InKernelAssumption } from '../core/replay/stateSweep';
import { toReplayJson } from '../core/replay/report';
import { judgeReplay, type ReplayTruth, type TruthCounts } from '../core/replay/replayTruth';
import { attachGuestTraces } from '../core/pipeline';
import { guestTruth } from '../core/analysis/guestTruth';
import { VANILLA_FILTER } from '../core/analysis/guestProblems';
import { join } from 'node:path';
import { stringValue, stringValues, UsageError, ValueChecker, type CommandSpec } from './args';
import type { Command } from './command';
import { openTraceFile } from './traceFile';

const spec: CommandSpec = {
  name: 'replay',
  usage: `usage: kvm-spin replay TRACE [--policy P[,P...]|all] [--in-kernel kernel|user|SHARE]
                      [--guest GUEST_FILE]... [--json]

  TRACE              a host trace (trace.dat, trace-cmd report, ftrace, perf script) or a
                     simulator run file; yield_to entry/return probes show what the host chose
  --policy           the policies to replay (default all; those whose PAUSE exit runs no
                     candidate walk are listed as not replayable)
  --in-kernel        the guest mode of a vCPU preempted outside a PAUSE exit when no
                     kvm_arch_vcpu_put probe tells it: kernel (default), user, or a share
                     0..1 taken to be in kernel mode
  --guest FILE       the trace of a guest of TRACE (as for analyze --guest; once per guest):
                     each target, and the host's own, is judged helpful or not against what
                     the spinner waited for in the guest's lock and IPI events
  --json             print JSON instead of a table`,
  options: { policy: { type: 'string' }, 'in-kernel': { type: 'string' }, guest: { type: 'string', multiple: true }, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1, what: 'TRACE' },
};

function inKernelAssumption(check: ValueChecker, text: string | undefined): InKernelAssumption {
  if (text === undefined || text === 'kernel') return 'kernel';
  if (text === 'user') return 'user';
  const share = Number(text);
  if (text.trim() === '' || !(share >= 0 && share <= 1)) check.refuse('in-kernel', text, 'expected kernel, user or a share from 0 to 1');
  return { share };
}

export const replayCommand: Command = {
  spec,
  summary: `  replay TRACE     at every PAUSE exit of a trace, the vCPU each policy's kvm_vcpu_on_spin
                   would have boosted, beside what the host boosted`,
  async run(args, { io, signal }) {
    const check = new ValueChecker(spec);
    const policySpec = stringValue(args, 'policy') ?? 'all';
    let policies: Policy[];
    try {
      policies = parsePolicies(policySpec);
    } catch (err) {
      throw new UsageError(`replay: ${(err as Error).message}`, spec.usage);
    }
    const preemptedInKernel = inKernelAssumption(check, stringValue(args, 'in-kernel'));
    const file = args.positionals[0];
    const guestPaths = stringValues(args, 'guest');
    const analysis = await openTraceFile(io, file, signal);
    if (guestPaths.length > 0) await attachGuestTraces(analysis, guestPaths, { signal, workerScript: join(io.workerDir, 'importWorker.js') });
    const model = analysis.session.model;
    const result = replayTrace(model, { policies, preemptedInKernel });
    // The awaited sets do not depend on the user-mode filter (only lost opportunities do).
    const truth = guestPaths.length > 0 ? judgeReplay(model, result, guestTruth(analysis.session.store, analysis.guests, VANILLA_FILTER).decisions) : undefined;
    io.stdout.write(args.values.json ? JSON.stringify(toReplayJson(result, truth), null, 2) + '\n' : formatReplay(file, result, truth));
    return 0;
  },
};

const pct = (n: number, of: number) => (of > 0 ? `${((100 * n) / of).toFixed(1)} %` : '–');

const helpfulCell = (c: TruthCounts | undefined) => (c === undefined ? '' : c.judged > 0 ? pct(c.helpful, c.judged).padStart(10) : 'not judged'.padStart(10));

function formatReplay(file: string, r: ReplayResult, truth?: ReplayTruth): string {
  const decisions = r.observed.length;
  const lines = [
    `${file}: ${decisions} PAUSE exits (yield decisions); the host's choice ${r.observedFrom === 'yield_to probes' ? 'observed through yield_to probes' : 'inferred from sched_switch (add yield_to probes to observe it)'}`,
    'per decision: what each policy would have boosted at that moment; after the first different choice the real future would have differed',
    '',
    `policy                   agree      other      none       -ESRCH met${truth ? '    helpful' : ''}`,
  ];
  if (truth) lines.push(`${'host (observed)'.padEnd(24)} ${''.padStart(8)} ${''.padStart(10)} ${''.padStart(9)} ${''.padStart(12)} ${helpfulCell(truth.observed)}`);
  r.policies.forEach((p, i) => {
    lines.push(`${p.policy.padEnd(24)} ${pct(p.agree, p.decisions).padStart(8)} ${pct(p.other, p.decisions).padStart(10)} ${pct(p.none, p.decisions).padStart(9)} ${pct(p.esrch, p.decisions).padStart(12)} ${helpfulCell(truth?.policies[i])}`.trimEnd());
  });
  for (const n of r.notReplayable) lines.push(`${n.policy.padEnd(24)} not replayable: ${n.reason}`);
  lines.push('', 'agree: boosts the vCPU the host boosted (or, like the host, none); other: another vCPU; none: nobody where the host boosted');
  if (truth) {
    const judged = truth.policies.map((c) => c.judged);
    lines.push(
      `helpful: share of the judged decisions whose target the spinner waited for (guest lock and IPI events); ${truth.withGuest} of ${r.observed.length} decisions have a guest view, judged: host ${truth.observed.judged}${judged.length ? `, policies ${Math.min(...judged)}–${Math.max(...judged)}` : ''}`,
    );
  }
  lines.push('assumptions:');
  for (const a of r.assumptions) lines.push(`  ${a}`);
  return lines.join('\n') + '\n';
}
