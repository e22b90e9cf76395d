import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { commOf, eventOf, groupOf, newLineHead, parseLineHead } from '../../src/core/trace/lineHead';

function head(text: string) {
  const h = newLineHead();
  const line = Buffer.from(text, 'latin1');
  if (!parseLineHead(line, h)) return null;
  return { comm: commOf(line, h), tid: h.tid, tgid: h.tgid, cpu: h.cpu, tsNs: h.tsNs, group: groupOf(line, h), event: eventOf(line, h), payload: line.toString('latin1', h.payloadStart), dashPid: h.dashPid };
}

test('trace-cmd line with a flags column and a thread name with a space and a slash', () => {
  assert.deepEqual(head('       CPU 0/KVM-3021  [003] d..2.  1234.567890: kvm_exit:  reason HLT rip 0x1 info 0 0'), {
    comm: 'CPU 0/KVM', tid: 3021, tgid: -1, cpu: 3, tsNs: 1234567890000, group: '', event: 'kvm_exit', payload: 'reason HLT rip 0x1 info 0 0', dashPid: true,
  });
});

test('ftrace line with a tgid column, unknown tgid and nanosecond timestamps', () => {
  assert.deepEqual(head('  CPU 1/KVM-3002    (   3000) [001] d..2.   100.000000001: kvm_entry: vcpu 1'), {
    comm: 'CPU 1/KVM', tid: 3002, tgid: 3000, cpu: 1, tsNs: 100000000001, group: '', event: 'kvm_entry', payload: 'vcpu 1', dashPid: true,
  });
  assert.equal(head('          <idle>-0       (-------) [001] dNh2.   1.5: sched_wakeup: comm=x pid=1 prio=120 target_cpu=001')?.tgid, -1);
});

test('ftrace line without flags, and comm holding dashes, brackets and digits', () => {
  const h = head(' kworker/u8:2-events [x]-77 [000]   5.000001: workqueue_execute_start: work struct 0x1');
  assert.equal(h?.comm, 'kworker/u8:2-events [x]');
  assert.equal(h?.tid, 77);
  assert.equal(h?.event, 'workqueue_execute_start');
});

test('old kernels print four flag columns; <...> is an unknown comm', () => {
  const h = head('           <...>-6965  [001] d...   812.345678: kvm_exit: reason pause rip 0x1 info 0 0');
  assert.equal(h?.comm, '<...>');
  assert.equal(h?.tid, 6965);
  assert.equal(h?.tsNs, 812345678000);
});

test('perf script line: comm TID, group:event, probe events', () => {
  assert.deepEqual(head('      fc_vcpu 1  5004 [003]  2500.100010:        kvm:kvm_exit: vcpu 1 reason hlt'), {
    comm: 'fc_vcpu 1', tid: 5004, tgid: -1, cpu: 3, tsNs: 2500100010000, group: 'kvm', event: 'kvm_exit', payload: 'vcpu 1 reason hlt', dashPid: false,
  });
  const p = head('  CPU 0/KVM  5001/5003 [002]  2500.100004:  probe:yield_to__return: (ffffffff810c0e10 <- ffffffffc0a1b400) arg1=0x1');
  assert.equal(p?.tgid, 5001);
  assert.equal(p?.tid, 5003);
  assert.equal(p?.group, 'probe');
  assert.equal(p?.event, 'yield_to__return');
});

test('lines that are not events are refused', () => {
  for (const line of ['', 'hello world', '# tracer: nop', 'CPU:1 [LOST 3 EVENTS]', 'cpus=8', 'x-1 [000] notatime: ev: y', 'x-1 [000] 1.5 ev: y', 'x-1 [000] 1.5: ev']) {
    assert.equal(head(line), null, line);
  }
});

test('trace-cmd report of a tracefs instance: the "NAME:" prefix is not part of the thread name', () => {
  const h = head('kvmspin_1280:           <idle>-0     [000] 13110.473425583: sched_waking:         comm=rcu_preempt pid=15 prio=120 target_cpu=001');
  assert.equal(h?.comm, '<idle>');
  assert.equal(h?.tid, 0);
  assert.equal(h?.tsNs, 13110473425583);
  assert.equal(head('vms: CPU 0/KVM-3021 [003] 1.000000: kvm_entry: vcpu 0')?.comm, 'vms: CPU 0/KVM'); // one space: a name, not a prefix
  assert.equal(head('i:        CPU 0/KVM-3021 [003] 1.000000: kvm_entry: vcpu 0')?.comm, 'CPU 0/KVM'); // "%*s: " then "%16s"
  assert.equal(head('   i:        CPU 0/KVM-3021 [003] 1.000000: kvm_entry: vcpu 0')?.comm, 'CPU 0/KVM'); // a shorter name, right-aligned
  // A comm holding ":  " is the comm: no name before the colon, or not 16 columns after it.
  assert.equal(head(':  !-1 [000] 12.345678: kvm_entry: vcpu 0')?.comm, ':  !');
  assert.equal(head('         ab:  cd-77 [000] 12.345678: kvm_entry: vcpu 0')?.comm, 'ab:  cd');
  assert.equal(head('i:  CPU 0/KVM-3021 [003] 1.000000: kvm_entry: vcpu 0')?.comm, 'i:  CPU 0/KVM');
  assert.equal(head('   kworker/u8:2-77 [000] 5.000001: sched_waking: comm=x pid=1 prio=120 target_cpu=000')?.comm, 'kworker/u8:2');
});

test('lines of one buffer read with one head: a bracket search that ran past a line serves the lines after it', () => {
  const lines = [
    'no bracket on this line at all',
    'a[b] glued bracket, then none',
    '  CPU 0/KVM-3001 [000] d..2. 2400.000001: kvm_entry: vcpu 0 rip 0x1',
    'still none here',
    ' kworker/u8:2-events [x]-77 [001]   5.000001: workqueue_execute_start: work struct 0x1',
  ];
  const text = Buffer.from(lines.join('\n'), 'latin1');
  const h = newLineHead();
  const seen: (number | null)[] = [];
  for (let start = 0, k = 0; k < lines.length; k++) {
    const end = start + lines[k].length;
    seen.push(parseLineHead(text, h, start, end) ? h.tid : null);
    start = end + 1;
  }
  assert.deepEqual(seen, [null, null, 3001, null, 77]);
  // The same head on another buffer (and on the first one after its bytes changed, once reset) searches afresh.
  const other = Buffer.from(lines[2], 'latin1');
  assert.ok(parseLineHead(other, h));
  other.write('X', 17, 'latin1'); // the '[' of [000]
  h.bracketIn = null;
  assert.equal(parseLineHead(other, h), false);
});
