// Decoders for the payload of each event the analysis uses, in both renderings found in the
// wild: the kernel's own TP_printk format (raw ftrace, `trace-cmd report -N`, perf without
// plugins) and trace-cmd's plugin format (plugin_kvm / plugin_sched: compact sched events,
// kvm_exit without a vcpu number). Field names and layouts follow arch/x86/kvm/trace.h and
// include/trace/events/sched.h.

import { EventKind, EventStore, PREEMPT_FLAG, PrevState } from './model';
import { eventOf, groupOf, type LineHead } from './lineHead';

export const DecodeResult = { Stored: 0, Other: 1, Malformed: 2 } as const;
export type DecodeResult = (typeof DecodeResult)[keyof typeof DecodeResult];

type Decoder = (store: EventStore, row: number, line: string, at: number) => boolean;

const DECODERS = new Map<string, [EventKind, Decoder]>([
  ['kvm_exit', [EventKind.KvmExit, decodeKvmExit]],
  ['kvm_entry', [EventKind.KvmEntry, decodeKvmEntry]],
  ['kvm_ple_window_update', [EventKind.PleWindow, decodePleWindowUpdate]],
  ['kvm_ple_window', [EventKind.PleWindow, decodeOldPleWindow]],
  ['kvm_apic_ipi', [EventKind.ApicIpi, decodeApicIpi]],
  ['kvm_apic_accept_irq', [EventKind.ApicAcceptIrq, decodeAcceptIrq]],
  ['kvm_vcpu_wakeup', [EventKind.VcpuWakeup, decodeVcpuWakeup]],
  ['sched_switch', [EventKind.SchedSwitch, decodeSchedSwitch]],
  ['sched_wakeup', [EventKind.SchedWakeup, decodeWakeup]],
  ['sched_waking', [EventKind.SchedWaking, decodeWakeup]],
  ['sched_wakeup_new', [EventKind.SchedWakeupNew, decodeWakeup]],
  ['sched_migrate_task', [EventKind.SchedMigrate, decodeMigrate]],
]);

// Decoders by name length, so that the event name is matched in place, without a slice.
const BY_LENGTH: [string, EventKind, Decoder][][] = [];
for (const [name, [kind, decoder]] of DECODERS) (BY_LENGTH[name.length] ??= []).push([name, kind, decoder]);

function knownEvent(line: string, head: LineHead): [string, EventKind, Decoder] | undefined {
  const candidates = BY_LENGTH[head.eventEnd - head.eventStart];
  if (candidates === undefined) return undefined;
  for (const entry of candidates) if (line.startsWith(entry[0], head.eventStart)) return entry;
  return undefined;
}

/** Stores the event of one parsed line (or counts it as "other"). */
export function decodeEvent(store: EventStore, head: LineHead, line: string, lineNo: number): DecodeResult {
  const entry = knownEvent(line, head);
  const group = head.groupStart < 0 ? '' : groupOf(line, head);
  if (entry !== undefined && (group === '' || group === 'kvm' || group === 'sched')) {
    const row = store.push(head.tsNs, head.cpu, head.tid, entry[1], lineNo);
    if (entry[2](store, row, line, head.payloadStart)) return DecodeResult.Stored;
    store.length--; // drop the half-written row
    return DecodeResult.Malformed;
  }
  if (isProbePayload(line, head.payloadStart)) {
    const row = store.push(head.tsNs, head.cpu, head.tid, EventKind.Probe, lineNo);
    decodeProbe(store, row, line, head.payloadStart, eventOf(line, head));
    return DecodeResult.Stored;
  }
  store.countOther(group ? `${group}:${eventOf(line, head)}` : eventOf(line, head));
  return DecodeResult.Other;
}

// ---- small scanners -------------------------------------------------------------------------

let scanEnd = 0; // end index of the last number read (module-local cursor, single-threaded)

/** Reads a decimal (or 0x-hex when `hex` or prefixed) integer at i; NaN when none. */
function readNumber(line: string, i: number, hex = false): number {
  const n = line.length;
  let neg = false;
  if (line.charCodeAt(i) === 45) {
    neg = true;
    i++;
  }
  if (line.charCodeAt(i) === 48 && (line.charCodeAt(i + 1) | 32) === 120) {
    hex = true;
    i += 2;
  }
  const start = i;
  let value = 0;
  if (hex) {
    for (; i < n; i++) {
      const c = line.charCodeAt(i) | 32;
      if (c >= 48 && c <= 57) value = value * 16 + c - 48;
      else if (c >= 97 && c <= 102) value = value * 16 + c - 87;
      else break;
    }
  } else {
    for (; i < n; i++) {
      const c = line.charCodeAt(i);
      if (c >= 48 && c <= 57) value = value * 10 + c - 48;
      else break;
    }
  }
  scanEnd = i;
  if (i === start) return NaN;
  return neg ? -value : value;
}

