// Decoders for the payload of each event the analysis uses, in both renderings found in the
// wild: the kernel's own TP_printk format (raw ftrace, `trace-cmd report -N`, perf without
// plugins) and trace-cmd's plugin format (plugin_kvm / plugin_sched: compact sched events,
// kvm_exit without a vcpu number). Field names and layouts follow arch/x86/kvm/trace.h and
// include/trace/events/sched.h.

import { EventKind, EventStore, isPid, isVcpuId, PREEMPT_FLAG, PrevState } from './model';
import { eventOf, findInLine, findLastInLine, groupOf, type LineHead } from './lineHead';
import { decodeKvmEoiText, KVM_EOI } from './eoiEvent';
import { GUEST_EVENT_GROUPS, GUEST_TEXT_DECODERS } from './guestEvents';

export const DecodeResult = { Stored: 0, Other: 1, Malformed: 2, IdOutOfRange: 3 } as const;
export type DecodeResult = (typeof DecodeResult)[keyof typeof DecodeResult];

/** Decodes the payload at `at`; the line ends at `end` (`line` may hold more text after it). */
type Decoder = (store: EventStore, row: number, line: string, at: number, end: number) => boolean;

const DECODERS = new Map<string, [EventKind, Decoder]>([
  ['kvm_exit', [EventKind.KvmExit, decodeKvmExit]],
  ['kvm_entry', [EventKind.KvmEntry, decodeKvmEntry]],
  ['kvm_ple_window_update', [EventKind.PleWindow, decodePleWindowUpdate]],
  ['kvm_ple_window', [EventKind.PleWindow, decodeOldPleWindow]],
  ['kvm_apic_ipi', [EventKind.ApicIpi, decodeApicIpi]],
  ['kvm_apic_accept_irq', [EventKind.ApicAcceptIrq, decodeAcceptIrq]],
  ['kvm_vcpu_wakeup', [EventKind.VcpuWakeup, decodeVcpuWakeup]],
  [KVM_EOI, [EventKind.KvmEoi, decodeKvmEoiText]],
  ['sched_switch', [EventKind.SchedSwitch, decodeSchedSwitch]],
  ['sched_wakeup', [EventKind.SchedWakeup, decodeWakeup]],
  ['sched_waking', [EventKind.SchedWaking, decodeWakeup]],
  ['sched_wakeup_new', [EventKind.SchedWakeupNew, decodeWakeup]],
  ['sched_migrate_task', [EventKind.SchedMigrate, decodeMigrate]],
  ...GUEST_TEXT_DECODERS.map(([name, kind, decoder]): [string, [EventKind, Decoder]] => [name, [kind, decoder]]),
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
export function decodeEvent(store: EventStore, head: LineHead, line: string, lineNo: number, end = line.length): DecodeResult {
  const entry = knownEvent(line, head);
  const group = head.groupStart < 0 ? '' : groupOf(line, head);
  if (entry !== undefined && (group === '' || group === 'kvm' || group === 'sched' || GUEST_EVENT_GROUPS.has(group))) {
    const row = store.push(head.tsNs, head.cpu, head.tid, entry[1], lineNo);
    idOutOfRange = false;
    if (entry[2](store, row, line, head.payloadStart, end)) return DecodeResult.Stored;
    store.length--; // drop the half-written row
    return idOutOfRange ? DecodeResult.IdOutOfRange : DecodeResult.Malformed;
  }
  if (isProbePayload(line, head.payloadStart, end)) {
    const row = store.push(head.tsNs, head.cpu, head.tid, EventKind.Probe, lineNo);
    decodeProbe(store, row, line, head.payloadStart, end, eventOf(line, head));
    return DecodeResult.Stored;
  }
  store.countOther(group ? `${group}:${eventOf(line, head)}` : eventOf(line, head));
  return DecodeResult.Other;
}

// ---- small scanners -------------------------------------------------------------------------

/** Set by pidOk / vcpuOk when a decoder refuses a number that is there but out of range. */
let idOutOfRange = false;
function pidOk(pid: number): boolean {
  if (isPid(pid)) return true;
  if (!Number.isNaN(pid)) idOutOfRange = true;
  return false;
}
function vcpuOk(vcpu: number): boolean {
  if (isVcpuId(vcpu)) return true;
  if (!Number.isNaN(vcpu)) idOutOfRange = true;
  return false;
}

let scanEnd = 0; // end index of the last number read (module-local cursor, single-threaded)

/** Reads a decimal (or 0x-hex when `hex` or prefixed) integer at i; NaN when none. It stops at the
 * line's end by itself: the character there (newline, carriage return) is no digit. */
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
      if (c >= 48 && c <= 57) value = value * 16 + (c - 48);
      else if (c >= 97 && c <= 102) value = value * 16 + (c - 87);
      else break;
    }
  } else {
    for (; i < n; i++) {
      const c = line.charCodeAt(i);
      if (c >= 48 && c <= 57) value = value * 10 + (c - 48);
      else break;
    }
  }
  scanEnd = i;
  if (i === start) return NaN;
  return neg ? -value : value;
}

