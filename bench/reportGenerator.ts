// Writes large, internally consistent `trace-cmd report` text of an oversubscribed KVM host
// (the trace-cmd 3.x default rendering: flags column, kvm plugin exits without a vCPU number,
// compact sched events). Used by the benchmark and to make the bundled sample. Deterministic
// for a given seed. It is a load generator, not the simulator: vCPUs round-robin on their
// pCPU, spin in PAUSE bursts, send IPIs, halt and are woken.

export interface GeneratorOptions {
  seed: number;
  pcpus: number;
  vms: number;
  vcpusPerVm: number;
  /** Stop once this many bytes were written. */
  targetBytes: number;
  /** Slice a vCPU gets before it is preempted, in microseconds. */
  sliceUs: number;
}

export const DEFAULT_GENERATOR: GeneratorOptions = {
  seed: 1,
  pcpus: 8,
  vms: 4,
  vcpusPerVm: 8,
  targetBytes: 1 << 20,
  sliceUs: 3000,
};

interface Vcpu {
  vm: number;
  id: number;
  tid: number;
  comm: string;
  cpu: number;
  halted: boolean;
  wakeAt: number;
  window: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REASONS: [string, number][] = [
  ['PAUSE_INSTRUCTION', 0.34],
  ['EXTERNAL_INTERRUPT', 0.2],
  ['MSR_WRITE', 0.16],
  ['EPT_MISCONFIG', 0.12],
  ['IO_INSTRUCTION', 0.06],
  ['HLT', 0.06],
  ['CPUID', 0.06],
];

export function generateReport(options: Partial<GeneratorOptions>, write: (text: string) => void): { bytes: number; lines: number } {
  const o = { ...DEFAULT_GENERATOR, ...options };
  const random = mulberry32(o.seed);
  const vcpus: Vcpu[] = [];
  for (let vm = 0; vm < o.vms; vm++) {
    for (let id = 0; id < o.vcpusPerVm; id++) {
      vcpus.push({ vm, id, tid: 3000 + vm * 100 + id + 1, comm: `CPU ${id}/KVM`, cpu: (vm * o.vcpusPerVm + id) % o.pcpus, halted: false, wakeAt: 0, window: 4096 });
    }
  }
  const queues: Vcpu[][] = Array.from({ length: o.pcpus }, (_, c) => vcpus.filter((v) => v.cpu === c));
  const current: (Vcpu | null)[] = queues.map((q) => q[0] ?? null);
  const sliceEnd = queues.map(() => o.sliceUs);
  const nextAt = queues.map((_, c) => 1 + c); // microseconds
  let bytes = 0;
  let lines = 0;
  let buffer = '';
  const baseSeconds = 2400;
  const emit = (comm: string, tid: number, cpu: number, flags: string, us: number, event: string, payload: string) => {
    const sec = baseSeconds + Math.floor(us / 1e6);
    const frac = String(Math.floor(us % 1e6)).padStart(6, '0');
    const line = `${`${comm}-${tid}`.padStart(16)} [${String(cpu).padStart(3, '0')}] ${flags} ${sec}.${frac}: ${event}: ${payload}\n`;
    buffer += line;
    lines++;
    if (buffer.length > 1 << 16) {
      bytes += buffer.length;
      write(buffer);
      buffer = '';
    }
  };
  const header = `cpus=${o.pcpus}\n`;
  write(header);
  bytes += header.length;

  const pickReason = () => {
    let r = random();
    for (const [name, p] of REASONS) {
      if ((r -= p) < 0) return name;
    }
    return 'EXTERNAL_INTERRUPT';
  };
  const rip = () => `0xffffffff81${Math.floor(random() * 0xffffff).toString(16).padStart(6, '0')}`;

  const switchTo = (cpu: number, us: number, prev: Vcpu | null, prevState: string) => {
    const q = queues[cpu];
    let next: Vcpu | null = null;
    const start = prev ? q.indexOf(prev) : -1;
    for (let k = 1; k <= q.length; k++) {
      const cand = q[(start + k + q.length) % q.length];
      if (cand.halted && cand.wakeAt <= us) {
        cand.halted = false;
        emit('<idle>', 0, cpu, 'dNh2.', us, 'sched_wakeup', `${cand.comm}:${cand.tid} [120] CPU:${String(cpu).padStart(3, '0')}`);
      }
      if (!cand.halted && cand !== prev) {
        next = cand;
        break;
      }
    }
    if (!next && prev && !prev.halted) next = prev;
    const prevName = prev ? `${prev.comm}:${prev.tid}` : `swapper/${cpu}:0`;
    const nextName = next ? `${next.comm}:${next.tid}` : `swapper/${cpu}:0`;
    if (next !== prev) {
      emit(prev ? prev.comm : '<idle>', prev ? prev.tid : 0, cpu, 'd..2.', us, 'sched_switch', `${prevName} [120] ${prevState} ==> ${nextName} [120]`);
    }
    current[cpu] = next;
    sliceEnd[cpu] = us + o.sliceUs;
    if (next && next.window > 4096) {
      emit(next.comm, next.tid, cpu, "d..2.", us, "kvm_ple_window_update", `vcpu ${next.id} old ${next.window} new 4096 (shrinked)`);
      next.window = 4096;
    }
    nextAt[cpu] = us + (next ? 1 : 50 + Math.floor(random() * 200));
  };

  // Per-CPU state machine, stepped in global time order so the report is sorted like
  // trace-cmd's: 0 = enter the guest, 1 = exit from it, 2 = switch tasks.
  const phase = queues.map(() => 0);
  const pendingState = queues.map(() => 'R');
  while (bytes + buffer.length < o.targetBytes) {
    let cpu = 0;
    for (let c = 1; c < o.pcpus; c++) if (nextAt[c] < nextAt[cpu]) cpu = c;
    const us = nextAt[cpu];
    const v = current[cpu];
    if (phase[cpu] === 2 || !v) {
      switchTo(cpu, us, v, pendingState[cpu]);
      phase[cpu] = 0;
      continue;
    }
    if (phase[cpu] === 0) {
      emit(v.comm, v.tid, cpu, 'd..2.', us, 'kvm_entry', `vcpu ${v.id} rip ${rip()}`);
      phase[cpu] = 1;
      nextAt[cpu] = us + 3 + Math.floor(random() * 40);
      continue;
    }
    const reason = pickReason();
    emit(v.comm, v.tid, cpu, 'd..2.', us, 'kvm_exit', `reason ${reason} rip ${rip()} info 0 0`);
    const doneAt = us + 1 + Math.floor(random() * 2);
    phase[cpu] = 0;
    nextAt[cpu] = doneAt;
    if (reason === 'MSR_WRITE') {
      const siblings = vcpus.filter((s) => s.vm === v.vm && s !== v);
      const dst = siblings[Math.floor(random() * siblings.length)];
      emit(v.comm, v.tid, cpu, 'd..1.', us, 'kvm_apic_ipi', `dst ${dst.id.toString(16)} vec 251 (Fixed|physical|assert|edge|dst)`);
      emit(v.comm, v.tid, cpu, 'd..1.', us, 'kvm_apic_accept_irq', `apicid ${dst.id.toString(16)} vec 251 (Fixed|edge)`);
      if (dst.halted) dst.wakeAt = us;
    } else if (reason === 'PAUSE_INSTRUCTION') {
      const grown = Math.min(v.window * 2, 1 << 18);
      if (grown !== v.window) emit(v.comm, v.tid, cpu, 'd..2.', us, 'kvm_ple_window_update', `vcpu ${v.id} old ${v.window} new ${grown} (growed)`);
      v.window = grown;
      // Directed yield: give the CPU away when a sibling on this run queue is runnable.
      if (random() < 0.5 && queues[cpu].some((s) => s !== v && !s.halted)) {
        phase[cpu] = 2;
        pendingState[cpu] = 'R';
      }
    } else if (reason === 'HLT') {
      v.halted = true;
      v.wakeAt = us + 100 + Math.floor(random() * 2000);
      phase[cpu] = 2;
      pendingState[cpu] = 'S';
    }
    if (phase[cpu] === 0 && doneAt >= sliceEnd[cpu]) {
      phase[cpu] = 2;
      pendingState[cpu] = 'R+';
    }
  }
  if (buffer) {
    bytes += buffer.length;
    write(buffer);
  }
  return { bytes, lines };
}
