// Guest traces beside their host's: a guest file is recognised as the guest of a host trace
// by trace id (its TIME_SHIFT names the host's TRACEID, and the host's GUEST option names the
// guest's TRACEID; names may be empty), and its timestamps are moved onto the host clock with
// TIME_SHIFT (datOptions.guestToHostNs), so one analysis reads both on one clock.

import type { EventStore } from './trace/model';
import { guestToHostNs, tscToNsBig, type GuestInfo, type TimeShift, type TraceOrigin, type Tsc2Nsec } from './trace/dat/datOptions';

/** A guest file that does not belong to the host it was given with: one line, exit 2. */
export class GuestTraceError extends Error {}

export interface GuestTrace {
  source: string;
  traceId: string;
  name: string;
  /** The host thread of each vCPU (= guest CPU), from the host's GUEST entry. */
  vcpus: GuestInfo['vcpus'];
  /** The guest's events, timestamps on the host clock. */
  store: EventStore;
  events: number;
  /** First and last event on the host clock (ns); null when the guest recorded nothing. */
  firstNs: number | null;
  lastNs: number | null;
}

/** Checks that `guest` (from `source`) is a guest of `host`; throws GuestTraceError when not. */
export function matchGuest(host: TraceOrigin, hostSource: string, guest: TraceOrigin, source: string): GuestInfo {
  const shift = guest.timeShift;
  if (!shift || guest.traceId === null) {
    throw new GuestTraceError(`${source}: not a guest trace (no TRACEID and TIME_SHIFT naming its host); expected the trace of a guest of ${hostSource}`);
  }
  if (host.traceId === null) throw new GuestTraceError(`${hostSource}: the host trace has no trace id (TRACEID), so no guest can be paired with it`);
  if (shift.peerTraceId !== host.traceId) {
    throw new GuestTraceError(`${source}: guest trace ${guest.traceId} belongs to host trace ${shift.peerTraceId}, not to ${hostSource} (trace id ${host.traceId})`);
  }
  const entry = host.guests.find((g) => g.traceId === guest.traceId);
  if (!entry) throw new GuestTraceError(`${source}: guest trace ${guest.traceId} is not among the guests ${hostSource} names (${host.guests.map((g) => g.traceId).join(', ') || 'none'})`);
  return entry;
}

/**
 * Moves every timestamp of a guest store onto the host clock (per guest CPU, exact in 64-bit
 * arithmetic) and returns the guest beside its host. The store's rows keep their file order.
 */
export function placeGuest(store: EventStore, entry: GuestInfo, source: string): GuestTrace {
  const tsc = store.origin.tsc2nsec;
  // A trace.dat with TSC2NSEC was read in ns already: its shift goes to ns the same way.
  const shift = tsc && tsc.mult !== 0 ? shiftInNs(store.origin.timeShift!, tsc) : store.origin.timeShift!;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < store.length; i++) {
    const ns = Number(guestToHostNs(shift, store.cpu[i], BigInt(Math.round(store.ts[i]))));
    store.ts[i] = ns;
    if (ns < first) first = ns;
    if (ns > last) last = ns;
  }
  store.recountOrder();
  const empty = store.length === 0;
  return { source, traceId: entry.traceId, name: entry.name, vcpus: entry.vcpus, store, events: store.length, firstNs: empty ? null : first, lastNs: empty ? null : last };
}

/**
 * TIME_SHIFT's samples (raw counter values) in ns by TSC2NSEC. The conversion is linear, so
 * host = (guest · scaling >> fraction) + offset holds in ns with the same scaling: exact to the
 * nanosecond trace-cmd's own conversion rounds to.
 */
export function shiftInNs(shift: TimeShift, tsc: Tsc2Nsec): TimeShift {
  const ns = (v: bigint) => (v < 0n ? -tscToNsBig(-v, tsc.mult, tsc.shift) : tscToNsBig(v, tsc.mult, tsc.shift));
  return { ...shift, cpus: shift.cpus.map((samples) => samples.map((s) => ({ ...s, time: ns(s.time), offset: ns(s.offset) }))) };
}
