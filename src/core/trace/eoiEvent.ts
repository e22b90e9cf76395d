// kvm:kvm_eoi — a vCPU's end-of-interrupt, as KVM traces it (arch/x86/kvm/trace.h,
// TRACE_EVENT(kvm_eoi): fields apicid = apic->vcpu->vcpu_id (u32) and vector (int);
// TP_printk("apicid %x vector %d")). lapic.c fires it in apic_set_eoi() (a trapped write of the
// APIC EOI register: xAPIC MMIO or the x2APIC MSR) and in kvm_apic_set_eoi_accelerated() (the
// EOI-induced exit APICv takes for vectors in the EOI-exit bitmap). An edge-triggered IPI's EOI
// under APICv virtual-interrupt delivery is completed by the CPU without an exit and is not
// traced. The 2025 IPI-aware directed-yield series clears its IPI context on the same two paths
// (kvm_clear_ipi_on_eoi), so a host trace with kvm_eoi shows exactly when that context goes.
// Store columns: a = APIC id (vcpu_id), b = vector.

import type { EventStore } from './model';

export const KVM_EOI = 'kvm_eoi';

const TEXT = /^apicid ([0-9a-fA-F]+) vector (-?\d+)/;

/** The text payload "apicid %x vector %d" at `at` (before `end`) into `row`; false when malformed. */
export function decodeKvmEoiText(store: EventStore, row: number, line: string, at: number, end: number): boolean {
  const m = TEXT.exec(line.slice(at, Math.min(end, at + 64)));
  if (!m) return false;
  const apicId = parseInt(m[1], 16);
  if (apicId > 0x7fffffff) return false;
  store.a[row] = apicId;
  store.b[row] = Number(m[2]);
  return true;
}

/** The payload as the kernel prints it (for run files written as text). */
export function kvmEoiText(store: EventStore, row: number): string {
  return `apicid ${store.a[row].toString(16)} vector ${store.b[row]}`;
}

/** trace.dat: the fields the binary decoder reads. */
export const KVM_EOI_FIELDS = ['apicid', 'vector'] as const;
