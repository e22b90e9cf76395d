// Property tests: random garbage never makes the parser throw and never loses the valid lines
// around it; any thread name survives the round trip through a line.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { binaryString } from '../support/binaryString';
import { importTraceText, TextTraceImporter } from '../../src/core/trace/textImporter';
import { diffStores } from '../support/storeDiff';
import { commOf, newLineHead, parseLineHead } from '../../src/core/trace/lineHead';

const validLine = (i: number) =>
  `  CPU ${i % 8}/KVM-${1000 + (i % 8)}  [00${i % 8}] d..2. 10.${String(i).padStart(6, '0')}: kvm_exit: vcpu ${i % 8} reason PAUSE_INSTRUCTION rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0`;

const garbage = fc.oneof(
  fc.string({ maxLength: 200 }),
  binaryString({ maxLength: 200 }),
  fc.constantFrom('[000]', ' x-1 [000] ', 'a-1 [1] 1.0: kvm_exit:', 'x-1 [000] 1.5: sched_switch: ==>', 'x-1 [000] 1.5: kvm_apic_ipi: dst', '-1 [0] 0: :', 'CPU:1 [LOST', '(', 'x-1 [000] 1.5: p: (', 'x-1 (12 [000] 1.5: e: f'),
).map((s) => s.replace(/[\r\n]/g, ' '));

test('garbage lines between valid lines never throw and never lose a valid line', () => {
  fc.assert(
    // Each valid line is followed by up to 5 garbage lines (a file that is mostly garbage is
    // refused as a whole, which the bad-input tests cover).
    fc.property(fc.array(fc.array(garbage, { maxLength: 5 }), { minLength: 1, maxLength: 12 }), (groups) => {
      const lines: string[] = [];
      let valid = 0;
      for (const junk of groups) {
        lines.push(validLine(valid++));
        lines.push(...junk);
      }
      lines.push(validLine(valid++));
      const t = importTraceText(lines.join('\n'));
      let kept = 0;
      for (let i = 0; i < t.store.length; i++) if (t.store.tid[i] >= 1000 && t.store.tid[i] < 1008 && t.store.kind[i] === 1) kept++;
      assert.ok(kept >= valid, `kept ${kept} of ${valid}`);
    }),
    { numRuns: 300 },
  );
});

test('any thread name without a newline round-trips through a trace-cmd line', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 16 }).filter((s) => !/[\r\n]/.test(s) && s.trim() === s && s.length > 0),
      fc.integer({ min: 1, max: 4194304 }),
      fc.integer({ min: 0, max: 4095 }),
      fc.boolean(),
      (comm, pid, cpu, padded) => {
        const head = newLineHead();
        // As written by hand, or in trace-cmd report's right-aligned "%16s" column.
        const line = `${padded ? comm.padStart(16) : comm}-${pid} [${String(cpu).padStart(3, '0')}] d..2. 12.345678: kvm_entry: vcpu 0`;
        assert.ok(parseLineHead(Buffer.from(line, 'latin1'), head), line);
        assert.equal(commOf(Buffer.from(line, 'latin1'), head), comm);
        assert.equal(head.tid, pid);
        assert.equal(head.cpu, cpu);
        assert.equal(head.tsNs, 12345678000);
      },
    ),
    // A random seed found ":  !" read as an instance "" and the comm "!".
    { numRuns: 500, examples: [[':  !', 1, 0, false], ['ab:  cd', 77, 0, true]] },
  );
});

