// Writes a simulated run into the columnar EventStore imported traces use (trace/model.ts),
// one method per host tracepoint the simulator emits, so a run goes through the same analysis.
// Rows are written only while measuring; past the cap the run goes on unrecorded. A run that
// records nothing has no recorder (the simulator calls it with ?., which skips the arguments).

import { EventKind, EventStore, PrevState, PREEMPT_FLAG } from '../trace/model';
import type { SchedTask } from './host/scheduler';
import type { Vcpu } from './guest/vcpu';

/** What the recorder reads of the simulation: the time and whether the warm-up is over. */
export interface RecorderClock {
  readonly now: number;
  readonly measuring: boolean;
}

export class SimRecorder {
  /** Interned exit-reason strings. */
  private readonly reasons: Record<string, number> = {};

  constructor(
    readonly store: EventStore,
    private readonly maxRecorded: number,
    private readonly clock: RecorderClock,
    private readonly warnings: string[],
  ) {}

  noteThread(tid: number, comm: string, tgid: number): void {
    this.store.noteThread(tid, comm, tgid);
  }

  /** A new row of `kind`, or -1 when not recording. */
  private row(kind: EventKind, tid: number, cpu: number): number {
    const store = this.store;
    if (!this.clock.measuring) return -1;
    const now = this.clock.now;
    if (store.length >= this.maxRecorded) {
      if (store.length === this.maxRecorded) {
        this.warnings.push(`recording stopped at ${this.maxRecorded} events; the run went on`);
        store.push(now, cpu, tid, kind, store.length + 1);
      }
      return -1;
    }
    return store.push(now, cpu, tid, kind, store.length + 1);
  }

  private reasonId(reason: string): number {
    return (this.reasons[reason] ??= this.store.strings.intern(reason));
  }

  kvmEntry(v: Vcpu): void {
    const row = this.row(EventKind.KvmEntry, v.task.tid, v.task.cpu);
    if (row >= 0) this.store.a[row] = v.idx;
  }

  kvmExit(v: Vcpu, reason: string): void {
    const row = this.row(EventKind.KvmExit, v.task.tid, v.task.cpu);
    if (row < 0) return;
    this.store.a[row] = v.idx;
    this.store.b[row] = this.reasonId(reason);
  }

  /**
   * resched_curr() from another pCPU kicks a vCPU out of the guest with the reschedule IPI
   * (an EXTERNAL_INTERRUPT exit); when the pick keeps it, it re-enters at once. Recorded as the
   * host trace would show it; the run's timing is left as it was.
   */
  kickedGuest(v: Vcpu): void {
    const exit = this.row(EventKind.KvmExit, v.task.tid, v.task.cpu);
    if (exit < 0) return;
    this.store.a[exit] = v.idx;
    this.store.b[exit] = this.reasonId('EXTERNAL_INTERRUPT');
    this.kvmEntry(v);
  }

  /**
   * The handler's EOI write, trapped by KVM (apic_set_eoi → kvm:kvm_eoi, see events/kvm.ts):
   * where the 2025 series clears its IPI context, so a host trace shows it. Only the
   * tracepoint is recorded; the exit that carries it is folded into the handler's time.
   */
  eoi(v: Vcpu, vector: number): void {
    const row = this.row(EventKind.KvmEoi, v.task.tid, v.task.cpu);
    if (row < 0) return;
    this.store.a[row] = v.idx;
    this.store.b[row] = vector;
  }

  /** A probe on `name` in `me`'s thread (a function entry, or its return with the value). */
  probe(me: Vcpu, name: string, isReturn: boolean, value: number): void {
    const row = this.row(EventKind.Probe, me.task.tid, me.task.cpu);
    if (row < 0) return;
    const s = this.store;
    s.a[row] = s.strings.intern(name);
    s.b[row] = isReturn ? 1 : 0;
    s.x[row] = value;
  }

  /** sched_migrate_task: a = pid, b = orig cpu, c = dest cpu. */
  migrate(task: SchedTask, from: number, to: number): void {
    const row = this.row(EventKind.SchedMigrate, task.tid, to);
    if (row < 0) return;
    const s = this.store;
    s.a[row] = task.tid;
    s.b[row] = from;
    s.c[row] = to;
  }

  /** kvm_ple_window_update. */
  pleWindow(v: Vcpu, old: number, next: number, grow: boolean): void {
    const row = this.row(EventKind.PleWindow, v.task.tid, v.task.cpu);
    if (row < 0) return;
    const s = this.store;
    s.a[row] = v.idx;
    s.b[row] = grow ? 1 : 0;
    s.x[row] = old;
    s.y[row] = next;
  }

  schedSwitch(cpu: number, prev: SchedTask | null, next: SchedTask | null): void {
    const row = this.row(EventKind.SchedSwitch, prev ? prev.tid : 0, cpu);
    if (row < 0) return;
    const s = this.store;
    s.a[row] = prev ? prev.tid : 0;
    s.b[row] = prev ? (prev.onRq ? PrevState.Runnable | PREEMPT_FLAG : PrevState.Sleeping) : PrevState.Runnable;
    s.c[row] = next ? next.tid : 0;
  }

  /** kvm_apic_ipi from `sender` to `receiver`. */
  apicIpi(sender: Vcpu, receiver: Vcpu, vector: number): void {
    const row = this.row(EventKind.ApicIpi, sender.task.tid, sender.task.cpu);
    if (row < 0) return;
    this.store.a[row] = receiver.idx;
    this.store.b[row] = vector;
  }

  schedWakeup(v: Vcpu): void {
    const row = this.row(EventKind.SchedWakeup, v.task.tid, v.task.cpu);
    if (row < 0) return;
    this.store.a[row] = v.task.tid;
    this.store.b[row] = v.task.cpu;
  }

  /** kvm_vcpu_wakeup: `waited` false when the halt poll saw the wake-up. */
  vcpuWakeup(v: Vcpu, waited: boolean, blockNs: number): void {
    const row = this.row(EventKind.VcpuWakeup, v.task.tid, v.task.cpu);
    if (row < 0) return;
    const s = this.store;
    s.a[row] = waited ? 1 : 0;
    s.b[row] = 1; // vcpu_valid_wakeup() is always true on x86
    s.x[row] = blockNs;
  }
}
