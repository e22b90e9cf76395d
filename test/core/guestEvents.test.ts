// The guest's lock, ipi and csd events: both renderings decode to the same store columns, the
// writer's text reads back to them, and trace.dat records decode by their format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importTraceText } from '../../src/core/trace/textImporter';
import { EventKind, EventStore } from '../../src/core/trace/model';
import { writeTraceCmdText } from '../../src/core/export/traceCmdText';
import { cpusOfMaskBytes, cpusOfMaskText, maskTextOfCpus, pointerText } from '../../src/core/events/guest';
import { NAMED_EVENTS } from '../../src/core/events/registry';
import { fieldReaders } from '../../src/core/events/binaryFields';
import type { EventFormat } from '../../src/core/trace/dat/eventFormat';
import { parseEventFormat } from '../../src/core/trace/dat/eventFormat';
import { encodeEvent } from '../../src/core/trace/dat/recordWriter';

const HEAD = 'cpus=4\n';
const line = (cpu: number, ts: string, event: string, payload: string) => `        worker-1001  [00${cpu}] d..2. ${ts}: ${event}: ${payload}\n`;

test('the kernel renderings of the guest events decode to their columns', () => {
  const text =
    HEAD +
    line(1, '10.000000100', 'contention_begin', '0xffff888003a1c040 (flags=SPIN)') +
    line(1, '10.000000200', 'contention_end', 'ffff888003a1c040 (ret=0)') +
    line(2, '10.000000300', 'ipi_send_cpu', 'cpu=3 callsite=smp_call_function_single+0xe3/0x150 callback=generic_smp_call_function_single_interrupt+0x0/0x20') +
    line(2, '10.000000400', 'ipi_send_cpumask', 'cpumask=00000000,0000000b callsite=smp_call_function_many_cond+0x1a0/0x4a0 callback=0x0') +
    line(2, '10.000000500', 'csd_queue_cpu', 'cpu=3 callsite=smp_call_function_many_cond+0x1a0/0x4a0 func=flush_tlb_func csd=0xffff88803fd9c0e0') +
    line(3, '10.000000600', 'csd_function_entry', 'func=flush_tlb_func, csd=0xffff88803fd9c0e0') +
    line(3, '10.000000700', 'csd_function_exit', 'func=flush_tlb_func, csd=0xffff88803fd9c0e0');
  const { store, stats } = importTraceText(text);
  assert.equal(stats.malformedPayloads, 0);
  assert.equal(store.length, 7);
  const s = (id: number) => store.strings.get(id);
  assert.deepEqual([...store.kind.subarray(0, 7)], [14, 15, 16, 17, 18, 19, 20]);
  assert.equal(store.kind[0], EventKind.LockContentionBegin);
  assert.deepEqual([s(store.a[0]), store.b[0]], ['0xffff888003a1c040', 1]);
  assert.equal(store.a[1], store.a[0], 'the same lock with or without 0x');
  assert.equal(store.b[1], 0);
  assert.deepEqual([store.a[2], s(store.b[2]), s(store.c[2])], [3, 'generic_smp_call_function_single_interrupt+0x0/0x20', 'smp_call_function_single+0xe3/0x150']);
  assert.equal(s(store.a[3]), '0,1,3');
  assert.deepEqual([store.a[4], s(store.b[4]), s(store.c[4])], [3, 'flush_tlb_func', '0xffff88803fd9c0e0']);
  assert.deepEqual([s(store.a[5]), s(store.b[5])], ['flush_tlb_func', '0xffff88803fd9c0e0']);
  assert.equal(store.b[6], store.b[5]);
  assert.equal(store.b[6], store.c[4], 'the csd of the queue is the csd of the function');
});

test('a malformed guest payload is refused, not stored', () => {
  const { store, stats } = importTraceText(HEAD + line(1, '1.000000000', 'contention_begin', 'nonsense') + line(1, '1.000000001', 'csd_function_exit', 'func=f, csd=zz'));
  assert.equal(store.length, 0);
  assert.equal(stats.malformedPayloads, 2);
});

