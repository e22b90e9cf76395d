// Host + guest run files carry what trace.dat's options 11, 12 and 13 carry, with the same
// meaning, in one header comment: `# kvm-spin-origin {json}`. A host file: its trace id and
// its guests (GUEST: name, guest trace id, each vCPU's host thread). A guest file: its trace
// id and TIME_SHIFT (the host's trace id, flags, and per guest CPU the samples that move its
// time onto the host clock). 64-bit values are decimal strings in the JSON.

import { readRunFileHead } from './runFileSites';
import type { GuestInfo, TimeShift, TraceOrigin } from '../trace/dat/datOptions';

const ORIGIN_KEY = 'kvm-spin-origin ';

export interface RunFileOrigin {
  traceId: string;
  guests?: GuestInfo[];
  timeShift?: TimeShift;
}

export function originHeader(origin: RunFileOrigin): string {
  return ORIGIN_KEY + JSON.stringify(origin, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

const TRACE_ID = /^0x[0-9A-F]{1,16}$/;
const isInt = (v: unknown) => typeof v === 'string' && /^-?\d{1,20}$/.test(v);

/** The origin a header comment line declares, or a one-line reason it is malformed. */
export function parseOriginHeader(line: string): TraceOrigin | string {
  let raw: Partial<{ traceId: unknown; guests: unknown; timeShift: unknown }>;
  try {
    raw = JSON.parse(line.slice(ORIGIN_KEY.length));
  } catch {
    return 'kvm-spin-origin header is not JSON';
  }
  if (typeof raw.traceId !== 'string' || !TRACE_ID.test(raw.traceId)) return 'kvm-spin-origin header has no trace id (0x and upper-case hex)';
  const origin: TraceOrigin = { traceId: raw.traceId, guests: [], timeShift: null, tsc2nsec: null };
  if (raw.guests !== undefined) {
    if (!Array.isArray(raw.guests)) return 'kvm-spin-origin guests is not a list';
    for (const g of raw.guests as Partial<GuestInfo>[]) {
      if (typeof g?.traceId !== 'string' || !TRACE_ID.test(g.traceId) || typeof g.name !== 'string' || !Array.isArray(g.vcpus)) return 'kvm-spin-origin guest entry malformed';
      if (!g.vcpus.every((v) => Number.isInteger(v?.vcpu) && v.vcpu >= 0 && Number.isInteger(v.hostTid) && v.hostTid > 0)) return `kvm-spin-origin guest ${g.traceId}: vCPU entries malformed`;
      origin.guests.push({ traceId: g.traceId, name: g.name, vcpus: g.vcpus.map((v) => ({ vcpu: v.vcpu, hostTid: v.hostTid })) });
    }
  }
  if (raw.timeShift !== undefined) {
    const t = raw.timeShift as Partial<{ peerTraceId: unknown; flags: unknown; cpus: unknown }>;
    if (typeof t?.peerTraceId !== 'string' || !TRACE_ID.test(t.peerTraceId) || !Number.isInteger(t.flags) || !Array.isArray(t.cpus)) return 'kvm-spin-origin timeShift malformed';
    const cpus = t.cpus as unknown[][];
    const ok = cpus.every((samples) => Array.isArray(samples) && samples.every((s) => ['time', 'offset', 'scaling', 'fraction'].every((k) => isInt((s as Record<string, unknown>)?.[k]))));
    if (!ok) return 'kvm-spin-origin timeShift samples malformed (expected decimal strings)';
    origin.timeShift = {
      peerTraceId: t.peerTraceId,
      flags: t.flags as number,
      cpus: cpus.map((samples) =>
        (samples as Record<string, string>[]).map((s) => ({ time: BigInt(s.time), offset: BigInt(s.offset), scaling: BigInt(s.scaling), fraction: BigInt(s.fraction) })),
      ),
    };
    if (origin.timeShift.cpus.some((samples) => samples.some((s) => s.fraction < 0n || s.fraction > 63n))) return 'kvm-spin-origin timeShift fraction bits out of 0..63';
  }
  return origin;
}

/** The origin of a text trace from its leading `#` comment lines: null when none declares one. */
export function readRunFileOrigin(path: string): TraceOrigin | string | null {
  for (const line of readRunFileHead(path).split('\n')) {
    if (!line.startsWith('#')) break;
    if (line.startsWith(`# ${ORIGIN_KEY}`)) return parseOriginHeader(line.slice(2).replace(/\r$/, ''));
  }
  return null;
}