const find = findInLine;
const findLast = findLastInLine;

/** The number after `key` (e.g. "vcpu ") searched in [from, end); NaN when the key is absent. */
function numberAfter(line: string, key: string, from: number, end: number, hex = false): number {
  const k = find(line, key, from, end);
  if (k < 0) return NaN;
  return readNumber(line, k + key.length, hex);
}

// ---- kvm -------------------------------------------------------------------------------------

// "reason X rip 0x.. info a b"                                   (<= 5.3, and trace-cmd's plugin)
// "vcpu N reason X rip 0x.. info a b"                            (5.4 .. 5.9)
// "vcpu N reason X[ FLAGS] rip 0x.. info1 0x.. info2 0x.. ..."   (5.10+)
function decodeKvmExit(store: EventStore, row: number, line: string, at: number, end: number): boolean {
  let vcpu = -1;
  if (line.startsWith('vcpu ', at)) {
    vcpu = readNumber(line, at + 5);
    if (!vcpuOk(vcpu)) return false;
  }
  const r = find(line, 'reason ', at, end);
  if (r < 0) return false;
  let e = r + 7;
  while (e < end && line.charCodeAt(e) !== 32 && line.charCodeAt(e) !== 9) e++;
  if (e === r + 7) return false;
  store.a[row] = vcpu;
  store.b[row] = internReason(store, line, r + 7, e);
  return true;
}

// The few exit reasons of a trace, matched in place: most lines need no new string.
let reasonStore: EventStore | null = null;
let reasonIds: [string, number][] = [];
function internReason(store: EventStore, line: string, start: number, end: number): number {
  if (reasonStore !== store) {
    reasonStore = store;
    reasonIds = [];
  }
  const len = end - start;
  for (const entry of reasonIds) if (entry[0].length === len && line.startsWith(entry[0], start)) return entry[1];
  const reason = line.slice(start, end);
  const id = store.strings.intern(reason);
  if (reasonIds.length < 64) reasonIds.push([reason, id]);
  return id;
}

// "vcpu N" / "vcpu N, rip 0x.." / "vcpu N rip 0x.." (plugin)
function decodeKvmEntry(store: EventStore, row: number, line: string, at: number): boolean {
  if (!line.startsWith('vcpu ', at)) return false;
  const vcpu = readNumber(line, at + 5);
  if (!vcpuOk(vcpu)) return false;
  store.a[row] = vcpu;
  return true;
}

// "vcpu %u old %u new %u (%s)" with "growed" / "shrinked"
function decodePleWindowUpdate(store: EventStore, row: number, line: string, at: number, end: number): boolean {
  if (!line.startsWith('vcpu ', at)) return false;
  const vcpu = readNumber(line, at + 5);
  const oldWindow = numberAfter(line, ' old ', scanEnd, end);
  const newWindow = numberAfter(line, ' new ', scanEnd, end);
  if (Number.isNaN(oldWindow) || Number.isNaN(newWindow) || !vcpuOk(vcpu)) return false;
  store.a[row] = vcpu;
  store.b[row] = find(line, '(grow', scanEnd, end) >= 0 ? 1 : find(line, '(shrink', scanEnd, end) >= 0 ? 0 : newWindow > oldWindow ? 1 : 0;
  store.x[row] = oldWindow;
  store.y[row] = newWindow;
  return true;
}

// Before ~5.4: "vcpu %u: ple_window %d (%s %d)" = new window, "grow"/"shrink", old window
function decodeOldPleWindow(store: EventStore, row: number, line: string, at: number, end: number): boolean {
  if (!line.startsWith('vcpu ', at)) return false;
  const vcpu = readNumber(line, at + 5);
  const newWindow = numberAfter(line, 'ple_window ', scanEnd, end);
  const paren = find(line, '(', scanEnd, end);
  if (Number.isNaN(newWindow) || paren < 0 || !vcpuOk(vcpu)) return false;
  const grow = line.startsWith('grow', paren + 1);
  const oldWindow = numberAfter(line, ' ', paren, end);
  if (Number.isNaN(oldWindow)) return false;
  store.a[row] = vcpu;
  store.b[row] = grow ? 1 : 0;
  store.x[row] = oldWindow;
  store.y[row] = newWindow;
  return true;
}

const SHORTHANDS: Record<string, number> = { dst: 0, self: 1, all: 2, 'all-but-self': 3 };