/** The number after `key` (e.g. "vcpu ") searched from `from`; NaN when the key is absent. */
function numberAfter(line: string, key: string, from: number, hex = false): number {
  const k = line.indexOf(key, from);
  if (k < 0) return NaN;
  return readNumber(line, k + key.length, hex);
}

function tokenAt(line: string, i: number): string {
  let e = i;
  while (e < line.length && line.charCodeAt(e) !== 32 && line.charCodeAt(e) !== 9) e++;
  return line.slice(i, e);
}

// ---- kvm -------------------------------------------------------------------------------------

// "reason X rip 0x.. info a b"                                   (<= 5.3, and trace-cmd's plugin)
// "vcpu N reason X rip 0x.. info a b"                            (5.4 .. 5.9)
// "vcpu N reason X[ FLAGS] rip 0x.. info1 0x.. info2 0x.. ..."   (5.10+)
function decodeKvmExit(store: EventStore, row: number, line: string, at: number): boolean {
  let vcpu = -1;
  if (line.startsWith('vcpu ', at)) {
    vcpu = readNumber(line, at + 5);
    if (Number.isNaN(vcpu)) return false;
  }
  const r = line.indexOf('reason ', at);
  if (r < 0) return false;
  const reason = tokenAt(line, r + 7);
  if (!reason) return false;
  store.a[row] = vcpu;
  store.b[row] = store.strings.intern(reason);
  return true;
}

// "vcpu N" / "vcpu N, rip 0x.." / "vcpu N rip 0x.." (plugin)
function decodeKvmEntry(store: EventStore, row: number, line: string, at: number): boolean {
  if (!line.startsWith('vcpu ', at)) return false;
  const vcpu = readNumber(line, at + 5);
  if (Number.isNaN(vcpu)) return false;
  store.a[row] = vcpu;
  return true;
}

// "vcpu %u old %u new %u (%s)" with "growed" / "shrinked"
function decodePleWindowUpdate(store: EventStore, row: number, line: string, at: number): boolean {
  if (!line.startsWith('vcpu ', at)) return false;
  const vcpu = readNumber(line, at + 5);
  const oldWindow = numberAfter(line, ' old ', scanEnd);
  const newWindow = numberAfter(line, ' new ', scanEnd);
  if (Number.isNaN(vcpu) || Number.isNaN(oldWindow) || Number.isNaN(newWindow)) return false;
  store.a[row] = vcpu;
  store.b[row] = line.indexOf('(grow', scanEnd) >= 0 ? 1 : line.indexOf('(shrink', scanEnd) >= 0 ? 0 : newWindow > oldWindow ? 1 : 0;
  store.x[row] = oldWindow;
  store.y[row] = newWindow;
  return true;
}

// Before ~5.4: "vcpu %u: ple_window %d (%s %d)" = new window, "grow"/"shrink", old window
function decodeOldPleWindow(store: EventStore, row: number, line: string, at: number): boolean {
  if (!line.startsWith('vcpu ', at)) return false;
  const vcpu = readNumber(line, at + 5);
  const newWindow = numberAfter(line, 'ple_window ', scanEnd);
  const paren = line.indexOf('(', scanEnd);
  if (Number.isNaN(vcpu) || Number.isNaN(newWindow) || paren < 0) return false;
  const grow = line.startsWith('grow', paren + 1);
  const oldWindow = numberAfter(line, ' ', paren);
  if (Number.isNaN(oldWindow)) return false;
  store.a[row] = vcpu;
  store.b[row] = grow ? 1 : 0;
  store.x[row] = oldWindow;
  store.y[row] = newWindow;
  return true;
}

const SHORTHANDS: Record<string, number> = { dst: 0, self: 1, all: 2, 'all-but-self': 3 };