test('the writer renders guest events the way they read back', () => {
  const src = importTraceText(
    HEAD +
      line(0, '2.000000001', 'contention_begin', '0xffff888003a1c040 (flags=SPIN|WRITE)') +
      line(0, '2.000000002', 'ipi_send_cpumask', 'cpumask=00000001,00000004 callsite=a+0x1/0x2 callback=b+0x3/0x4') +
      line(0, '2.000000003', 'csd_queue_cpu', 'cpu=33 callsite=a+0x1/0x2 func=f csd=0x10'),
  ).store;
  let text = '';
  writeTraceCmdText(src, (t) => (text += t));
  const back = importTraceText(text).store;
  assert.equal(back.length, 3);
  const str = (st: EventStore, col: 'a' | 'b' | 'c', i: number) => st.strings.get(st[col][i]);
  assert.deepEqual([...back.kind.subarray(0, 3)], [...src.kind.subarray(0, 3)]);
  assert.equal(str(back, 'a', 0), str(src, 'a', 0));
  for (const col of ['a', 'b', 'c'] as const) assert.equal(str(back, col, 1), str(src, col, 1));
  assert.equal(str(back, 'b', 2), 'f');
  assert.equal(str(back, 'c', 2), '0x10');
  assert.equal(back.b[0], 5);
  assert.equal(back.a[2], 33);
  assert.equal(back.strings.get(back.a[1]), '2,32');
});

test('pointers and masks: hand-checked conversions', () => {
  assert.equal(pointerText('0000000012ab'), '0x12ab');
  assert.equal(pointerText('(null)'), '0x0');
  assert.equal(pointerText('0x'), null);
  assert.equal(pointerText('12345678901234567'), null);
  assert.deepEqual(cpusOfMaskText('80000000,00000001'), [0, 63]);
  assert.equal(cpusOfMaskText('xyz'), null);
  assert.equal(maskTextOfCpus([0, 63]), '80000000,00000001');
  assert.deepEqual(cpusOfMaskBytes(Buffer.from([0x05, 0, 0, 0, 0, 0, 0, 0x80]), 0, 8, true), [0, 2, 63]);
});

const COMMON = `	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
	field:int common_pid;	offset:4;	size:4;	signed:1;
`;
const CSD_QUEUE_FORMAT = `name: csd_queue_cpu
ID: 512
format:
${COMMON}
	field:unsigned int cpu;	offset:8;	size:4;	signed:0;
	field:void * callsite;	offset:16;	size:8;	signed:0;
	field:void * func;	offset:24;	size:8;	signed:0;
	field:void * csd;	offset:32;	size:8;	signed:0;

print fmt: "cpu=%u callsite=%pS func=%ps csd=%p", REC->cpu, (void *)REC->callsite, REC->func, REC->csd
`;
const CPUMASK_FORMAT = `name: ipi_send_cpumask
ID: 513
format:
${COMMON}
	field:__data_loc cpumask_t[] cpumask;	offset:8;	size:4;	signed:0;
	field:void * callsite;	offset:16;	size:8;	signed:0;
	field:void * callback;	offset:24;	size:8;	signed:0;

print fmt: "cpumask=%s callsite=%pS callback=%pS", __get_cpumask(cpumask), (void *)REC->callsite, REC->callback
`;

/** The binary decoder the dat importer would bind for a format, or null for an event not modelled. */
function datDecoder(fmt: EventFormat, store: EventStore) {
  const event = NAMED_EVENTS.find((e) => e.system === fmt.system && e.name === fmt.name && e.binary);
  return event ? { kind: event.kind, decode: event.binary!.make(fmt, fieldReaders(true), store) } : null;
}

