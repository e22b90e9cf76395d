// Ids and counts the store cannot hold are refused by line, never wrapped: pids at or past
// Linux's PID_MAX_LIMIT (2^22), vCPU ids past int32; lost-event counts stay exact at any size;
// UTF-16 text is named as such with the command that converts it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importTraceText } from '../../src/core/trace/textImporter';
import { importTraceDat } from '../../src/core/trace/dat/datImporter';
import { analyzeTraceFile, analyzeTraceText } from '../../src/core/pipeline';
import { toAnalyzeJson } from '../../src/core/analysis/report';
import { EventKind } from '../../src/core/trace/model';
import { kvmTscFile } from '../support/kvmTscDat';
import { cliInProcess } from '../support/cli';
import { scratchDir } from '../support/scratch';

const tmp = scratchDir('kvm-spin-ids-');
const cli = (...args: string[]) => cliInProcess(args);
const exit = (task: string, cpu: number, us: number, vcpu: string) => ` ${task} [00${cpu}] 100.${String(us).padStart(6, '0')}: kvm_exit: vcpu ${vcpu} reason PAUSE_INSTRUCTION rip 0xffffffff81b860c7 info 0 0`;

test('text: a pid of 2^31 or 2^32 + 5003 and vcpu 4294967301 are refused with their lines, not wrapped', () => {
  const text = [
    '# tracer: nop',
    exit('CPU 0/KVM-2147483648', 1, 1, '0'),
    exit('CPU 0/KVM-4294972299', 1, 2, '0'),
    exit('CPU 0/KVM-5003', 1, 3, '0'),
    exit('CPU 1/KVM-5004', 2, 4, '4294967301'),
    exit('CPU 5/KVM-5005', 2, 5, '5'),
    ' CPU 0/KVM-5003 [001] 100.000006: sched_switch: prev_comm=CPU 0/KVM prev_pid=5003 prev_prio=120 prev_state=R+ ==> next_comm=x next_pid=4294972299 next_prio=120',
    ' CPU 0/KVM-5003 [001] 100.000007: sched_switch: CPU 0/KVM:5003 [120] R+ ==> x:4194304 [120]',
    '          <idle>-0     [002] 100.000008: sched_wakeup: CPU 1/KVM:4194303 [120] CPU:002',
  ].join('\n');
  const { store, stats } = importTraceText(text);
  assert.equal(stats.idsOutOfRange, 5);
  assert.deepEqual(stats.firstIdOutOfRangeLines, [2, 3, 5, 7, 8]);
  assert.deepEqual([...store.tid.subarray(0, store.length)], [5003, 5005, 0]);
  assert.deepEqual([...store.a.subarray(0, store.length)], [0, 5, 4194303]); // the largest pid Linux can give is kept
  assert.ok(!store.threads.has(-2147483648)); // 2^31 wrapped to int32
  const result = analyzeTraceText(text);
  assert.equal(result.analysis.totals.pleExits, 2);
  assert.deepEqual(result.analysis.vms.flatMap((vm) => vm.vcpus.map((v) => [v.vcpu, v.tid])), [[0, 5003], [5, 5005]]);
  assert.ok(result.analysis.warnings.includes(`5 event line(s) had a thread id of 4194304 or more (Linux's PID_MAX_LIMIT) or a vCPU id beyond 2147483647 and were skipped, not wrapped (first at line 2, 3, 5, 7, 8)`), result.analysis.warnings.join('\n'));
});

test('trace.dat: a vcpu_id of 2^32 − 1 (u32) and a common_pid of 2^22 are refused by record', async () => {
  const vcpu = join(tmp, 'vcpu-u32.dat');
  writeFileSync(vcpu, kvmTscFile(1_000_000n, [], 'local', { firstExitVcpu: 0xffffffff }));
  const byVcpu = await importTraceDat(vcpu);
  assert.equal(byVcpu.stats.idsOutOfRange, 1);
  const kvmExits = (s: typeof byVcpu.store) => [...Array(s.length).keys()].filter((i) => s.kind[i] === EventKind.KvmExit).map((i) => s.a[i]);
  assert.deepEqual(kvmExits(byVcpu.store), [0, 1]); // 17241's second exit, then cpu 1's HLT exit; no vCPU −1 or 4294967295
  const pid = join(tmp, 'pid-limit.dat');
  writeFileSync(pid, kvmTscFile(1_000_000n, [], 'local', { firstExitPid: 4194304 }));
  const byPid = await importTraceDat(pid);
  assert.equal(byPid.stats.idsOutOfRange, 1);
  assert.ok(!byPid.store.threads.has(4194304));
  assert.equal((await analyzeTraceFile(pid)).analysis.warnings.filter((w) => /PID_MAX_LIMIT/.test(w)).length, 1);
});

test('lost events: counts of 2^64 are summed and printed exactly', async () => {
  const text = ['# tracer: nop', exit('CPU 0/KVM-5003', 1, 1, '0'), 'CPU:1 [LOST 18446744073709551616 EVENTS]', exit('CPU 0/KVM-5003', 1, 2, '0'), 'CPU:1 [LOST 18446744073709551616 EVENTS]', 'CPU:2 [LOST 5 EVENTS]'].join('\n');
  const result = analyzeTraceText(text);
  assert.equal(result.lostEventsExact, '36893488147419103237');
  assert.equal(toAnalyzeJson(result).totals.lostEventsExact, '36893488147419103237');
  assert.ok(result.analysis.warnings.some((w) => w.includes('(36893488147419103237 events counted')), result.analysis.warnings.join('\n'));
  const file = join(tmp, 'lost.txt');
  writeFileSync(file, text + '\n');
  const r = await cli('analyze', file);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /lost events 36893488147419103237$/m);
});

test('UTF-16 text (with or without BOM, either byte order) is named, with the iconv command; exit 2', async () => {
  const trace = '# tracer: nop\n' + exit('CPU 0/KVM-5003', 1, 1, '0') + '\n';
  const le = Buffer.from(trace, 'utf16le');
  const be = Buffer.from(le).swap16();
  const cases: [string, Buffer, string][] = [
    ['le-bom.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), le]), 'UTF-16 text (little-endian, with a byte-order mark): convert it to UTF-8 first, e.g. iconv -f UTF-16 -t UTF-8 FILE > FILE.txt'],
    ['le.txt', le, 'UTF-16 text (little-endian, without a byte-order mark): convert it to UTF-8 first, e.g. iconv -f UTF-16LE -t UTF-8 FILE > FILE.txt'],
    ['be-bom.txt', Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'UTF-16 text (big-endian, with a byte-order mark): convert it to UTF-8 first, e.g. iconv -f UTF-16 -t UTF-8 FILE > FILE.txt'],
    ['be.txt', be, 'UTF-16 text (big-endian, without a byte-order mark): convert it to UTF-8 first, e.g. iconv -f UTF-16BE -t UTF-8 FILE > FILE.txt'],
  ];
  for (const [name, bytes, message] of cases) {
    const file = join(tmp, name);
    writeFileSync(file, bytes);
    const r = await cli('analyze', file);
    assert.equal(r.status, 2, name);
    assert.equal(r.stderr, `kvm-spin: ${message}\n`, name);
  }
});
