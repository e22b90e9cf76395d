// The trace.dat options that say how to read its clock and whose guest or host it is, read and
// applied as trace-cmd's lib/trace-cmd/trace-input.c does (handle_options, trace_guest_load,
// tsync_cpu_offsets_load, timestamp_calc, timestamp_host_sync, timestamp_correction_calc):
//   TRACEID (11)    u64 this trace's id
//   TIME_SHIFT (12) u64 peer (host) trace id, u32 flags, u32 CPU count, per CPU: u32 count,
//                   s64 times[count], s64 offsets[count], s64 scalings[count]; then, when bytes
//                   remain, per CPU s64 fraction bits[count]
//   GUEST (13)      name\0, u64 guest trace id, s32 vCPU count, per vCPU: s32 vCPU, s32 host pid
//   TSC2NSEC (14)   s32 multiplier, s32 shift, u64 offset
// Values are 64-bit: bigint where they are kept, exact split arithmetic where time is converted.

export interface Tsc2Nsec {
  mult: number;
  shift: number;
  /** Read and kept, never applied: trace-cmd stopped applying it (8463afd6, "Remove ts offset from tsc2nsec conversion"). */
  offset: bigint;
}

export interface GuestVcpu {
  vcpu: number;
  /** The host thread that runs this vCPU. */
  hostTid: number;
}

export interface GuestInfo {
  /** As `trace-cmd dump --options` prints it: 0x and upper-case hex. */
  traceId: string;
  /** May be empty. */
  name: string;
  vcpus: GuestVcpu[];
}

export interface TimeShiftSample {
  time: bigint;
  offset: bigint;
  scaling: bigint;
  fraction: bigint;
}

export interface TimeShift {
  /** The host's trace id. */
  peerTraceId: string;
  flags: number;
  /** Per guest CPU, sorted by time, equal times dropped (as trace-cmd loads them). */
  cpus: TimeShiftSample[][];
}

/** What the options say about the trace's origin: host of guests, or guest of a host. */
export interface TraceOrigin {
  traceId: string | null;
  guests: GuestInfo[];
  timeShift: TimeShift | null;
  tsc2nsec: Tsc2Nsec | null;
}

export const OPTION_TRACEID = 11;
export const OPTION_TIME_SHIFT = 12;
export const OPTION_GUEST = 13;
export const OPTION_TSC2NSEC = 14;
/** TRACECMD_TSYNC_FLAG_INTERPOLATE (trace-cmd-private.h). */
const TSYNC_INTERPOLATE = 1;
const MAX_SAMPLES = 1 << 20;

export function emptyOrigin(): TraceOrigin {
  return { traceId: null, guests: [], timeShift: null, tsc2nsec: null };
}

export const traceIdText = (id: bigint) => `0x${id.toString(16).toUpperCase()}`;

