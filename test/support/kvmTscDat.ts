// A trace.dat of KVM records at raw TSC counts, for clock and id tests: the recorded fixture
// (sched-v7-zstd.dat, Linux 6.18 formats) rewritten uncompressed with kvm_entry / kvm_exit
// records in its empty top buffer (base + small deltas, so a count may pass 2^53), then the
// given options and every buffer's clock (datWithOptions.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openTraceDat } from '../../src/core/trace/dat/datFile';
import { fixture } from './paths';
import { recompressV7 } from './datRecompress';
import { encodeEvent, ringPages, type RawEvent } from '../../src/core/trace/dat/recordWriter';
import { withOptions, type DatOption } from './datWithOptions';

const SOURCE = fixture(join('dat', 'sched-v7-zstd.dat'));

/** Overrides of the records: another pid for the first exit of 17241, another vcpu_id for it. */
export interface KvmRecordEdits {
  firstExitPid?: number;
  firstExitVcpu?: number;
}

/**
 * KVM records on two CPUs at raw TSC counts (base + small deltas), in the recorded file's own
 * kvm formats, put in its empty top buffer; every buffer's clock set to `clock`.
 */
export function kvmTscFile(base: bigint, options: DatOption[], clock = 'x86-tsc', edits: KvmRecordEdits = {}): Buffer {
  return withOptions(kvmTscRecords(base, edits), options, clock);
}

const written = new Map<string, Buffer>();
function kvmTscRecords(base: bigint, edits: KvmRecordEdits): Buffer {
  const key = `${base} ${edits.firstExitPid} ${edits.firstExitVcpu}`;
  const known = written.get(key);
  if (known) return known;
  const dat = openTraceDat(SOURCE);
  const formats = new Map([...dat.formats.values()].map((f) => [f.name, f]));
  const pageSize = dat.pageSize;
  dat.close();
  const ev = (name: string, pid: number, values: Record<string, number | bigint>) => encodeEvent(formats.get(name)!, pid, values);
  const exit = (vcpu: number, reason: number) => ({ vcpu_id: vcpu, isa: 1, exit_reason: reason, guest_rip: 0xffffffff81b860c7n, info1: 0, info2: 0, intr_info: 0, error_code: 0, requests: 0 });
  const entry = (vcpu: number) => ({ vcpu_id: vcpu, rip: 0xffffffff81b860c7n, immediate_exit: 0, intr_info: 0, error_code: 0 });
  const cpu0: RawEvent[] = [
    { ts: 0, data: ev('kvm_entry', 17241, entry(0)) },
    { ts: 29_180, data: ev('kvm_exit', edits.firstExitPid ?? 17241, exit(edits.firstExitVcpu ?? 0, 40)) }, // PAUSE_INSTRUCTION, 10 µs later at 2.918 GHz
    { ts: 35_017, data: ev('kvm_entry', 17241, entry(0)) },
    { ts: 2_918_003, data: ev('kvm_exit', 17241, exit(0, 40)) },
  ];
  const cpu1: RawEvent[] = [
    { ts: 1_000, data: ev('kvm_entry', 17242, entry(1)) },
    { ts: 58_360_001, data: ev('kvm_exit', 17242, exit(1, 12)) }, // HLT, 20 ms later
  ];
  const atBase = (pages: Buffer) => {
    for (let at = 0; at < pages.length; at += pageSize) pages.writeBigUInt64LE(pages.readBigUInt64LE(at) + base, at);
    return pages;
  };
  const none = recompressV7(readFileSync(SOURCE), 'none', { buffer: '', cpus: new Map([[0, atBase(ringPages(pageSize, cpu0))], [1, atBase(ringPages(pageSize, cpu1))]]) });
  written.set(key, none);
  return none;
}

