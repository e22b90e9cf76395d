// kprobe / kretprobe / perf-probe events: any group, any name (kept in column a), matched by
// the shape of their payload (text) or by the __probe_ fields of their format (trace.dat).

import { EventKind } from '../trace/model';
import { eventOf } from '../trace/lineHead';
import type { EventFormat } from '../trace/dat/eventFormat';
import type { EventDescriptor } from './descriptor';
import { find, findLast, latin1, readNumber } from './textScan';

/** A probe argument: decimal, or hex read as a signed 64-bit value (return codes like -ESRCH). */
function probeValue(line: Buffer, i: number, end: number): number {
  if (line[i] === 48 && (line[i + 1] | 32) === 120) {
    let e = i + 2;
    while (e < end && isHexDigit(line[e])) e++;
    if (e === i + 2) return NaN;
    return Number(BigInt.asIntN(64, BigInt(latin1(line, i, e))));
  }
  return readNumber(line, i);
}

function isHexDigit(c: number): boolean {
  const lower = c | 32;
  return (c >= 48 && c <= 57) || (lower >= 97 && lower <= 102);
}

/** A 64-bit two's-complement hex rendering, as kprobes print return values. */
function hex64(value: number): string {
  return '0x' + BigInt.asUintN(64, BigInt(Math.trunc(value))).toString(16);
}

/** Dynamic events carry __probe_ip (kprobes) or __probe_func (kretprobes); the text is checked first, most formats are never parsed further. */
function isProbeFormat(fmt: EventFormat): boolean {
  return fmt.text.includes('__probe_') && (fmt.byName.has('__probe_ip') || fmt.byName.has('__probe_func'));
}

/** The numeric argument fields of a probe format, in order. */
function argFields(fmt: EventFormat) {
  return fmt.fields.filter((x) => !x.name.startsWith('common_') && !x.name.startsWith('__probe_') && !x.dynamic && x.arrayLength === 0 && x.size <= 8);
}

export const PROBE_EVENT: EventDescriptor = {
  kind: EventKind.Probe,
  system: '',
  name: '',
  columns: { a: { meaning: 'probe name', stringId: true }, b: { meaning: '1 for a return probe' }, x: { meaning: 'first numeric argument, NaN if absent' }, y: { meaning: 'second numeric argument, NaN if absent' } },
  // ftrace: "(kvm_vcpu_on_spin+0x8b/0x1f0)", return: "(kvm_vcpu_on_spin+0x12c/0x1f0 <- yield_to) arg1=0x1"
  // perf:   "(ffffffffc0a1b2c3)",            return: "(ffffffffc0a1b2c3 <- ffffffff810c0e10) arg1=0x1"
  text(store, row, line, at, end, head) {
    const event = eventOf(line, head);
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
    return true;
  },
  binary: {
    fields: [],
    make(fmt, { num }, store) {
      const nameId = store.strings.intern(fmt.name);
      const isReturn = fmt.byName.has('__probe_ret_ip');
      const [first, second] = argFields(fmt);
      return (s, row, p, at) => {
        s.a[row] = nameId;
        s.b[row] = isReturn ? 1 : 0;
        if (first) s.x[row] = num(first, p, at);
        if (second) s.y[row] = num(second, p, at);
        return true;
      };
    },
  },
  render: {
    kernel(s, i) {
      const fn = s.strings.get(s.a[i]).replace(/__return$/, '');
      const arg = Number.isNaN(s.x[i]) ? '' : s.b[i] ? ` arg1=${hex64(s.x[i])}` : ` arg1=${s.x[i]}`;
      return s.b[i] ? `(kvm_vcpu_on_spin+0x12c/0x1f0 <- ${fn})${arg}` : `(${fn}+0x0/0x1f0)${arg}`;
    },
    plugin: null,
  },
  written: 'kernel',
  dynamic: {
    textMatches: (line, at, end) => line[at] === 40 /* ( */ && find(line, ')', at, end) > at,
    formatMatches: isProbeFormat,
    nameOf: (s, i) => s.strings.get(s.a[i]),
  },
};
