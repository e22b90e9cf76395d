// kvm:kvm_eoi: decoded from text and trace.dat (judged by trace-cmd itself), recorded by the
// simulator where its kernel clears the 2025 series' IPI context, and used by the replay to
// forget an IPI at its receiver's EOI; without it the replay says so in its assumptions.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importTraceText } from '../../src/core/trace/textImporter';
import { importTraceDat } from '../../src/core/trace/dat/datImporter';
import { openTraceDat } from '../../src/core/trace/dat/datFile';
import { EventKind, type EventStore } from '../../src/core/trace/model';
import { writeTraceCmdText } from '../../src/core/export/traceCmdText';
import { buildStateModel } from '../../src/core/analysis/analyze';
import { replayTrace } from '../../src/core/replay/replay';
import { simulate } from '../../src/core/sim/simulator';
import { builtinScenario } from '../../src/core/sim/scenario';
import { policyByName } from '../../src/core/sim/policies';
import { fixture } from '../support/paths';
import { hasTraceCmd } from '../support/tracefs';
import { recompressV7 } from '../support/datRecompress';
import { encodeEvent, ringPages } from '../../src/core/trace/dat/recordWriter';
import { scratchDir } from '../support/scratch';

test('kvm_eoi text lines (raw ftrace and trace-cmd report) decode to the APIC id and the vector', () => {
  const text = [
    '# tracer: nop',
    '#',
    '    CPU 1/KVM-5002    [003] ..... 100.000020: kvm_eoi: apicid 1 vector 251',
    '    CPU 2/KVM-5003    [004] 100.000030: kvm_eoi: apicid 1f vector -1',
    '    CPU 2/KVM-5003    [004] 100.000040: kvm_eoi: apicid zz vector 3',
  ].join('\n');
  const { store } = importTraceText(text);
  const rows = [...Array(store.length).keys()].filter((i) => store.kind[i] === EventKind.KvmEoi);
  assert.deepEqual(rows.map((i) => [store.tid[i], store.a[i], store.b[i]]), [[5002, 1, 251], [5003, 0x1f, -1]]);
});

test('trace.dat: a kvm_eoi record in the kernel format of the recorded file reads as trace-cmd prints it', { skip: hasTraceCmd ? false : 'trace-cmd is not installed' }, async () => {
  const path = fixture(join('dat', 'sched-v7-zstd.dat'));
  const dat = openTraceDat(path);
  const format = [...dat.formats.values()].find((f) => f.name === 'kvm_eoi')!;
  const pageSize = dat.pageSize;
  dat.close();
  assert.match(format.printFmt, /"apicid %x vector %d", REC->apicid, REC->vector/);
  const t0 = 13110_400_000_000;
  const cpu0 = [{ ts: t0 + 20_000, data: encodeEvent(format, 5002, { apicid: 0x1a, vector: 0xfb }) }];
  const file = join(scratchDir('kvm-spin-eoi-'), 'eoi.dat');
  writeFileSync(file, recompressV7(readFileSync(path), 'none', { buffer: '', cpus: new Map([[0, ringPages(pageSize, cpu0)]]) }));
  const report = execFileSync('trace-cmd', ['report', '-t', '-N', file], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
  assert.match(report, /-5002\s+\[000\]\s+13110\.400020000: kvm_eoi:\s+apicid 1a vector 251$/m);
  const { store } = await importTraceDat(file);
  const eoi = [...Array(store.length).keys()].filter((i) => store.kind[i] === EventKind.KvmEoi);
  assert.deepEqual(eoi.map((i) => [store.ts[i], store.tid[i], store.a[i], store.b[i]]), [[t0 + 20_000, 5002, 0x1a, 251]]);
});

// One run and its trace-cmd text, shared by the tests below (neither changes them).
let ipiRunCache: { store: EventStore; text: string } | undefined;
function ipiRun(): { store: EventStore; text: string } {
  if (!ipiRunCache) {
    const store = simulate({ scenario: builtinScenario('ipi-tlb'), policy: policyByName('ipi-aware-2025'), seed: 7, durationNs: 0.03e9, record: true }).store!;
    let text = '';
    writeTraceCmdText(store, (t) => (text += t));
    ipiRunCache = { store, text };
  }
  return ipiRunCache;
}

test('the simulator records a kvm_eoi per handled IPI on the receiver, and a run file carries it', () => {
  const { store, text } = ipiRun();
  let ipis = 0;
  let eois = 0;
  for (let i = 0; i < store.length; i++) {
    if (store.kind[i] === EventKind.ApicIpi) ipis++;
    if (store.kind[i] === EventKind.KvmEoi) eois++;
  }
  // IPIs sent in the warm-up are acknowledged after it, the last ones after the end: a few apart.
  assert.ok(eois > 1000 && Math.abs(eois - ipis) <= 64, `${eois} EOIs, ${ipis} IPIs`);
  assert.match(text, /: kvm_eoi: apicid [0-9a-f]+ vector 251\n/);
  const back = importTraceText(text).store;
  let read = 0;
  for (let i = 0; i < back.length; i++) if (back.kind[i] === EventKind.KvmEoi) read++;
  assert.equal(read, eois);
});

test('ipi-aware-2025 replayed: with kvm_eoi the assumptions say the IPI context goes at EOI; without, that the trace lacks it', () => {
  const { store, text } = ipiRun();
  const policy = policyByName('ipi-aware-2025');
  const replayed = replayTrace(buildStateModel(store), { policies: [policy] });
  const withEoi = replayed.policies[0];
  assert.ok(replayed.assumptions.some((a) => /until the receiver's kvm_eoi of its vector/.test(a)), replayed.assumptions.join('\n'));
  const stripped = importTraceText(text.split('\n').filter((l) => !/: kvm_eoi: /.test(l)).join('\n')).store;
  const strippedReplay = replayTrace(buildStateModel(stripped), { policies: [policy] });
  const without = strippedReplay.policies[0];
  assert.ok(strippedReplay.assumptions.some((a) => /the trace has no kvm_eoi events \(record kvm:kvm_eoi/.test(a)), strippedReplay.assumptions.join('\n'));
  assert.ok(withEoi.agree / withEoi.decisions > without.agree / without.decisions, `${withEoi.agree}/${withEoi.decisions} vs ${without.agree}/${without.decisions}`);
});