// "dst %x vec %u (%s|%s|%s|%s|%s)": delivery mode, dest mode, level, trigger, shorthand
function decodeApicIpi(store: EventStore, row: number, line: string, at: number, end: number): boolean {
  const dst = numberAfter(line, 'dst ', at, end, true);
  const vec = numberAfter(line, ' vec ', scanEnd, end);
  if (Number.isNaN(dst) || Number.isNaN(vec)) return false;
  store.a[row] = dst;
  store.b[row] = vec;
  const close = find(line, ')', scanEnd, end);
  const bar = close > 0 ? findLast(line, '|', scanEnd, close) : -1;
  if (bar > 0) store.c[row] = SHORTHANDS[line.slice(bar + 1, close)] ?? 0;
  return true;
}

// "apicid %x vec %u (%s|%s)%s"
function decodeAcceptIrq(store: EventStore, row: number, line: string, at: number, end: number): boolean {
  const apicId = numberAfter(line, 'apicid ', at, end, true);
  const vec = numberAfter(line, ' vec ', scanEnd, end);
  if (Number.isNaN(apicId) || Number.isNaN(vec)) return false;
  store.a[row] = apicId;
  store.b[row] = vec;
  return true;
}

// "%s time %lld ns, polling %s": wait|poll, valid|invalid
function decodeVcpuWakeup(store: EventStore, row: number, line: string, at: number, end: number): boolean {
  const ns = numberAfter(line, 'time ', at, end);
  if (Number.isNaN(ns)) return false;
  store.a[row] = line.startsWith('wait', at) ? 1 : 0;
  store.b[row] = find(line, 'invalid', scanEnd, end) >= 0 ? 0 : 1;
  store.x[row] = ns;
  return true;
}

// ---- sched -----------------------------------------------------------------------------------

/** The prev_state token [start, end): R, S, D or other, with "+" for preempted. */
function prevStateCode(line: string, start: number, end: number): number {
  const first = line.charCodeAt(start);
  let code: number;
  if (first === 82 /* R */) code = PrevState.Runnable;
  else if (first === 83 /* S */) code = PrevState.Sleeping;
  else if (first === 68 /* D */) code = PrevState.Disk;
  else code = PrevState.Other;
  if (end > start && line.charCodeAt(end - 1) === 43 /* + */) code |= PREEMPT_FLAG;
  return code;
}

function decodeSchedSwitch(store: EventStore, row: number, line: string, at: number, end: number): boolean {
  const arrow = find(line, ' ==> ', at, end);
  if (arrow < 0) return false;
  if (line.startsWith('prev_comm=', at)) {
    // Kernel format: prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s ==> next_comm=%s next_pid=%d next_prio=%d
    const pp = findLast(line, ' prev_pid=', at, arrow);
    const ps = findLast(line, ' prev_state=', at, arrow);
    const nc = arrow + 5;
    if (pp < 0 || ps < 0 || !line.startsWith('next_comm=', nc)) return false;
    const np = findLast(line, ' next_pid=', nc, end);
    if (np < nc) return false;
    const prevPid = readNumber(line, pp + 10);
    const nextPid = readNumber(line, np + 10);
    if (!pidOk(prevPid) || !pidOk(nextPid)) return false;
    store.a[row] = prevPid;
    store.b[row] = prevStateCode(line, ps + 12, arrow);
    store.c[row] = nextPid;
    noteThreadAt(store, prevPid, line, at + 10, pp);
    noteThreadAt(store, nextPid, line, nc + 10, np);
    return true;
  }
  // trace-cmd plugin: prev_comm:prev_pid [prio] STATE ==> next_comm:next_pid [prio]
  const stateSpace = findLast(line, ' ', at, arrow);
  if (stateSpace <= at) return false;
  const prev = commPidPrio(line, at, stateSpace);
  const prevColon = taskColon;
  const next = prev < 0 ? -1 : commPidPrio(line, arrow + 5, trimEnd(line, end));
  if (next < 0 || !pidOk(prev) || !pidOk(next)) return false;
  noteThreadAt(store, prev, line, at, prevColon);
  noteThreadAt(store, next, line, arrow + 5, taskColon);
  store.a[row] = prev;
  store.b[row] = prevStateCode(line, stateSpace + 1, arrow);
  store.c[row] = next;
  return true;
}

function trimEnd(line: string, end: number): number {
  let e = end;
  while (e > 0 && (line.charCodeAt(e - 1) === 32 || line.charCodeAt(e - 1) === 9)) e--;
  return e;
}

/** Names a thread from line[start, end), slicing only when the name is new or changed. */
function noteThreadAt(store: EventStore, pid: number, line: string, start: number, end: number): void {
  const known = store.threads.get(pid);
  if (known !== undefined && known.comm.length === end - start && line.startsWith(known.comm, start)) return;
  store.noteThread(pid, fixComm(line.slice(start, end)));
}