// "dst %x vec %u (%s|%s|%s|%s|%s)": delivery mode, dest mode, level, trigger, shorthand
function decodeApicIpi(store: EventStore, row: number, line: string, at: number): boolean {
  const dst = numberAfter(line, 'dst ', at, true);
  const vec = numberAfter(line, ' vec ', scanEnd);
  if (Number.isNaN(dst) || Number.isNaN(vec)) return false;
  store.a[row] = dst;
  store.b[row] = vec;
  const close = line.indexOf(')', scanEnd);
  const bar = line.lastIndexOf('|', close);
  if (close > 0 && bar > 0) store.c[row] = SHORTHANDS[line.slice(bar + 1, close)] ?? 0;
  return true;
}

// "apicid %x vec %u (%s|%s)%s"
function decodeAcceptIrq(store: EventStore, row: number, line: string, at: number): boolean {
  const apicId = numberAfter(line, 'apicid ', at, true);
  const vec = numberAfter(line, ' vec ', scanEnd);
  if (Number.isNaN(apicId) || Number.isNaN(vec)) return false;
  store.a[row] = apicId;
  store.b[row] = vec;
  return true;
}

// "%s time %lld ns, polling %s": wait|poll, valid|invalid
function decodeVcpuWakeup(store: EventStore, row: number, line: string, at: number): boolean {
  const ns = numberAfter(line, 'time ', at);
  if (Number.isNaN(ns)) return false;
  store.a[row] = line.startsWith('wait', at) ? 1 : 0;
  store.b[row] = line.indexOf('invalid', scanEnd) >= 0 ? 0 : 1;
  store.x[row] = ns;
  return true;
}

// ---- sched -----------------------------------------------------------------------------------

function prevStateCode(state: string): number {
  const first = state.charCodeAt(0);
  let code: number;
  if (first === 82 /* R */) code = PrevState.Runnable;
  else if (first === 83 /* S */) code = PrevState.Sleeping;
  else if (first === 68 /* D */) code = PrevState.Disk;
  else code = PrevState.Other;
  if (state.endsWith('+')) code |= PREEMPT_FLAG;
  return code;
}

function decodeSchedSwitch(store: EventStore, row: number, line: string, at: number): boolean {
  const arrow = line.indexOf(' ==> ', at);
  if (arrow < 0) return false;
  if (line.startsWith('prev_comm=', at)) {
    // Kernel format: prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s ==> next_comm=%s next_pid=%d next_prio=%d
    const pp = line.lastIndexOf(' prev_pid=', arrow);
    const ps = line.lastIndexOf(' prev_state=', arrow);
    const nc = arrow + 5;
    if (pp < 0 || ps < 0 || !line.startsWith('next_comm=', nc)) return false;
    const np = line.lastIndexOf(' next_pid=');
    if (np < nc) return false;
    const prevPid = readNumber(line, pp + 10);
    const nextPid = readNumber(line, np + 10);
    if (Number.isNaN(prevPid) || Number.isNaN(nextPid)) return false;
    store.a[row] = prevPid;
    store.b[row] = prevStateCode(line.slice(ps + 12, arrow));
    store.c[row] = nextPid;
    store.noteThread(prevPid, fixComm(line.slice(at + 10, pp)));
    store.noteThread(nextPid, fixComm(line.slice(nc + 10, np)));
    return true;
  }
  // trace-cmd plugin: prev_comm:prev_pid [prio] STATE ==> next_comm:next_pid [prio]
  const stateSpace = line.lastIndexOf(' ', arrow - 1);
  if (stateSpace <= at) return false;
  const prev = commPidPrio(line, at, stateSpace);
  const next = commPidPrio(line, arrow + 5, trimEnd(line));
  if (!prev || !next) return false;
  store.a[row] = prev.pid;
  store.b[row] = prevStateCode(line.slice(stateSpace + 1, arrow));
  store.c[row] = next.pid;
  store.noteThread(prev.pid, prev.comm);
  store.noteThread(next.pid, next.comm);
  return true;
}

function trimEnd(line: string): number {
  let e = line.length;
  while (e > 0 && (line.charCodeAt(e - 1) === 32 || line.charCodeAt(e - 1) === 9)) e--;
  return e;
}

/** `comm:pid [prio]` ending exactly at `end`, parsed from the right. */
function commPidPrio(line: string, start: number, end: number): { comm: string; pid: number } | null {
  if (line.charCodeAt(end - 1) !== 93 /* ] */) return null;
  const open = line.lastIndexOf(' [', end);
  if (open <= start) return null;
  const colon = line.lastIndexOf(':', open);
  if (colon < start) return null;
  const pid = readNumber(line, colon + 1);
  if (Number.isNaN(pid) || scanEnd !== open) return null;
  return { comm: fixComm(line.slice(start, colon)), pid };
}

