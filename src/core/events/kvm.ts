// The kvm events the analysis reads (arch/x86/kvm/trace.h, virt/kvm/kvm_main.c's
// kvm_vcpu_wakeup): kvm_exit, kvm_entry, kvm_ple_window_update (kvm_ple_window before ~5.4),
// kvm_apic_ipi, kvm_apic_accept_irq, kvm_vcpu_wakeup, kvm_eoi.

import { EventKind, type EventStore } from '../trace/model';
import { symbolicTables } from '../trace/dat/eventFormat';
import type { EventDescriptor } from './descriptor';
import { vcpuOk } from './ids';
import { bytesEqual } from '../trace/lineHead';
import { find, findLast, latin1, numberAfter, readNumber, scanEnd, startsAt } from './textScan';

/** The guest RIP the writer prints (the store does not keep one). */
const RIP = '0xffffffff81000000';

// ---- kvm_exit --------------------------------------------------------------------------------

// The few exit reasons of a trace, matched in place: most lines need no new string.
let reasonStore: EventStore | null = null;
let reasonIds: [string, number][] = [];
function internReason(store: EventStore, line: Buffer, start: number, end: number): number {
  if (reasonStore !== store) {
    reasonStore = store;
    reasonIds = [];
  }
  for (const entry of reasonIds) if (bytesEqual(line, start, end, entry[0])) return entry[1];
  const reason = latin1(line, start, end);
  const id = store.strings.intern(reason);
  if (reasonIds.length < 64) reasonIds.push([reason, id]);
  return id;
}

const kvmExit: EventDescriptor = {
  kind: EventKind.KvmExit,
  system: 'kvm',
  name: 'kvm_exit',
  columns: { a: { meaning: 'vcpu id, -1 when the rendering has none (trace-cmd plugin, kernels before ~5.4)' }, b: { meaning: 'exit reason', stringId: true } },
  // "reason X rip 0x.. info a b"                                   (<= 5.3, and trace-cmd's plugin)
  // "vcpu N reason X rip 0x.. info a b"                            (5.4 .. 5.9)
  // "vcpu N reason X[ FLAGS] rip 0x.. info1 0x.. info2 0x.. ..."   (5.10+)
  text(store, row, line, at, end) {
    let vcpu = -1;
    if (startsAt(line, 'vcpu ', at)) {
      vcpu = readNumber(line, at + 5);
      if (!vcpuOk(vcpu)) return false;
    }
    const r = find(line, 'reason ', at, end);
    if (r < 0) return false;
    let e = r + 7;
    while (e < end && line[e] !== 32 && line[e] !== 9) e++;
    if (e === r + 7) return false;
    store.a[row] = vcpu;
    store.b[row] = internReason(store, line, r + 7, e);
    return true;
  },
  binary: {
    fields: ['exit_reason'],
    // The reason's name from the format's own __print_symbolic tables (VMX when isa == 1, SVM otherwise).
    make(fmt, { num }) {
      const [reason, isa, vcpu] = [fmt.byName.get('exit_reason')!, fmt.byName.get('isa'), fmt.byName.get('vcpu_id')];
      const tables = symbolicTables(fmt.printFmt).filter((t) => t.size > 0);
      const masked = /__print_symbolic\(REC->exit_reason & 0xffff/.test(fmt.printFmt);
      const vmxFirst = /isa == 1\)\s*\?/.test(fmt.printFmt);
      const cache = new Map<number, number>();
      return (s, row, p, at) => {
        const isaValue = isa ? num(isa, p, at) : 1;
        const raw = num(reason, p, at);
        const table = tables.length < 2 ? tables[0] : (isaValue === 1) === vmxFirst ? tables[0] : tables[1];
        const code = masked && (isaValue === 1) === vmxFirst ? raw & 0xffff : raw;
        const key = tables.length < 2 || (isaValue === 1) === vmxFirst ? code : -1 - code;
        let sid = cache.get(key);
        if (sid === undefined) {
          sid = s.strings.intern(table?.get(code) ?? `0x${code.toString(16)}`);
          cache.set(key, sid);
        }
        const id = vcpu ? num(vcpu, p, at) : -1;
        if (id !== -1 && !vcpuOk(id)) return false;
        s.a[row] = id;
        s.b[row] = sid;
        return true;
      };
    },
  },
  render: {
    // 5.10+; a row without a vcpu id in the layout of kernels before ~5.4, which had none.
    kernel: (s, i) =>
      s.a[i] < 0
        ? `reason ${s.strings.get(s.b[i])} rip ${RIP} info 0 0`
        : `vcpu ${s.a[i]} reason ${s.strings.get(s.b[i])} rip ${RIP} info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000`,
    plugin: (s, i) => `reason ${s.strings.get(s.b[i])} rip ${RIP} info 0 0`,
  },
  written: 'kernel',
};