/** `comm:pid [prio]` ending exactly at `end`, parsed from the right: the pid (-1 if malformed); the comm is [start, taskColon). */
let taskColon = 0;
function commPidPrio(line: string, start: number, end: number): number {
  if (line.charCodeAt(end - 1) !== 93 /* ] */) return -1;
  const open = findLast(line, ' [', start + 1, end);
  if (open < 0) return -1;
  const colon = findLast(line, ':', start, open);
  if (colon < 0) return -1;
  const pid = readNumber(line, colon + 1);
  if (Number.isNaN(pid) || scanEnd !== open) return -1;
  taskColon = colon;
  return pid;
}

// Kernel: "comm=%s pid=%d prio=%d [success=1 ]target_cpu=%03d"
// Plugin: "comm:pid [prio] [success=1 ]CPU:%03d"
function decodeWakeup(store: EventStore, row: number, line: string, at: number, end: number): boolean {
  if (line.startsWith('comm=', at)) {
    const p = find(line, ' pid=', at, end);
    if (p < 0) return false;
    const pid = readNumber(line, p + 5);
    const cpu = numberAfter(line, 'target_cpu=', scanEnd, end);
    if (!pidOk(pid)) return false;
    store.a[row] = pid;
    store.b[row] = Number.isNaN(cpu) ? -1 : cpu;
    noteThreadAt(store, pid, line, at + 5, p);
    return true;
  }
  const cpuKey = findLast(line, ' CPU:', at, end);
  if (cpuKey < 0) return false;
  const bracketEnd = find(line, '] ', at, end);
  if (bracketEnd < 0 || bracketEnd > cpuKey) return false;
  const cpu = readNumber(line, cpuKey + 5);
  if (Number.isNaN(cpu)) return false;
  const pid = commPidPrio(line, at, bracketEnd + 1);
  if (pid < 0 || !pidOk(pid)) return false;
  noteThreadAt(store, pid, line, at, taskColon);
  store.a[row] = pid;
  store.b[row] = cpu;
  return true;
}

// "comm=%s pid=%d prio=%d orig_cpu=%d dest_cpu=%d"
function decodeMigrate(store: EventStore, row: number, line: string, at: number, end: number): boolean {
  const p = find(line, ' pid=', at, end);
  if (p < 0 || !line.startsWith('comm=', at)) return false;
  const pid = readNumber(line, p + 5);
  const orig = numberAfter(line, 'orig_cpu=', scanEnd, end);
  const dest = numberAfter(line, 'dest_cpu=', scanEnd, end);
  if (Number.isNaN(orig) || Number.isNaN(dest) || !pidOk(pid)) return false;
  store.a[row] = pid;
  store.b[row] = orig;
  store.c[row] = dest;
  noteThreadAt(store, pid, line, at + 5, p);
  return true;
}

// ---- kprobes / perf probes -------------------------------------------------------------------

// ftrace: "(kvm_vcpu_on_spin+0x8b/0x1f0)", return: "(kvm_vcpu_on_spin+0x12c/0x1f0 <- yield_to) arg1=0x1"
// perf:   "(ffffffffc0a1b2c3)",            return: "(ffffffffc0a1b2c3 <- ffffffff810c0e10) arg1=0x1"
function isProbePayload(line: string, at: number, end: number): boolean {
  return line.charCodeAt(at) === 40 /* ( */ && find(line, ')', at, end) > at;
}

function decodeProbe(store: EventStore, row: number, line: string, at: number, end: number, event: string): void {
  const close = find(line, ')', at, end);
  const isReturn = event.endsWith('__return') || findLast(line, ' <- ', at + 1, close) > at;
  store.a[row] = store.strings.intern(event);
  store.b[row] = isReturn ? 1 : 0;
  // Arguments: name=value pairs; the first two numeric ones are kept.
  let found = 0;
  let eq = find(line, '=', close, end);
  while (eq >= 0 && found < 2) {
    const value = probeValue(line, eq + 1, end);
    if (!Number.isNaN(value)) {
      if (found === 0) store.x[row] = value;
      else store.y[row] = value;
      found++;
    }
    eq = find(line, '=', eq + 1, end);
  }
}

/** A probe argument: decimal, or hex read as a signed 64-bit value (return codes like -ESRCH). */
function probeValue(line: string, i: number, end: number): number {
  if (line.charCodeAt(i) === 48 && (line.charCodeAt(i + 1) | 32) === 120) {
    let e = i + 2;
    while (e < end && /[0-9a-fA-F]/.test(line[e])) e++;
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