// Kernel: "comm=%s pid=%d prio=%d [success=1 ]target_cpu=%03d"
// Plugin: "comm:pid [prio] [success=1 ]CPU:%03d"
function decodeWakeup(store: EventStore, row: number, line: string, at: number): boolean {
  if (line.startsWith('comm=', at)) {
    const p = line.indexOf(' pid=', at);
    if (p < 0) return false;
    const pid = readNumber(line, p + 5);
    const cpu = numberAfter(line, 'target_cpu=', scanEnd);
    if (Number.isNaN(pid)) return false;
    store.a[row] = pid;
    store.b[row] = Number.isNaN(cpu) ? -1 : cpu;
    store.noteThread(pid, fixComm(line.slice(at + 5, p)));
    return true;
  }
  const cpuKey = line.lastIndexOf(' CPU:');
  if (cpuKey < 0) return false;
  const bracketEnd = line.indexOf('] ', at);
  if (bracketEnd < 0 || bracketEnd > cpuKey) return false;
  const task = commPidPrio(line, at, bracketEnd + 1);
  const cpu = readNumber(line, cpuKey + 5);
  if (!task || Number.isNaN(cpu)) return false;
  store.a[row] = task.pid;
  store.b[row] = cpu;
  store.noteThread(task.pid, task.comm);
  return true;
}

// "comm=%s pid=%d prio=%d orig_cpu=%d dest_cpu=%d"
function decodeMigrate(store: EventStore, row: number, line: string, at: number): boolean {
  const p = line.indexOf(' pid=', at);
  if (p < 0 || !line.startsWith('comm=', at)) return false;
  const pid = readNumber(line, p + 5);
  const orig = numberAfter(line, 'orig_cpu=', scanEnd);
  const dest = numberAfter(line, 'dest_cpu=', scanEnd);
  if (Number.isNaN(pid) || Number.isNaN(orig) || Number.isNaN(dest)) return false;
  store.a[row] = pid;
  store.b[row] = orig;
  store.c[row] = dest;
  store.noteThread(pid, fixComm(line.slice(at + 5, p)));
  return true;
}

// ---- kprobes / perf probes -------------------------------------------------------------------

// ftrace: "(kvm_vcpu_on_spin+0x8b/0x1f0)", return: "(kvm_vcpu_on_spin+0x12c/0x1f0 <- yield_to) arg1=0x1"
// perf:   "(ffffffffc0a1b2c3)",            return: "(ffffffffc0a1b2c3 <- ffffffff810c0e10) arg1=0x1"
function isProbePayload(line: string, at: number): boolean {
  return line.charCodeAt(at) === 40 /* ( */ && line.indexOf(')', at) > at;
}

function decodeProbe(store: EventStore, row: number, line: string, at: number, event: string): void {
  const close = line.indexOf(')', at);
  const isReturn = event.endsWith('__return') || line.lastIndexOf(' <- ', close) > at;
  store.a[row] = store.strings.intern(event);
  store.b[row] = isReturn ? 1 : 0;
  // Arguments: name=value pairs; the first two numeric ones are kept.
  let found = 0;
  let eq = line.indexOf('=', close);
  while (eq >= 0 && found < 2) {
    const value = probeValue(line, eq + 1);
    if (!Number.isNaN(value)) {
      if (found === 0) store.x[row] = value;
      else store.y[row] = value;
      found++;
    }
    eq = line.indexOf('=', eq + 1);
  }
}

/** A probe argument: decimal, or hex read as a signed 64-bit value (return codes like -ESRCH). */
function probeValue(line: string, i: number): number {
  if (line.charCodeAt(i) === 48 && (line.charCodeAt(i + 1) | 32) === 120) {
    let e = i + 2;
    while (e < line.length && /[0-9a-fA-F]/.test(line[e])) e++;
    if (e === i + 2) return NaN;
    return Number(BigInt.asIntN(64, BigInt(line.slice(i, e))));
  }
  return readNumber(line, i);
}

/** The file is read as latin1 (byte-exact); names with UTF-8 bytes are recovered here. */
export function fixComm(comm: string): string {
  for (let i = 0; i < comm.length; i++) {
    if (comm.charCodeAt(i) > 127) return Buffer.from(comm, 'latin1').toString('utf8');
  }
  return comm;
}
