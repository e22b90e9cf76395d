// Recording a host trace: a private tracefs instance with the sched and kvm events (and the
// yield_to probes when they exist), on for the requested time, then `trace-cmd extract` into a
// trace.dat; the instance is removed whatever happens. Without permission it says exactly
// what is missing and the command line that records by hand.

import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledError } from './textImporter';

export const RECORDED_EVENTS = [
  'sched/sched_switch',
  'sched/sched_wakeup',
  'sched/sched_waking',
  'sched/sched_migrate_task',
  'kvm/kvm_exit',
  'kvm/kvm_entry',
  'kvm/kvm_ple_window_update',
  'kvm/kvm_ple_window',
  'kvm/kvm_apic_ipi',
  'kvm/kvm_apic_accept_irq',
  'kvm/kvm_vcpu_wakeup',
  'probe/yield_to',
  'probe/yield_to__return',
];

export interface RecordOptions {
  durationS: number;
  out: string;
  /** Defaults to /sys/kernel/tracing. */
  tracefs?: string;
  /** Per-CPU ring buffer, KiB (default 64 MiB). */
  bufferKb?: number;
  signal?: AbortSignal;
  onProgress?: (elapsedS: number, totalS: number) => void;
}

export interface RecordResult {
  file: string;
  bytes: number;
  enabled: string[];
}

/** Missing root, tracefs or trace-cmd: the message names it and gives the manual command. */
export class RecordPermissionError extends Error {
  constructor(
    readonly missing: string,
    readonly manualCommand: string,
  ) {
    super(`cannot record: ${missing}. To record by hand, as root: ${manualCommand}`);
  }
}

export function manualRecordCommand(durationS: number, out: string): string {
  const events = RECORDED_EVENTS.filter((e) => !e.startsWith('probe/') && e !== 'kvm/kvm_ple_window').map((e) => `-e ${e.replace('/', ':')}`);
  return `trace-cmd record ${events.join(' ')} -o ${out} sleep ${durationS}`;
}

export async function recordHostTrace(o: RecordOptions): Promise<RecordResult> {
  const tracefs = o.tracefs ?? '/sys/kernel/tracing';
  const manual = manualRecordCommand(o.durationS, o.out);
  if (!(o.durationS > 0 && o.durationS <= 3600)) throw new RangeError(`duration must be between 0 and 3600 s (got ${o.durationS})`);
  const instances = join(tracefs, 'instances');
  if (!existsSync(instances)) throw new RecordPermissionError(`no tracefs at ${tracefs} (mount it: mount -t tracefs nodev ${tracefs})`, manual);
  try {
    accessSync(instances, constants.W_OK);
  } catch {
    throw new RecordPermissionError(`${instances} is not writable (needs root)`, manual);
  }
  if (spawnSync('trace-cmd', ['--version'], { stdio: 'ignore' }).error) throw new RecordPermissionError('trace-cmd is not installed (Debian: apt-get install trace-cmd)', manual);

  const name = `kvmspin_${process.pid}_${Date.now() % 100000}`;
  const inst = join(instances, name);
  try {
    mkdirSync(inst);
  } catch (err) {
    throw new RecordPermissionError(`cannot create a tracefs instance (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, manual);
  }
  try {
    const enabled = RECORDED_EVENTS.filter((e) => {
      const file = join(inst, 'events', e, 'enable');
      if (!existsSync(file)) return false;
      writeFileSync(file, '1');
      return true;
    });
    if (!enabled.some((e) => e.startsWith('sched/'))) throw new RecordPermissionError('this kernel offers no sched tracepoints', manual);
    writeFileSync(join(inst, 'buffer_size_kb'), String(o.bufferKb ?? 65536));
    writeFileSync(join(inst, 'tracing_on'), '1');
    const start = Date.now();
    try {
      while (Date.now() - start < o.durationS * 1000) {
        if (o.signal?.aborted) throw new CancelledError();
        o.onProgress?.((Date.now() - start) / 1000, o.durationS);
        await new Promise((r) => setTimeout(r, Math.min(250, o.durationS * 1000 - (Date.now() - start))));
      }
    } finally {
      writeFileSync(join(inst, 'tracing_on'), '0');
    }
    o.onProgress?.(o.durationS, o.durationS);
    await run('trace-cmd', ['extract', '-B', name, '-o', o.out], o.signal);
    return { file: o.out, bytes: statSync(o.out).size, enabled };
  } finally {
    try {
      rmdirSync(inst);
    } catch {
      // trace-cmd extract may have removed it already
    }
  }
}

function run(cmd: string, args: string[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const abort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', abort);
    child.on('error', reject);
    child.on('close', (code) => {
      signal?.removeEventListener('abort', abort);
      if (signal?.aborted) reject(new CancelledError());
      else if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args[0]} failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
}