// Lines are parsed in place inside one string per chunk segment: nothing may be read past a
// line's end. Every event rendering, with parts missing, as neighbours of each other.
const renderings = fc.constantFrom(
  '  CPU 0/KVM-3001 [000] d..2. 1.000001: kvm_exit: vcpu 0 reason PAUSE_INSTRUCTION rip 0x1 info1 0x0 info2 0x0',
  '  CPU 0/KVM-3001 [000] d..2. 1.000001: kvm_exit: vcpu 0 rip 0x1',
  '  CPU 1/KVM-3002 [001] 1.000002: kvm_entry: vcpu 1, rip 0x2',
  '  CPU 1/KVM-3002 [001] 1.000003: kvm_ple_window_update: vcpu 1 old 4096 new 8192 (growed)',
  '  CPU 1/KVM-3002 [001] 1.000003: kvm_ple_window_update: vcpu 1 old 8192 new 4096',
  '  CPU 1/KVM-3002 [001] 1.000003: kvm_ple_window_update: vcpu 1 old 8192',
  '  CPU 1/KVM-3002 [001] 1.000004: kvm_ple_window: vcpu 1: ple_window 8192 (grow 4096)',
  '  CPU 2/KVM-3003 [002] 1.000005: kvm_apic_ipi: dst 1 vec 251 (Fixed|physical|de-assert|edge|self)',
  '  CPU 2/KVM-3003 [002] 1.000005: kvm_apic_ipi: dst 1 vec 251',
  '  CPU 2/KVM-3003 [002] 1.000006: kvm_apic_accept_irq: apicid 1 vec 251 (Fixed|edge)',
  '  CPU 2/KVM-3003 [002] 1.000007: kvm_vcpu_wakeup: wait time 5000 ns, polling valid',
  '  CPU 2/KVM-3003 [002] 1.000007: kvm_vcpu_wakeup: poll time 5000 ns, polling invalid',
  '  CPU 0/KVM-3001 [000] 1.000008: sched_switch: CPU 0/KVM:3001 [120] R+ ==> CPU 1/KVM:3002 [120]',
  '  CPU 0/KVM-3001 [000] 1.000008: sched_switch: CPU 0/KVM:3001 [120] R+ ==>',
  '  CPU 0/KVM-3001 [000] 1.000009: sched_switch: prev_comm=CPU 0/KVM prev_pid=3001 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120',
  '  CPU 0/KVM-3001 [000] 1.000009: sched_switch: prev_comm=CPU 0/KVM prev_pid=3001 prev_prio=120 prev_state=S ==> next_comm=x',
  '  <idle>-0 [000] 1.000010: sched_wakeup: CPU 0/KVM:3001 [120] success=1 CPU:000',
  '  <idle>-0 [000] 1.000010: sched_wakeup: CPU 0/KVM:3001 [120] success=1',
  '  <idle>-0 [000] 1.000011: sched_waking: comm=CPU 0/KVM pid=3001 prio=120 target_cpu=000',
  '  <idle>-0 [000] 1.000011: sched_waking: comm=CPU 0/KVM prio=120',
  '  <idle>-0 [000] 1.000012: sched_migrate_task: comm=CPU 0/KVM pid=3001 prio=120 orig_cpu=0 dest_cpu=1',
  '  CPU 0/KVM-3001 [000] 1.000013: kvm_vcpu_on_spin_L17: (kvm_vcpu_on_spin+0x8b/0x1f0)',
  '  CPU 0/KVM-3001 [000] 1.000014: yield_to__return: (kvm_vcpu_on_spin+0x12c/0x1f0 <- yield_to) arg1=0xfffffffffffffffd',
  '  CPU 0/KVM-3001 [000] 1.000015: yield_to: (yield_to+0x0/0x1f0',
  'CPU:1 [LOST 3 EVENTS]',
  'garbage ==> (growed) reason HLT comm= pid=1 target_cpu=1 CPU:001 dst 2 vec 3 ) <- arg1=5',
);

test('a line reads the same alone as amid other lines in one chunk', () => {
  fc.assert(
    fc.property(fc.array(renderings, { minLength: 1, maxLength: 30 }), (drawn) => {
      const lines = ['  CPU 0/KVM-3001 [000] 1.000000: kvm_entry: vcpu 0', ...drawn]; // a trace, not garbage alone
      const whole = importTraceText(lines.join('\n') + '\n');
      // One push per line: each line is its own string, as if it stood alone.
      const one = new TextTraceImporter();
      for (const line of lines) one.push(Buffer.from(line + '\n', 'latin1'));
      const alone = one.finish();
      assert.deepEqual(diffStores(alone.store, whole.store), []);
      assert.deepEqual([...whole.store.threads.values()], [...alone.store.threads.values()]);
      assert.deepEqual(whole.stats, alone.stats);
    }),
    { numRuns: 300 },
  );
});