/** Reads one of the four options into `origin`; returns a warning when it is malformed (trace-cmd then skips it too). */
export function readOriginOption(id: number, data: Buffer, little: boolean, origin: TraceOrigin): string | null {
  const u32 = (at: number) => (little ? data.readUInt32LE(at) : data.readUInt32BE(at));
  const s32 = (at: number) => (little ? data.readInt32LE(at) : data.readInt32BE(at));
  const u64 = (at: number) => (little ? data.readBigUInt64LE(at) : data.readBigUInt64BE(at));
  const s64 = (at: number) => (little ? data.readBigInt64LE(at) : data.readBigInt64BE(at));
  if (id === OPTION_TRACEID) {
    if (data.length < 8) return `trace.dat: TRACEID option of ${data.length} bytes (expected 8) skipped`;
    origin.traceId = traceIdText(u64(0));
  } else if (id === OPTION_TSC2NSEC) {
    if (data.length < 16) return `trace.dat: TSC2NSEC option of ${data.length} bytes (expected 16) skipped: timestamps stay raw counter values`;
    origin.tsc2nsec = { mult: s32(0), shift: s32(4), offset: u64(8) };
  } else if (id === OPTION_GUEST) {
    const end = data.indexOf(0);
    const name = data.toString('utf8', 0, end < 0 ? data.length : end);
    let at = end < 0 ? data.length : end + 1;
    if (at + 12 > data.length) return `trace.dat: GUEST option "${name}" is truncated (no trace id or vCPU count) and was skipped`;
    const traceId = traceIdText(u64(at));
    const count = s32(at + 8);
    at += 12;
    if (count < 0 || at + count * 8 > data.length) return `trace.dat: GUEST option "${name}" (${traceId}) declares ${count} vCPUs but holds ${Math.max(0, data.length - at) >> 3}; skipped`;
    // A vCPU named twice keeps its last host thread, as trace-cmd's cpu_pid[cpu] does.
    const hostTids = new Map<number, number>();
    for (let i = 0; i < count; i++, at += 8) {
      const vcpu = s32(at);
      const hostTid = s32(at + 4);
      if (vcpu < 0 || vcpu >= count) return `trace.dat: GUEST option "${name}" (${traceId}) names vCPU ${vcpu} of ${count}; skipped`;
      if (hostTid <= 0) return `trace.dat: GUEST option "${name}" (${traceId}) gives vCPU ${vcpu} host thread ${hostTid}; skipped`;
      hostTids.set(vcpu, hostTid);
    }
    const vcpus = [...hostTids].sort((p, q) => p[0] - q[0]).map(([vcpu, hostTid]) => ({ vcpu, hostTid }));
    origin.guests.push({ traceId, name, vcpus });
  } else if (id === OPTION_TIME_SHIFT) {
    if (data.length < 16) return `trace.dat: TIME_SHIFT option of ${data.length} bytes skipped`;
    const cpuCount = u32(12);
    let at = 16;
    const cpus: TimeShiftSample[][] = [];
    const truncated = `trace.dat: TIME_SHIFT option is truncated (${data.length} bytes) and was skipped`;
    for (let c = 0; c < cpuCount; c++) {
      if (at + 4 > data.length) return truncated;
      const n = u32(at);
      at += 4;
      if (n > MAX_SAMPLES || at + n * 24 > data.length) return truncated;
      const samples: TimeShiftSample[] = [];
      for (let k = 0; k < n; k++) samples.push({ time: s64(at + 8 * k), offset: s64(at + 8 * (n + k)), scaling: s64(at + 8 * (2 * n + k)), fraction: 0n });
      at += 24 * n;
      cpus.push(samples);
    }
    if (at < data.length) {
      for (const samples of cpus) {
        if (at + samples.length * 8 > data.length) return truncated;
        for (const s of samples) {
          s.fraction = s64(at);
          at += 8;
          // A shift of 64 bits or more is undefined in trace-cmd's C.
          if (s.fraction < 0n || s.fraction > 63n) return `trace.dat: TIME_SHIFT option has ${s.fraction} fraction bits (expected 0 to 63) and was skipped`;
        }
      }
    }
    for (let c = 0; c < cpus.length; c++) {
      const sorted = [...cpus[c]].sort((p, q) => (p.time < q.time ? -1 : p.time > q.time ? 1 : 0));
      cpus[c] = sorted.filter((s, k) => k === 0 || s.time !== sorted[k - 1].time);
    }
    origin.timeShift = { peerTraceId: traceIdText(u64(0)), flags: u32(8), cpus };
  }
  return null;
}

/** Null when TSC2NSEC can be applied; else a one-line reason (values trace-cmd's arithmetic is undefined for). */
export function checkTsc2Nsec(t: Tsc2Nsec): string | null {
  if (t.mult === 0) return null; // trace-cmd: no conversion
  if (t.mult < 0 || t.shift < 0 || t.shift > 32) return `trace.dat: TSC2NSEC multiplier ${t.mult} / shift ${t.shift} out of range (expected a positive multiplier and a shift of 0 to 32)`;
  return null;
}

const TWO16 = 65536;

/**
 * mul_u64_u32_shr(ts, mult, shift) of trace-cmd (from the kernel): ((lo · mult) >> shift) +
 * ((hi · mult) << (32 − shift)), in u64 arithmetic, for ts = hi · 2^32 + lo. Exact: plain
 * numbers while every step stays below 2^53, BigInt beyond.
 */
