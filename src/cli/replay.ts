// `kvm-spin replay TRACE`: at every PAUSE exit of the trace, the vCPU each policy's
// kvm_vcpu_on_spin would have boosted, against what the host did.

import { parsePolicies, type Policy } from '../core/sim/policies';
import { replayTrace, type ReplayResult } from '../core/replay/replay';
import type { InKernelAssumption } from '../core/replay/stateSweep';
import { toReplayJson } from '../core/replay/report';
import { stringValue, UsageError, ValueChecker, type CommandSpec } from './args';
import type { Command } from './command';
import { openTraceFile } from './traceFile';

const spec: CommandSpec = {
  name: 'replay',
  usage: `usage: kvm-spin replay TRACE [--policy P[,P...]|all] [--in-kernel kernel|user|SHARE] [--json]

  TRACE              a host trace (trace.dat, trace-cmd report, ftrace, perf script) or a
                     simulator run file; yield_to entry/return probes show what the host chose
  --policy           the policies to replay (default all; those whose PAUSE exit runs no
                     candidate walk are listed as not replayable)
  --in-kernel        the guest mode of a vCPU preempted outside a PAUSE exit when no
                     kvm_arch_vcpu_put probe tells it: kernel (default), user, or a share
                     0..1 taken to be in kernel mode
  --json             print JSON instead of a table`,
  options: { policy: { type: 'string' }, 'in-kernel': { type: 'string' }, json: { type: 'boolean' } },
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
    const analysis = await openTraceFile(io, file, signal);
    const result = replayTrace(analysis.session.model, { policies, preemptedInKernel });
    io.stdout.write(args.values.json ? JSON.stringify(toReplayJson(result), null, 2) + '\n' : formatReplay(file, result));
    return 0;
  },
};

const pct = (n: number, of: number) => (of > 0 ? `${((100 * n) / of).toFixed(1)} %` : '–');

function formatReplay(file: string, r: ReplayResult): string {
  const decisions = r.observed.length;
  const lines = [
    `${file}: ${decisions} PAUSE exits (yield decisions); the host's choice ${r.observedFrom === 'yield_to probes' ? 'observed through yield_to probes' : 'inferred from sched_switch (add yield_to probes to observe it)'}`,
    'per decision: what each policy would have boosted at that moment; after the first different choice the real future would have differed',
    '',
    'policy                   agree      other      none       -ESRCH met',
  ];
  for (const p of r.policies) {
    lines.push(`${p.policy.padEnd(24)} ${pct(p.agree, p.decisions).padStart(8)} ${pct(p.other, p.decisions).padStart(10)} ${pct(p.none, p.decisions).padStart(9)} ${pct(p.esrch, p.decisions).padStart(12)}`);
  }
  for (const n of r.notReplayable) lines.push(`${n.policy.padEnd(24)} not replayable: ${n.reason}`);
  lines.push('', 'agree: boosts the vCPU the host boosted (or, like the host, none); other: another vCPU; none: nobody where the host boosted', 'assumptions:');
  for (const a of r.assumptions) lines.push(`  ${a}`);
  return lines.join('\n') + '\n';
}
