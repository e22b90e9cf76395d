// Property tests: random garbage never makes the parser throw and never loses the valid lines
// around it; any thread name survives the round trip through a line.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { importTraceText } from '../../src/core/trace/textImporter';
import { commOf, newLineHead, parseLineHead } from '../../src/core/trace/lineHead';

const validLine = (i: number) =>
  `  CPU ${i % 8}/KVM-${1000 + (i % 8)}  [00${i % 8}] d..2. 10.${String(i).padStart(6, '0')}: kvm_exit: vcpu ${i % 8} reason PAUSE_INSTRUCTION rip 0x1 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0`;

const garbage = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
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
      (comm, pid, cpu) => {
        const head = newLineHead();
        const line = `${comm}-${pid} [${String(cpu).padStart(3, '0')}] d..2. 12.345678: kvm_entry: vcpu 0`;
        assert.ok(parseLineHead(line, head), line);
        assert.equal(commOf(line, head), comm);
        assert.equal(head.tid, pid);
        assert.equal(head.cpu, cpu);
        assert.equal(head.tsNs, 12345678000);
      },
    ),
    { numRuns: 500 },
  );
});