// ---- kvm_entry -------------------------------------------------------------------------------

const kvmEntry: EventDescriptor = {
  kind: EventKind.KvmEntry,
  system: 'kvm',
  name: 'kvm_entry',
  columns: { a: { meaning: 'vcpu id' } },
  // "vcpu N" / "vcpu N, rip 0x.." / "vcpu N rip 0x.." (plugin)
  text(store, row, line, at) {
    if (!startsAt(line, 'vcpu ', at)) return false;
    const vcpu = readNumber(line, at + 5);
    if (!vcpuOk(vcpu)) return false;
    store.a[row] = vcpu;
    return true;
  },
  binary: {
    fields: ['vcpu_id'],
    make(fmt, { num }) {
      const vcpu = fmt.byName.get('vcpu_id')!;
      return (s, row, p, at) => vcpuOk((s.a[row] = num(vcpu, p, at)));
    },
  },
  render: {
    kernel: (s, i) => `vcpu ${s.a[i]}, rip ${RIP}`,
    plugin: (s, i) => `vcpu ${s.a[i]} rip ${RIP}`,
  },
  written: 'kernel',
};

// ---- kvm_ple_window_update / kvm_ple_window --------------------------------------------------

const pleWindow: EventDescriptor = {
  kind: EventKind.PleWindow,
  system: 'kvm',
  name: 'kvm_ple_window_update',
  columns: { a: { meaning: 'vcpu id' }, b: { meaning: '1 grow, 0 shrink' }, x: { meaning: 'old window' }, y: { meaning: 'new window' } },
  // "vcpu %u old %u new %u (%s)" with "growed" / "shrinked"
  text(store, row, line, at, end) {
    if (!startsAt(line, 'vcpu ', at)) return false;
    const vcpu = readNumber(line, at + 5);
    const oldWindow = numberAfter(line, ' old ', scanEnd, end);
    const newWindow = numberAfter(line, ' new ', scanEnd, end);
    if (Number.isNaN(oldWindow) || Number.isNaN(newWindow) || !vcpuOk(vcpu)) return false;
    store.a[row] = vcpu;
    store.b[row] = find(line, '(grow', scanEnd, end) >= 0 ? 1 : find(line, '(shrink', scanEnd, end) >= 0 ? 0 : newWindow > oldWindow ? 1 : 0;
    store.x[row] = oldWindow;
    store.y[row] = newWindow;
    return true;
  },
  binary: {
    fields: ['vcpu_id', 'new', 'old'],
    make(fmt, { num }) {
      const [vcpu, next, old] = [fmt.byName.get('vcpu_id')!, fmt.byName.get('new')!, fmt.byName.get('old')!];
      return (s, row, p, at) => {
        const o = num(old, p, at);
        const n = num(next, p, at);
        if (!vcpuOk((s.a[row] = num(vcpu, p, at)))) return false;
        s.b[row] = o < n ? 1 : 0; // the kernel prints "growed" when old < new
        s.x[row] = o;
        s.y[row] = n;
        return true;
      };
    },
  },
  variants: [
    {
      // Before ~5.4: "vcpu %u: ple_window %d (%s %d)" = new window, "grow"/"shrink", old window
      name: 'kvm_ple_window',
      text(store, row, line, at, end) {
        if (!startsAt(line, 'vcpu ', at)) return false;
        const vcpu = readNumber(line, at + 5);
        const newWindow = numberAfter(line, 'ple_window ', scanEnd, end);
        const paren = find(line, '(', scanEnd, end);
        if (Number.isNaN(newWindow) || paren < 0 || !vcpuOk(vcpu)) return false;
        const grow = startsAt(line, 'grow', paren + 1);
        const oldWindow = numberAfter(line, ' ', paren, end);
        if (Number.isNaN(oldWindow)) return false;
        store.a[row] = vcpu;
        store.b[row] = grow ? 1 : 0;
        store.x[row] = oldWindow;
        store.y[row] = newWindow;
        return true;
      },
      binary: {
        fields: ['vcpu_id', 'new', 'old', 'grow'],
        make(fmt, { num }) {
          const [vcpu, next, old, grow] = [fmt.byName.get('vcpu_id')!, fmt.byName.get('new')!, fmt.byName.get('old')!, fmt.byName.get('grow')!];
          return (s, row, p, at) => {
            if (!vcpuOk((s.a[row] = num(vcpu, p, at)))) return false;
            s.b[row] = num(grow, p, at) ? 1 : 0;
            s.x[row] = num(old, p, at);
            s.y[row] = num(next, p, at);
            return true;
          };
        },
      },
    },
  ],
  render: {
    kernel: (s, i) => `vcpu ${s.a[i]} old ${s.x[i]} new ${s.y[i]} (${s.b[i] ? 'growed' : 'shrinked'})`,
    plugin: null,
  },
  written: 'kernel',
};

