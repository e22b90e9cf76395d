// The commands that give real per-line statistics on a user's own host: perf line probes on
// every recognized site, function/return probes on yield_to, and the trace-cmd record line
// that captures them with the kvm and sched events.

import type { SiteName } from '../analysis/sites';
import type { Recognition } from './recognizer';

export function perfProbeCommands(recognition: Recognition, seconds = 10): string[] {
  const onSpin = recognition.functions.find((f) => f.name === 'kvm_vcpu_on_spin');
  const lines: string[] = ['# run as root on the KVM host; needs the kernel debuginfo for line probes'];
  if (onSpin) {
    const offsets = new Map<number, SiteName[]>();
    for (const [site, line] of Object.entries(recognition.sites) as [SiteName, number][]) {
      if (!site.startsWith('on_spin.') || line < onSpin.line || line > onSpin.endLine) continue;
      const offset = line - onSpin.line;
      offsets.set(offset, [...(offsets.get(offset) ?? []), site]);
    }
    for (const [offset, sites] of [...offsets].sort((p, q) => p[0] - q[0])) {
      lines.push(`perf probe -m kvm -a 'kvm_vcpu_on_spin:${offset}'   # ${sites.join(', ')} (line ${onSpin.line + offset})`);
    }
  }
  lines.push("perf probe -a 'yield_to p->pid'          # the boosted task");
  lines.push("perf probe -a 'yield_to%return $retval'  # > 0 boosted, -3 -ESRCH, 0 not boosted");
  lines.push(
    `trace-cmd record -e kvm:kvm_exit -e kvm:kvm_entry -e kvm:kvm_ple_window_update -e kvm:kvm_apic_ipi -e kvm:kvm_vcpu_wakeup -e sched:sched_switch -e sched:sched_wakeup -e sched:sched_waking -e 'probe:*' sleep ${seconds}`,
  );
  lines.push('trace-cmd report > host.report   # then: KVM Spin: Open Trace…, or kvm-spin annotate FILE.c --run host.report');
  return lines;
}
