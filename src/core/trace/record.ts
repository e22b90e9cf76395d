// Recording a host trace: a private tracefs instance with the sched and kvm events (and the
// yield_to probes when they exist), on for the requested time, then `trace-cmd extract` into a
// trace.dat; the instance is removed whatever happens. The output is checked before anything
// starts and appears only when whole. Without permission it says exactly what is missing and
// the command line that records by hand.

import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledError } from './textImporter';
import { asOutputError, checkOutputFile, commitPartial, partialPathFor, removePartials } from '../outputFile';
import { GUEST_EVENT_DESCRIPTORS } from '../events/guest';

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
  'kvm/kvm_eoi',
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

/**
 * Guest tracepoints that say what a spinning vCPU waits for: lock contention (5.19+,
 * include/trace/events/lock.h), IPI sends (6.5+, ipi.h), smp_call_function queueing and
 * running (6.5+, csd.h) — the events the guest descriptors read — and the guest's own context
 * switches.
 */
export const GUEST_EVENTS = [...GUEST_EVENT_DESCRIPTORS.map((d) => `${d.system}:${d.name}`), 'sched:sched_switch'];

/** trace-cmd agent's vsock port (TRACE_AGENT_DEFAULT_PORT in trace-cmd's tracecmd/include/trace-local.h). */
export const TRACE_CMD_AGENT_PORT = 823;

export interface GuestTarget {
  /** The guest's name (as trace-cmd finds it among the QEMU processes, or as the output file names it). */
  name: string;
  /** Its vsock context id, when given. */
  cid: number | null;
}

/** NAME or NAME@CID, as `kvm-spin record --guest` takes it; throws a RangeError naming what was expected. */
export function parseGuestTarget(text: string): GuestTarget {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]{0,63})(?:@(\d{1,10}))?$/.exec(text);
  const cid = m?.[2] === undefined ? null : Number(m[2]);
  // CIDs 0-2 are the hypervisor, local and host addresses (VMADDR_CID_HOST = 2): a guest has 3 or more.
  if (!m || (cid !== null && (cid < 3 || cid > 0xfffffffe))) throw new RangeError(`--guest: expected NAME or NAME@CID (a vsock context id of 3 or more), got '${text}'`);
  return { name: m[1], cid };
}

/**
 * The command lines of a host + guest session and what the guest needs. trace-cmd record
 * takes `-A name@cid:port` for an agent (parse_guest_name() in tracecmd/trace-record.c: the
 * name alone is looked up among QEMU guests, `--name` names it when only a CID is known); the
 * options after -A apply to that guest; the guest's trace goes to a second file named after the
 * output and the guest (`trace-NAME.dat` beside `trace.dat`). `-C x86-tsc` on both sides is the
 * clock trace-cmd's KVM time synchronisation reads (the host file then carries TSC2NSEC and the
 * guest file TIME_SHIFT); `--tsync-interval` (ms) sets how often the offsets are sampled and
 * "works only if there is support for VSOCK" (Documentation/trace-cmd/trace-cmd-record.1.txt).
 */
export function hostGuestCommands(guest: GuestTarget, durationS: number, out: string): { commands: string[]; guestNeeds: string[] } {
  const host = RECORDED_EVENTS.filter((e) => !e.startsWith('probe/') && e !== 'kvm/kvm_ple_window').map((e) => `-e ${e.replace('/', ':')}`);
  const agent = guest.cid === null ? guest.name : `${guest.name}@${guest.cid}`;
  const guestEvents = GUEST_EVENTS.map((e) => `-e ${e}`);
  const record = ['trace-cmd record -C x86-tsc', ...host, `-A ${agent}:${TRACE_CMD_AGENT_PORT}`, `--name ${guest.name}`, '-C x86-tsc', ...guestEvents, '--tsync-interval 100', `-o ${out}`, `sleep ${durationS}`];
  const guestFile = out.replace(/([^/]*?)(\.dat)?$/, (_m, base: string) => `${base}-${guest.name}.dat`);
  return {
    commands: [
      `# in the guest, as root (leave it running): trace-cmd agent -p ${TRACE_CMD_AGENT_PORT}`,
      `# on the host, as root:`,
      record.join(' '),
      `# then: kvm-spin analyze ${out} --guest ${guestFile}`,
    ],
    guestNeeds: [
      `trace-cmd (with vsock support) installed in the guest and \`trace-cmd agent\` running there as root, listening on vsock port ${TRACE_CMD_AGENT_PORT}`,
      `a virtio-vsock device with a context id: QEMU -device vhost-vsock-pci,guest-cid=${guest.cid ?? 'CID'} (libvirt: <vsock model='virtio'><cid auto='no' address='${guest.cid ?? 'CID'}'/></vsock>), the host's vhost_vsock module loaded, the guest's vmw_vsock_virtio_transport`,
      'the guest kernel\'s tracepoints: lock:contention_begin/end (5.19+), ipi:ipi_send_cpu/ipi_send_cpumask and csd:csd_queue_cpu/csd_function_entry/csd_function_exit (6.5+), sched:sched_switch; tracefs mounted in the guest (trace-cmd list -e shows them)',
      'the x86-tsc trace clock on host and guest (a constant, invariant TSC), for trace-cmd\'s KVM time synchronisation',
    ],
  };
}