// ---- kvm_apic_ipi ----------------------------------------------------------------------------

/** The destination shorthand, as the kernel prints it and as ICR bits 18–19 number it. */
const SHORTHANDS = ['dst', 'self', 'all', 'all-but-self'];
/** The shorthand's code from the bytes [start, end), matched in place; 0 (dst) for anything else. */
function shorthandCode(line: Buffer, start: number, end: number): number {
  for (let code = 0; code < SHORTHANDS.length; code++) if (bytesEqual(line, start, end, SHORTHANDS[code])) return code;
  return 0;
}

const apicIpi: EventDescriptor = {
  kind: EventKind.ApicIpi,
  system: 'kvm',
  name: 'kvm_apic_ipi',
  columns: { a: { meaning: 'destination APIC id' }, b: { meaning: 'vector' }, c: { meaning: 'shorthand: 0 dst, 1 self, 2 all, 3 all-but-self' } },
  // "dst %x vec %u (%s|%s|%s|%s|%s)": delivery mode, dest mode, level, trigger, shorthand
  text(store, row, line, at, end) {
    const dst = numberAfter(line, 'dst ', at, end, true);
    const vec = numberAfter(line, ' vec ', scanEnd, end);
    if (Number.isNaN(dst) || Number.isNaN(vec)) return false;
    store.a[row] = dst;
    store.b[row] = vec;
    const close = find(line, ')', scanEnd, end);
    const bar = close > 0 ? findLast(line, '|', scanEnd, close) : -1;
    if (bar > 0) store.c[row] = shorthandCode(line, bar + 1, close);
    return true;
  },
  binary: {
    fields: ['icr_low', 'dest_id'],
    make(fmt, { num }) {
      const [icr, dest] = [fmt.byName.get('icr_low')!, fmt.byName.get('dest_id')!];
      return (s, row, p, at) => {
        const low = num(icr, p, at);
        s.a[row] = num(dest, p, at);
        s.b[row] = low & 0xff;
        s.c[row] = (low >>> 18) & 3;
        return true;
      };
    },
  },
  render: {
    kernel: (s, i) => `dst ${s.a[i].toString(16)} vec ${s.b[i]} (Fixed|physical|assert|edge|${SHORTHANDS[s.c[i]] ?? 'dst'})`,
    plugin: null,
  },
  written: 'kernel',
};

// ---- kvm_apic_accept_irq ---------------------------------------------------------------------

const apicAcceptIrq: EventDescriptor = {
  kind: EventKind.ApicAcceptIrq,
  system: 'kvm',
  name: 'kvm_apic_accept_irq',
  columns: { a: { meaning: 'APIC id' }, b: { meaning: 'vector' } },
  // "apicid %x vec %u (%s|%s)%s"
  text(store, row, line, at, end) {
    const apicId = numberAfter(line, 'apicid ', at, end, true);
    const vec = numberAfter(line, ' vec ', scanEnd, end);
    if (Number.isNaN(apicId) || Number.isNaN(vec)) return false;
    store.a[row] = apicId;
    store.b[row] = vec;
    return true;
  },
  binary: {
    fields: ['apicid', 'vec'],
    make(fmt, { num }) {
      const [apic, vec] = [fmt.byName.get('apicid')!, fmt.byName.get('vec')!];
      return (s, row, p, at) => ((s.a[row] = num(apic, p, at)), (s.b[row] = num(vec, p, at)), true);
    },
  },
  render: { kernel: (s, i) => `apicid ${s.a[i].toString(16)} vec ${s.b[i]} (Fixed|edge)`, plugin: null },
  written: 'kernel',
};