test('trace.dat records of csd_queue_cpu and ipi_send_cpumask decode by their format, pointers exact at 64 bits', () => {
  const store = new EventStore();
  const queue = parseEventFormat(CSD_QUEUE_FORMAT, 'csd');
  const decoder = datDecoder(queue, store)!;
  assert.equal(decoder.kind, EventKind.CsdQueueCpu);
  const data = encodeEvent(queue, 1001, { cpu: 5, callsite: 0xffffffff81234567n, func: 0xffffffff81076540n, csd: 0xffff88803fd9c0e1n });
  const row = store.push(1, 0, 1001, decoder.kind, 1);
  assert.ok(decoder.decode(store, row, data, 0));
  assert.deepEqual([store.a[row], store.strings.get(store.b[row]), store.strings.get(store.c[row])], [5, '0xffffffff81076540', '0xffff88803fd9c0e1']);

  const mask = parseEventFormat(CPUMASK_FORMAT, 'ipi');
  const maskDecoder = datDecoder(mask, store)!;
  const fixed = encodeEvent(mask, 1001, { cpumask: (8 << 16) | 32, callsite: 1n, callback: 2n });
  const record = Buffer.concat([fixed, Buffer.alloc(32 - fixed.length), Buffer.from([0x0a, 0, 0, 0, 0, 0, 0, 0])]);
  const row2 = store.push(2, 0, 1001, maskDecoder.kind, 2);
  assert.ok(maskDecoder.decode(store, row2, record, 0));
  assert.equal(store.strings.get(store.a[row2]), '1,3');
  assert.equal(datDecoder({ ...queue, name: 'csd_other' }, store), null);
});

test('property: any guest event the writer renders reads back to the same values', async () => {
  const fc = await import('fast-check');
  const hex = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((v) => '0x' + v.toString(16));
  const sym = fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}\+0x[0-9a-f]{1,4}\/0x[0-9a-f]{1,4}$/);
  const cpus = fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 12 }).map((c) => [...c].sort((p, q) => p - q));
  const event = fc.oneof(
    fc.record({ kind: fc.constant(14), lock: hex, flags: fc.integer({ min: 0, max: 63 }) }),
    fc.record({ kind: fc.constant(15), lock: hex, ret: fc.integer({ min: -4095, max: 1 }) }),
    fc.record({ kind: fc.constant(16), cpu: fc.integer({ min: 0, max: 4095 }), site: sym, cb: sym }),
    fc.record({ kind: fc.constant(17), cpus, site: sym, cb: sym }),
    fc.record({ kind: fc.constant(18), cpu: fc.integer({ min: 0, max: 4095 }), func: sym, csd: hex }),
    fc.record({ kind: fc.constant(19), func: sym, csd: hex }),
    fc.record({ kind: fc.constant(20), func: sym, csd: hex }),
  );
  fc.assert(
    fc.property(fc.array(event, { minLength: 1, maxLength: 20 }), (events) => {
      const src = new EventStore();
      const id = (t: string) => src.strings.intern(t);
      events.forEach((e, k) => {
        const r = src.push(1e9 + k, k % 4, 1001, e.kind as never, k + 1);
        const v = e as Record<string, unknown>;
        if (e.kind === 14 || e.kind === 15) [src.a[r], src.b[r]] = [id(v.lock as string), (v.flags ?? v.ret) as number];
        else if (e.kind === 16) [src.a[r], src.b[r], src.c[r]] = [v.cpu as number, id(v.cb as string), id(v.site as string)];
        else if (e.kind === 17) [src.a[r], src.b[r], src.c[r]] = [id((v.cpus as number[]).join(',')), id(v.cb as string), id(v.site as string)];
        else if (e.kind === 18) [src.a[r], src.b[r], src.c[r]] = [v.cpu as number, id(v.func as string), id(v.csd as string)];
        else [src.a[r], src.b[r]] = [id(v.func as string), id(v.csd as string)];
      });
      let text = '';
      writeTraceCmdText(src, (t) => (text += t));
      const back = importTraceText(text).store;
      assert.equal(back.length, src.length);
      for (let i = 0; i < src.length; i++) {
        assert.equal(back.kind[i], src.kind[i]);
        const k = src.kind[i];
        const numeric = (col: 'a' | 'b' | 'c') => (col === 'b' && (k === 14 || k === 15)) || (col === 'a' && (k === 16 || k === 18));
        const columns: ('a' | 'b' | 'c')[] = k >= 19 || k <= 15 ? ['a', 'b'] : k === 18 ? ['a', 'b', 'c'] : ['a', 'b', 'c'];
        for (const col of columns) {
          if (numeric(col)) assert.equal(back[col][i], src[col][i]);
          else assert.equal(back.strings.get(back[col][i]), src.strings.get(src[col][i]));
        }
      }
    }),
    { numRuns: 200 },
  );
});