export function tscToNs(hi: number, lo: number, mult: number, shift: number): number {
  // lo · mult (< 2^63) split at 16 bits of mult so every product stays exact.
  const p1 = lo * Math.floor(mult / TWO16);
  const p0 = lo * (mult % TWO16);
  const q = p1 + Math.floor(p0 / TWO16);
  const low = shift >= 16 ? Math.floor(q / 2 ** (shift - 16)) : q * 2 ** (16 - shift) + Math.floor((p0 % TWO16) / 2 ** shift);
  const highProduct = hi * mult;
  const ns = low + highProduct * 2 ** (32 - shift);
  if (highProduct <= Number.MAX_SAFE_INTEGER && ns <= Number.MAX_SAFE_INTEGER) return ns;
  return Number(tscToNsBig((BigInt(hi) << 32n) | BigInt(lo), mult, shift));
}

/** The same in BigInt, u64 wrap-around included. */
export function tscToNsBig(ts: bigint, mult: number, shift: number): bigint {
  const mul = BigInt.asUintN(64, BigInt(mult));
  const al = ts & 0xffffffffn;
  const ah = BigInt.asUintN(64, ts) >> 32n;
  let ret = BigInt.asUintN(64, al * mul) >> BigInt(shift);
  if (ah) ret = BigInt.asUintN(64, ret + BigInt.asUintN(64, BigInt.asUintN(64, ah * mul) << BigInt(32 - shift)));
  return ret;
}

const asU64 = (v: bigint) => BigInt.asUintN(64, v);
const asS64 = (v: bigint) => BigInt.asIntN(64, v);

/** timestamp_correction_calc: the guest time between two samples, on the host clock. */
function correct(ts: bigint, flags: number, min: TimeShiftSample, max: TimeShiftSample): bigint {
  let tscor = min.offset;
  if (flags & TSYNC_INTERPOLATE) {
    const delta = asS64(max.time - min.time);
    const offset = asS64(asS64(asS64(ts) - min.time) * asS64(max.offset - min.offset));
    // C's division truncates toward zero, as BigInt's does.
    if (delta !== 0n) tscor = asS64(min.offset + asS64(asS64(offset + delta / 2n) / delta));
  }
  // ts − |tscor| for a negative correction is the same sum modulo 2^64.
  return asU64((asU64(ts * asU64(min.scaling)) >> min.fraction) + tscor);
}

/**
 * A guest timestamp of guest CPU `cpu` moved onto the host clock by TIME_SHIFT (trace-cmd's
 * timestamp_host_sync), then to ns by the guest file's TSC2NSEC when it has one. A CPU the
 * option does not cover keeps its time, as in trace-cmd; one with no samples too.
 */
export function guestToHostNs(timeShift: TimeShift, cpu: number, guestTs: bigint, tsc2nsec: Tsc2Nsec | null = null): bigint {
  let ts = asU64(guestTs);
  const samples = cpu >= 0 && cpu < timeShift.cpus.length ? timeShift.cpus[cpu] : [];
  const n = samples.length;
  if (n === 1) ts = asU64(ts + samples[0].offset);
  else if (n === 2) ts = correct(ts, timeShift.flags, samples[0], samples[1]);
  else if (n > 2) {
    // trace-cmd compares the unsigned time with each sample's time converted to unsigned.
    const at = (k: number) => asU64(samples[k].time);
    if (ts <= at(0)) ts = correct(ts, timeShift.flags, samples[0], samples[1]);
    else if (ts >= at(n - 1)) ts = correct(ts, timeShift.flags, samples[n - 2], samples[n - 1]);
    else {
      let lo = 0;
      let hi = n - 1;
      let mid = (lo + hi) >> 1;
      while (lo <= hi) {
        if (ts < at(mid)) hi = mid - 1;
        else if (ts > at(mid)) lo = mid + 1;
        else break;
        mid = (lo + hi) >> 1;
      }
      ts = correct(ts, timeShift.flags, samples[mid], samples[mid + 1]);
    }
  }
  if (tsc2nsec && tsc2nsec.mult !== 0) ts = tscToNsBig(ts, tsc2nsec.mult, tsc2nsec.shift);
  return ts;
}
