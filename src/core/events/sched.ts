// The scheduler events the analysis reads (include/trace/events/sched.h): sched_switch, the
// three wakeups (sched_wakeup, sched_waking, sched_wakeup_new) and sched_migrate_task, in the
// kernel's key=value format and trace-cmd's plugin_sched format (`comm:pid [prio] ...`).

import { EventKind, PREEMPT_FLAG, PrevState, type EventStore } from '../trace/model';
import type { DatWriter, EventDescriptor, TextDecoder } from './descriptor';
import { pidOk } from './ids';
import { commPidPrio, find, findLast, noteThreadAt, numberAfter, prevStateCode, readNumber, scanEnd, startsAt, taskColon, trimEnd } from './textScan';

/** The name the writers print for a thread (`<idle>` for pid 0, `<...>` when unknown). */
export function commOf(store: EventStore, tid: number): string {
  if (tid === 0) return '<idle>';
  return store.threads.get(tid)?.comm ?? '<...>';
}

/** The writers' priority (the store keeps none). */
const PRIO = 120;

function prevStateText(code: number): string {
  const base = code & 3;
  const letter = base === PrevState.Runnable ? 'R' : base === PrevState.Sleeping ? 'S' : base === PrevState.Disk ? 'D' : 'X';
  return code & PREEMPT_FLAG ? `${letter}+` : letter;
}

