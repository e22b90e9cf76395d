// The trace.dat options that say whose guest or host a trace is and how to read its clock,
// encoded as trace-cmd writes them (the layouts datOptions.ts reads: trace-input.c
// handle_options, trace-dump.c), little-endian: TRACEID (11), TIME_SHIFT (12), GUEST (13),
// TSC2NSEC (14), and TRACECLOCK (4) with the trace_clock file's text.
import { OPTION_GUEST, OPTION_TIME_SHIFT, OPTION_TRACEID, OPTION_TSC2NSEC, type TimeShift, type TimeShiftSample } from './datOptions';
import { s32, u32, u64 } from './littleEndian';

export interface DatOption {
  id: number;
  data: Buffer;
}

export const OPTION_TRACECLOCK = 4;


export const tsc2nsecOption = (mult: number, shift: number, offset: bigint): DatOption => ({ id: OPTION_TSC2NSEC, data: Buffer.concat([s32(mult), s32(shift), u64(offset)]) });
export const traceIdOption = (id: bigint): DatOption => ({ id: OPTION_TRACEID, data: u64(id) });

/** GUEST: name\0, u64 guest trace id, s32 vCPU count, per vCPU s32 vCPU and s32 host pid. */
export function guestOption(name: string, traceId: bigint, vcpus: { vcpu: number; hostTid: number }[]): DatOption {
  return { id: OPTION_GUEST, data: Buffer.concat([Buffer.from(name + '\0', 'utf8'), u64(traceId), s32(vcpus.length), ...vcpus.map((v) => Buffer.concat([s32(v.vcpu), s32(v.hostTid)]))]) };
}

/** TIME_SHIFT: peer id, flags, CPU count, per CPU (count, times, offsets, scalings), then per CPU the fraction bits. */
export function timeShiftOption(peer: bigint, flags: number, cpus: TimeShiftSample[][]): DatOption {
  const perCpu = cpus.map((s) => Buffer.concat([u32(s.length), ...s.map((x) => u64(x.time)), ...s.map((x) => u64(x.offset)), ...s.map((x) => u64(x.scaling))]));
  const fractions = cpus.map((s) => Buffer.concat(s.map((x) => u64(x.fraction))));
  return { id: OPTION_TIME_SHIFT, data: Buffer.concat([u64(peer), u32(flags), u32(cpus.length), ...perCpu, ...fractions]) };
}

/** The same from a TimeShift as datOptions.ts reads it (trace ids as 0x… text). */
export const timeShiftOptionOf = (shift: TimeShift): DatOption => timeShiftOption(BigInt(shift.peerTraceId), shift.flags, shift.cpus);

/** TRACECLOCK: the trace_clock file as tracefs shows it, the clock in use bracketed. */
export const traceClockOption = (clock: string): DatOption => ({ id: OPTION_TRACECLOCK, data: Buffer.from(`[${clock}]\n\0`, 'latin1') });
