// Writes an event store as trace-cmd-report-style text (with the ftrace tgid column, kernel
// field formats and nanosecond timestamps) that the text importer reads back to the same
// events. Used for simulator run files, so a simulated run opens like any trace.

import { EventKind, PREEMPT_FLAG, PrevState, type EventStore } from '../trace/model';
import { KVM_EOI, kvmEoiText } from '../trace/eoiEvent';
import { guestEventText } from '../trace/guestEvents';

const SHORTHAND = ['dst', 'self', 'all', 'all-but-self'];

function comm(store: EventStore, tid: number): string {
  if (tid === 0) return '<idle>';
  return store.threads.get(tid)?.comm ?? '<...>';
}

function timestamp(ns: number): string {
  const sec = Math.floor(ns / 1e9);
  const frac = Math.round(ns - sec * 1e9);
  return `${sec}.${String(frac).padStart(9, '0')}`;
}

function prevState(code: number): string {
  const base = code & 3;
  const letter = base === PrevState.Runnable ? 'R' : base === PrevState.Sleeping ? 'S' : base === PrevState.Disk ? 'D' : 'X';
  return code & PREEMPT_FLAG ? `${letter}+` : letter;
}

/** A 64-bit two's-complement hex rendering, as kprobes print return values. */
function hex64(value: number): string {
  return '0x' + BigInt.asUintN(64, BigInt(Math.trunc(value))).toString(16);
}

function payload(store: EventStore, i: number): [string, string] {
  const a = store.a[i];
  switch (store.kind[i] as EventKind) {
    case EventKind.KvmExit:
      return ['kvm_exit', `vcpu ${a} reason ${store.strings.get(store.b[i])} rip 0xffffffff81000000 info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000`];
    case EventKind.KvmEntry:
      return ['kvm_entry', `vcpu ${a}, rip 0xffffffff81000000`];
    case EventKind.PleWindow:
      return ['kvm_ple_window_update', `vcpu ${a} old ${store.x[i]} new ${store.y[i]} (${store.b[i] ? 'growed' : 'shrinked'})`];
    case EventKind.ApicIpi:
      return ['kvm_apic_ipi', `dst ${a.toString(16)} vec ${store.b[i]} (Fixed|physical|assert|edge|${SHORTHAND[store.c[i]] ?? 'dst'})`];
    case EventKind.ApicAcceptIrq:
      return ['kvm_apic_accept_irq', `apicid ${a.toString(16)} vec ${store.b[i]} (Fixed|edge)`];
    case EventKind.KvmEoi:
      return [KVM_EOI, kvmEoiText(store, i)];
    case EventKind.VcpuWakeup:
      return ['kvm_vcpu_wakeup', `${a ? 'wait' : 'poll'} time ${store.x[i]} ns, polling ${store.b[i] ? 'valid' : 'invalid'}`];
    case EventKind.SchedSwitch:
      return ['sched_switch', `${comm(store, a)}:${a} [120] ${prevState(store.b[i])} ==> ${comm(store, store.c[i])}:${store.c[i]} [120]`];
    case EventKind.SchedWakeup:
    case EventKind.SchedWaking:
    case EventKind.SchedWakeupNew: {
      const name = store.kind[i] === EventKind.SchedWakeup ? 'sched_wakeup' : store.kind[i] === EventKind.SchedWaking ? 'sched_waking' : 'sched_wakeup_new';
      return [name, `${comm(store, a)}:${a} [120] CPU:${String(store.b[i]).padStart(3, '0')}`];
    }
    case EventKind.SchedMigrate:
      return ['sched_migrate_task', `comm=${comm(store, a)} pid=${a} prio=120 orig_cpu=${store.b[i]} dest_cpu=${store.c[i]}`];
    case EventKind.Probe: {
      const name = store.strings.get(a);
      const fn = name.replace(/__return$/, '');
      const arg = Number.isNaN(store.x[i]) ? '' : store.b[i] ? ` arg1=${hex64(store.x[i])}` : ` arg1=${store.x[i]}`;
      return [name, store.b[i] ? `(kvm_vcpu_on_spin+0x12c/0x1f0 <- ${fn})${arg}` : `(${fn}+0x0/0x1f0)${arg}`];
    }
  }
  return guestEventText(store, i) ?? ['unknown', ''];
}

/** Streams the store as text in chunks of about 64 KiB. */
export function writeTraceCmdText(store: EventStore, write: (text: string) => void, headerComments: string[] = []): void {
  let cpus = 1;
  for (let i = 0; i < store.length; i++) if (store.cpu[i] + 1 > cpus) cpus = store.cpu[i] + 1;
  let out = headerComments.map((c) => `# ${c.replace(/[\r\n]+/g, ' ')}\n`).join('') + `cpus=${cpus}\n`;
  for (let i = 0; i < store.length; i++) {
    const tid = store.tid[i];
    const tgid = store.threads.get(tid)?.tgid ?? -1;
    const [event, text] = payload(store, i);
    out += `${`${comm(store, tid)}-${tid}`.padStart(20)} (${tgid >= 0 ? String(tgid).padStart(7) : '-------'}) [${String(store.cpu[i]).padStart(3, '0')}] d..2. ${timestamp(store.ts[i])}: ${event}: ${text}\n`;
    if (out.length > 1 << 16) {
      write(out);
      out = '';
    }
  }
  if (out) write(out);
}