export async function recordHostTrace(o: RecordOptions): Promise<RecordResult> {
  const tracefs = o.tracefs ?? '/sys/kernel/tracing';
  const manual = manualRecordCommand(o.durationS, o.out);
  if (!(o.durationS > 0 && o.durationS <= 3600)) throw new RangeError(`duration must be between 0 and 3600 s (got ${o.durationS})`);
  // The output first: a bad --out must not cost a whole recording.
  checkOutputFile(o.out);
  const instances = writableInstances(tracefs, manual);
  if (spawnSync('trace-cmd', ['--version'], { stdio: 'ignore' }).error) throw new RecordPermissionError('trace-cmd is not installed (Debian: apt-get install trace-cmd)', manual);

  const name = `kvmspin_${process.pid}_${Date.now() % 100000}`;
  const inst = join(instances, name);
  try {
    mkdirSync(inst);
  } catch (err) {
    throw new RecordPermissionError(`cannot create a tracefs instance (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, manual);
  }
  // The instance holds a ring buffer per CPU: it goes on every way out, the last resort being
  // an exit of the process that skips this function's finally (process.exit, an unhandled error).
  const removeInstance = () => removeTracefsInstance(inst);
  process.on('exit', removeInstance);
  const partial = partialPathFor(o.out);
  try {
    const enabled = await traceFor(inst, o, manual);
    try {
      await run('trace-cmd', ['extract', '-B', name, '-o', partial], o.signal);
      commitPartial(partial, o.out);
    } catch (err) {
      throw asOutputError(err, o.out);
    }
    return { file: o.out, bytes: statSync(o.out).size, enabled };
  } finally {
    // The partial trace.dat and the per-CPU temporary files trace-cmd names after it.
    removePartials(o.out);
    removeInstance();
    process.off('exit', removeInstance);
  }
}

/** The instances folder of a tracefs we may create instances in, or why not. */
function writableInstances(tracefs: string, manual: string): string {
  const instances = join(tracefs, 'instances');
  try {
    statSync(instances);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new RecordPermissionError(`permission denied on ${tracefs}: tracefs is mounted but only root may use it (run as root, e.g. with sudo, or let a group in with the tracefs mount option gid=GROUP)`, manual);
    }
    throw new RecordPermissionError(`no tracefs at ${tracefs} (mount it: mount -t tracefs nodev ${tracefs})`, manual);
  }
  try {
    accessSync(instances, constants.W_OK);
  } catch {
    throw new RecordPermissionError(`${instances} is not writable (needs root)`, manual);
  }
  return instances;
}

/** Enables the events in the instance and traces for the requested time; returns the events. */
async function traceFor(inst: string, o: RecordOptions, manual: string): Promise<string[]> {
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
      await abortableSleep(Math.min(250, o.durationS * 1000 - (Date.now() - start)), o.signal);
    }
  } finally {
    writeFileSync(join(inst, 'tracing_on'), '0');
  }
  o.onProgress?.(o.durationS, o.durationS);
  return enabled;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}

/** Removes the instance (and so its buffers); synchronous, so it also works in an 'exit' handler. */
function removeTracefsInstance(inst: string): void {
  try {
    writeFileSync(join(inst, 'tracing_on'), '0');
  } catch {
    // already gone
  }
  try {
    rmdirSync(inst);
  } catch {
    // already gone
  }
}

/** Lets a child stopped by SIGTERM go before it is killed outright. */
const KILL_AFTER_MS = 2000;
/** Messages of trace-cmd for a full or read-only disk, as the errno they stand for. */
const WRITE_FAILURES: [RegExp, string][] = [
  [/No space left on device/i, 'ENOSPC'],
  [/Disk quota exceeded/i, 'EDQUO'],
  [/Read-only file system/i, 'EROFS'],
];

function run(cmd: string, args: string[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
    let killTimer: NodeJS.Timeout | undefined;
    const abort = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    };
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', abort);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', abort);
      const failure = WRITE_FAILURES.find(([pattern]) => pattern.test(stderr));
      if (signal?.aborted) reject(new CancelledError());
      else if (code === 0) resolve();
      else if (failure) reject(Object.assign(new Error(stderr.trim()), { code: failure[1] }));
      else reject(new Error(`${cmd} ${args[0]} failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
}