// ---- kvm_vcpu_wakeup -------------------------------------------------------------------------

const vcpuWakeup: EventDescriptor = {
  kind: EventKind.VcpuWakeup,
  system: 'kvm',
  name: 'kvm_vcpu_wakeup',
  columns: { a: { meaning: '1 waited, 0 polled' }, b: { meaning: '1 valid, 0 invalid' }, x: { meaning: 'nanoseconds' } },
  // "%s time %lld ns, polling %s": wait|poll, valid|invalid
  text(store, row, line, at, end) {
    const ns = numberAfter(line, 'time ', at, end);
    if (Number.isNaN(ns)) return false;
    store.a[row] = startsAt(line, 'wait', at) ? 1 : 0;
    store.b[row] = find(line, 'invalid', scanEnd, end) >= 0 ? 0 : 1;
    store.x[row] = ns;
    return true;
  },
  binary: {
    fields: ['ns', 'waited'],
    make(fmt, { num }) {
      const [ns, waited, valid] = [fmt.byName.get('ns')!, fmt.byName.get('waited')!, fmt.byName.get('valid')];
      return (s, row, p, at) => ((s.a[row] = num(waited, p, at) ? 1 : 0), (s.b[row] = valid ? (num(valid, p, at) ? 1 : 0) : 1), (s.x[row] = num(ns, p, at)), true);
    },
  },
  render: { kernel: (s, i) => `${s.a[i] ? 'wait' : 'poll'} time ${s.x[i]} ns, polling ${s.b[i] ? 'valid' : 'invalid'}`, plugin: null },
  written: 'kernel',
};

// ---- kvm_eoi ---------------------------------------------------------------------------------

// A vCPU's end-of-interrupt (TRACE_EVENT(kvm_eoi): apicid = apic->vcpu->vcpu_id, vector;
// TP_printk("apicid %x vector %d")). lapic.c fires it in apic_set_eoi() (a trapped write of the
// EOI register: xAPIC MMIO or the x2APIC MSR) and kvm_apic_set_eoi_accelerated() (APICv's
// EOI-induced exit for vectors in the EOI-exit bitmap). An edge-triggered IPI's EOI under APICv
// virtual-interrupt delivery completes without an exit and is not traced. The 2025 IPI-aware
// directed-yield series clears its IPI context on the same two paths (kvm_clear_ipi_on_eoi).
const kvmEoi: EventDescriptor = {
  kind: EventKind.KvmEoi,
  system: 'kvm',
  name: 'kvm_eoi',
  columns: { a: { meaning: 'APIC id (vcpu_id)' }, b: { meaning: 'vector' } },
  text(store, row, line, at, end) {
    const apicId = numberAfter(line, 'apicid ', at, end, true);
    const vector = numberAfter(line, ' vector ', scanEnd, end);
    if (Number.isNaN(apicId) || Number.isNaN(vector) || apicId > 0x7fffffff) return false;
    store.a[row] = apicId;
    store.b[row] = vector;
    return true;
  },
  binary: {
    fields: ['apicid', 'vector'],
    make(fmt, { num }) {
      const [apic, vector] = [fmt.byName.get('apicid')!, fmt.byName.get('vector')!];
      return (s, row, p, at) => ((s.a[row] = num(apic, p, at)), (s.b[row] = num(vector, p, at)), true);
    },
  },
  render: { kernel: (s, i) => `apicid ${s.a[i].toString(16)} vector ${s.b[i]}`, plugin: null },
  written: 'kernel',
};

export const KVM_EVENTS: readonly EventDescriptor[] = [kvmExit, kvmEntry, pleWindow, apicIpi, apicAcceptIrq, vcpuWakeup, kvmEoi];