/** The bit sched_switch sets for a preempted task ("R+"), from its own print fmt. */
function preemptBitOf(printFmt: string): number {
  const m = /\(\(\(\(([0-9a-fx| ]+)\) \+ 1\) << 1\)/i.exec(printFmt);
  if (!m) return 0x100;
  const or = m[1].split('|').reduce((acc, v) => acc | Number(v.trim()), 0);
  return (or + 1) << 1;
}

// ---- sched_switch ----------------------------------------------------------------------------

const decodeSwitch: TextDecoder = (store, row, line, at, end) => {
  const arrow = find(line, ' ==> ', at, end);
  if (arrow < 0) return false;
  if (startsAt(line, 'prev_comm=', at)) {
    // Kernel format: prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s ==> next_comm=%s next_pid=%d next_prio=%d
    const pp = findLast(line, ' prev_pid=', at, arrow);
    const ps = findLast(line, ' prev_state=', at, arrow);
    const nc = arrow + 5;
    if (pp < 0 || ps < 0 || !startsAt(line, 'next_comm=', nc)) return false;
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
};

// sched_switch as include/trace/events/sched.h declares it on 6.18: prev_state's letters and
// the "+" of preemption (TASK_REPORT_MAX = 0x100, __trace_sched_switch_state).
const TASK_STATES = '0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040';
const STATE_LETTERS = '{ 0x00000001, "S" }, { 0x00000002, "D" }, { 0x00000004, "T" }, { 0x00000008, "t" }, { 0x00000010, "X" }, { 0x00000020, "Z" }, { 0x00000040, "P" }, { 0x00000080, "I" }';
const SCHED_SWITCH_FMT =
  '"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s next_pid=%d next_prio=%d", REC->prev_comm, REC->prev_pid, REC->prev_prio, ' +
  `(REC->prev_state & ((((${TASK_STATES}) + 1) << 1) - 1)) ? __print_flags(REC->prev_state & ((((${TASK_STATES}) + 1) << 1) - 1), "|", ${STATE_LETTERS}) : "R", ` +
  `REC->prev_state & (((${TASK_STATES}) + 1) << 1) ? "+" : "", REC->next_comm, REC->next_pid, REC->next_prio`;

/** prev_state bits: TASK_INTERRUPTIBLE, TASK_UNINTERRUPTIBLE, TASK_REPORT_IDLE, and the preemption bit TASK_REPORT_MAX. */
export const TASK_STATE = { interruptible: 0x1, uninterruptible: 0x2, idle: 0x80, preempted: 0x100 } as const;

/** The kernel's prev_state bits for the store's PrevState code (the binary decoder's inverse). */
function taskStateBits(code: number): number {
  const base = code & ~PREEMPT_FLAG;
  const bits = base === PrevState.Runnable ? 0 : base === PrevState.Sleeping ? TASK_STATE.interruptible : base === PrevState.Disk ? TASK_STATE.uninterruptible : TASK_STATE.idle;
  return code & PREEMPT_FLAG ? bits | TASK_STATE.preempted : bits;
}

const schedSwitchDat: DatWriter = {
  format: {
    id: 372,
    fields: [
      ['char[16]', 'prev_comm', 8, 16, 0],
      ['pid_t', 'prev_pid', 24, 4, 1],
      ['int', 'prev_prio', 28, 4, 1],
      ['long', 'prev_state', 32, 8, 1],
      ['char[16]', 'next_comm', 40, 16, 0],
      ['pid_t', 'next_pid', 56, 4, 1],
      ['int', 'next_prio', 60, 4, 1],
    ],
    printFmt: SCHED_SWITCH_FMT,
  },
  values: (s, i, ctx) => ({
    prev_comm: ctx.comm(s.a[i]), prev_pid: s.a[i], prev_prio: PRIO, prev_state: taskStateBits(s.b[i]),
    next_comm: ctx.comm(s.c[i]), next_pid: s.c[i], next_prio: PRIO,
  }),
};

const schedSwitch: EventDescriptor = {
  kind: EventKind.SchedSwitch,
  system: 'sched',
  name: 'sched_switch',
  columns: { a: { meaning: 'prev pid' }, b: { meaning: 'prev state (PrevState, | PREEMPT_FLAG for "R+")' }, c: { meaning: 'next pid' } },
  text: decodeSwitch,
  binary: {
    fields: ['prev_comm', 'prev_pid', 'prev_state', 'next_comm', 'next_pid'],
    make(fmt, { num, str }) {
      const f = (name: string) => fmt.byName.get(name)!;
      const [pc, pp, ps, nc, np] = [f('prev_comm'), f('prev_pid'), f('prev_state'), f('next_comm'), f('next_pid')];
      const preemptBit = preemptBitOf(fmt.printFmt);
      const stateMask = preemptBit - 1;
      return (s, row, p, at) => {
        const prevPid = num(pp, p, at);
        const nextPid = num(np, p, at);
        const state = num(ps, p, at);
        if (!pidOk(prevPid) || !pidOk(nextPid)) return false;
        const low = state & stateMask;
        // The printed state's first letter: R when no bit is set, else the lowest flag (S, D, ...).
        let code: number = low === 0 ? PrevState.Runnable : low & 1 ? PrevState.Sleeping : low & 2 ? PrevState.Disk : PrevState.Other;
        if (state & preemptBit) code |= PREEMPT_FLAG;
        s.a[row] = prevPid;
        s.b[row] = code;
        s.c[row] = nextPid;
        s.noteThread(prevPid, str(pc, p, at, p.length));
        s.noteThread(nextPid, str(nc, p, at, p.length));
        return true;
      };
    },
  },
  render: {
    kernel: (s, i) =>
      `prev_comm=${commOf(s, s.a[i])} prev_pid=${s.a[i]} prev_prio=${PRIO} prev_state=${prevStateText(s.b[i])} ==> next_comm=${commOf(s, s.c[i])} next_pid=${s.c[i]} next_prio=${PRIO}`,
    plugin: (s, i) => `${commOf(s, s.a[i])}:${s.a[i]} [${PRIO}] ${prevStateText(s.b[i])} ==> ${commOf(s, s.c[i])}:${s.c[i]} [${PRIO}]`,
  },
  written: 'plugin',
  dat: schedSwitchDat,
};

// ---- sched_wakeup, sched_waking, sched_wakeup_new --------------------------------------------

// Kernel: "comm=%s pid=%d prio=%d [success=1 ]target_cpu=%03d"
// Plugin: "comm:pid [prio][ success=1][ CPU:%03d]"
const decodeWakeup: TextDecoder = (store, row, line, at, end) => {
  if (startsAt(line, 'comm=', at)) {
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
  // Plugin: parsed from the right, so that a thread name may hold "] " or " CPU:".
  let taskEnd = trimEnd(line, end);
  let cpu = -1;
  const cpuKey = findLast(line, ' CPU:', at, taskEnd);
  if (cpuKey >= 0) {
    cpu = readNumber(line, cpuKey + 5);
    if (Number.isNaN(cpu) || scanEnd !== taskEnd) return false;
    taskEnd = cpuKey;
  }
  const success = findLast(line, ' success=', at, taskEnd);
  if (success >= 0 && !Number.isNaN(readNumber(line, success + 9)) && scanEnd === taskEnd) taskEnd = success;
  const pid = commPidPrio(line, at, taskEnd);
  if (pid < 0 || !pidOk(pid)) return false;
  noteThreadAt(store, pid, line, at, taskColon);
  store.a[row] = pid;
  store.b[row] = cpu;
  return true;
};

const cpu3 = (cpu: number) => String(cpu).padStart(3, '0');

function wakeup(kind: EventDescriptor['kind'], name: string, hasPlugin: boolean): EventDescriptor {
  return {
    kind,
    system: 'sched',
    name,
    columns: { a: { meaning: 'pid' }, b: { meaning: 'target cpu, -1 when the format has none' } },
    text: decodeWakeup,
    binary: {
      fields: ['comm', 'pid'],
      make(fmt, { num, str }) {
        const [comm, pid, cpu] = [fmt.byName.get('comm')!, fmt.byName.get('pid')!, fmt.byName.get('target_cpu')];
        return (s, row, p, at) => {
          const task = num(pid, p, at);
          if (!pidOk(task)) return false;
          s.a[row] = task;
          s.b[row] = cpu ? num(cpu, p, at) : -1;
          s.noteThread(task, str(comm, p, at, p.length));
          return true;
        };
      },
    },
    render: {
      kernel: (s, i) => `comm=${commOf(s, s.a[i])} pid=${s.a[i]} prio=${PRIO}${s.b[i] >= 0 ? ` target_cpu=${cpu3(s.b[i])}` : ''}`,
      plugin: hasPlugin ? (s, i) => `${commOf(s, s.a[i])}:${s.a[i]} [${PRIO}]${s.b[i] >= 0 ? ` CPU:${cpu3(s.b[i])}` : ''}` : null,
    },
    written: hasPlugin ? 'plugin' : 'kernel',
  };
}

// ---- sched_migrate_task ----------------------------------------------------------------------

const schedMigrate: EventDescriptor = {
  kind: EventKind.SchedMigrate,
  system: 'sched',
  name: 'sched_migrate_task',
  columns: { a: { meaning: 'pid' }, b: { meaning: 'orig cpu' }, c: { meaning: 'dest cpu' } },
  // "comm=%s pid=%d prio=%d orig_cpu=%d dest_cpu=%d"
  text(store, row, line, at, end) {
    const p = find(line, ' pid=', at, end);
    if (p < 0 || !startsAt(line, 'comm=', at)) return false;
    const pid = readNumber(line, p + 5);
    const orig = numberAfter(line, 'orig_cpu=', scanEnd, end);
    const dest = numberAfter(line, 'dest_cpu=', scanEnd, end);
    if (Number.isNaN(orig) || Number.isNaN(dest) || !pidOk(pid)) return false;
    store.a[row] = pid;
    store.b[row] = orig;
    store.c[row] = dest;
    noteThreadAt(store, pid, line, at + 5, p);
    return true;
  },
  binary: {
    fields: ['comm', 'pid', 'orig_cpu', 'dest_cpu'],
    make(fmt, { num, str }) {
      const f = (name: string) => fmt.byName.get(name)!;
      const [comm, pid, orig, dest] = [f('comm'), f('pid'), f('orig_cpu'), f('dest_cpu')];
      return (s, row, p, at) => {
        const task = num(pid, p, at);
        if (!pidOk(task)) return false;
        s.a[row] = task;
        s.b[row] = num(orig, p, at);
        s.c[row] = num(dest, p, at);
        s.noteThread(task, str(comm, p, at, p.length));
        return true;
      };
    },
  },
  render: { kernel: (s, i) => `comm=${commOf(s, s.a[i])} pid=${s.a[i]} prio=${PRIO} orig_cpu=${s.b[i]} dest_cpu=${s.c[i]}`, plugin: null },
  written: 'kernel',
};

export const SCHED_EVENTS: readonly EventDescriptor[] = [
  schedSwitch,
  wakeup(EventKind.SchedWakeup, 'sched_wakeup', true),
  wakeup(EventKind.SchedWaking, 'sched_waking', false),
  wakeup(EventKind.SchedWakeupNew, 'sched_wakeup_new', true),
  schedMigrate,
];
