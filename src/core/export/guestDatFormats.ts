// The event formats a guest's trace.dat carries, as a 64-bit Linux 6.18 prints them in
// tracefs (events/<system>/<event>/format): the fields of each TRACE_EVENT's TP_STRUCT__entry
// after the common header, and its TP_printk as the print fmt. From torvalds/linux:
//   include/trace/events/sched.h  sched_switch (prev_state's letters and the "+" of preemption:
//                                 TASK_REPORT_MAX = 0x100, __trace_sched_switch_state)
//   include/trace/events/lock.h   contention_begin, contention_end
//   include/trace/events/ipi.h    ipi_send_cpu, ipi_send_cpumask
//   include/trace/events/csd.h    csd_queue_cpu, csd_function_entry / _exit (class csd_function)
// The ids are this file's own (a kernel numbers its events at boot).

/** [C type, name, offset, size, signed] of one field. */
type Field = [string, string, number, number, 0 | 1];

export interface GuestDatFormat {
  system: string;
  name: string;
  id: number;
  fields: Field[];
  printFmt: string;
}

const COMMON: Field[] = [
  ['unsigned short', 'common_type', 0, 2, 0],
  ['unsigned char', 'common_flags', 2, 1, 0],
  ['unsigned char', 'common_preempt_count', 3, 1, 0],
  ['int', 'common_pid', 4, 4, 1],
];

/** The text tracefs prints: name, ID, the common fields, a blank line, the event's fields, the print fmt. */
export function formatText(f: GuestDatFormat): string {
  const line = ([type, name, offset, size, signed]: Field) => {
    const array = /^(.*?)(\[\d*\])$/.exec(type);
    const decl = array ? `${array[1]} ${name}${array[2]}` : `${type} ${name}`;
    return `\tfield:${decl};\toffset:${offset};\tsize:${size};\tsigned:${signed};\n`;
  };
  return `name: ${f.name}\nID: ${f.id}\nformat:\n${COMMON.map(line).join('')}\n${f.fields.map(line).join('')}\nprint fmt: ${f.printFmt}\n`;
}

const TASK_STATES = '0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040';
const STATE_LETTERS = '{ 0x00000001, "S" }, { 0x00000002, "D" }, { 0x00000004, "T" }, { 0x00000008, "t" }, { 0x00000010, "X" }, { 0x00000020, "Z" }, { 0x00000040, "P" }, { 0x00000080, "I" }';
const SCHED_SWITCH_FMT =
  '"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s next_pid=%d next_prio=%d", REC->prev_comm, REC->prev_pid, REC->prev_prio, ' +
  `(REC->prev_state & ((((${TASK_STATES}) + 1) << 1) - 1)) ? __print_flags(REC->prev_state & ((((${TASK_STATES}) + 1) << 1) - 1), "|", ${STATE_LETTERS}) : "R", ` +
  `REC->prev_state & (((${TASK_STATES}) + 1) << 1) ? "+" : "", REC->next_comm, REC->next_pid, REC->next_prio`;

/** prev_state bits: TASK_INTERRUPTIBLE, TASK_UNINTERRUPTIBLE, TASK_REPORT_IDLE, and the preemption bit TASK_REPORT_MAX. */
export const TASK_STATE = { interruptible: 0x1, uninterruptible: 0x2, idle: 0x80, preempted: 0x100 } as const;

const LOCK_FLAGS = '{ (1U << 0), "SPIN" }, { (1U << 1), "READ" }, { (1U << 2), "WRITE" }, { (1U << 3), "RT" }, { (1U << 4), "PERCPU" }, { (1U << 5), "MUTEX" }';

const csdFunction = (name: string, id: number): GuestDatFormat => ({
  system: 'csd',
  name,
  id,
  fields: [
    ['void *', 'func', 8, 8, 0],
    ['void *', 'csd', 16, 8, 0],
  ],
  printFmt: '"func=%ps, csd=%p", REC->func, REC->csd',
});

export const GUEST_DAT_FORMATS = {
  sched_switch: {
    system: 'sched',
    name: 'sched_switch',
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
  contention_begin: {
    system: 'lock',
    name: 'contention_begin',
    id: 408,
    fields: [
      ['void *', 'lock_addr', 8, 8, 0],
      ['unsigned int', 'flags', 16, 4, 0],
    ],
    printFmt: `"%p (flags=%s)", REC->lock_addr, __print_flags(REC->flags, "|", ${LOCK_FLAGS} )`,
  },
  contention_end: {
    system: 'lock',
    name: 'contention_end',
    id: 407,
    fields: [
      ['void *', 'lock_addr', 8, 8, 0],
      ['int', 'ret', 16, 4, 1],
    ],
    printFmt: '"%p (ret=%d)", REC->lock_addr, REC->ret',
  },
  ipi_send_cpu: {
    system: 'ipi',
    name: 'ipi_send_cpu',
    id: 354,
    fields: [
      ['unsigned int', 'cpu', 8, 4, 0],
      ['void *', 'callsite', 16, 8, 0],
      ['void *', 'callback', 24, 8, 0],
    ],
    printFmt: '"cpu=%u callsite=%pS callback=%pS", REC->cpu, REC->callsite, REC->callback',
  },
  ipi_send_cpumask: {
    system: 'ipi',
    name: 'ipi_send_cpumask',
    id: 353,
    fields: [
      ['__data_loc cpumask_t', 'cpumask', 8, 4, 0],
      ['void *', 'callsite', 16, 8, 0],
      ['void *', 'callback', 24, 8, 0],
    ],
    printFmt: '"cpumask=%s callsite=%pS callback=%pS", __get_cpumask(cpumask), REC->callsite, REC->callback',
  },
  csd_queue_cpu: {
    system: 'csd',
    name: 'csd_queue_cpu',
    id: 529,
    fields: [
      ['unsigned int', 'cpu', 8, 4, 0],
      ['void *', 'callsite', 16, 8, 0],
      ['void *', 'func', 24, 8, 0],
      ['void *', 'csd', 32, 8, 0],
    ],
    printFmt: '"cpu=%u callsite=%pS func=%ps csd=%p", REC->cpu, REC->callsite, REC->func, REC->csd',
  },
  csd_function_entry: csdFunction('csd_function_entry', 528),
  csd_function_exit: csdFunction('csd_function_exit', 527),
} satisfies Record<string, GuestDatFormat>;
