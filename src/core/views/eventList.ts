// The event list beside the timeline: the store's events in a time window, filtered by VM,
// vCPU, CPU and event name, one page at a time (the webview draws only the visible rows).

import { EventKind, PREEMPT_FLAG, type EventStore } from '../trace/model';
import type { TimelineTables } from '../analysis/tables';
import { eventNameOf } from '../events/registry';
import type { EventListPage, EventListRequest, EventListRow } from '../../shared/protocol';
import { instanceEventRows, type InstanceTables } from './instances';

/** Rows in time order, and the event names present: computed once per store. */
const indexes = new WeakMap<EventStore, { length: number; order: Uint32Array | null; names: string[] }>();

function storeIndex(store: EventStore): { order: Uint32Array | null; names: string[] } {
  const hit = indexes.get(store);
  if (hit && hit.length === store.length) return hit;
  const names = new Set<string>();
  const probes = new Set<number>();
  for (let i = 0; i < store.length; i++) {
    if (store.kind[i] === EventKind.Probe) probes.add(store.a[i]);
    else names.add(eventNameOf(store, i));
  }
  for (const id of probes) names.add(store.strings.get(id));
  const index = { length: store.length, order: store.outOfOrder ? store.order() : null, names: [...names].sort() };
  indexes.set(store, index);
  return index;
}

export function eventList(store: EventStore, tables: InstanceTables, request: EventListRequest): EventListPage {
  const { order, names } = storeIndex(store);
  if (request.filter.instances) return instancesPage(store, tables, request, names);
  const rowAt = order ? (k: number) => order[k] : (k: number) => k;
  const first = firstAtOrAfter(store, rowAt, request.startNs);
  const last = firstAtOrAfter(store, rowAt, request.endNs);
  const matches = rowFilter(store, tables, request.filter);
  const rows: EventListRow[] = [];
  let total = 0;
  if (!matches) {
    total = last - first;
    for (let k = first + request.offset; k < Math.min(last, first + request.offset + request.limit); k++) rows.push(listRow(store, rowAt(k)));
  } else {
    for (let k = first; k < last; k++) {
      const i = rowAt(k);
      if (!matches(i)) continue;
      if (total >= request.offset && rows.length < request.limit) rows.push(listRow(store, i));
      total++;
    }
  }
  return { offset: request.offset, total, rows, eventNames: names };
}

/** The events of a dashboard figure's instances in the window, with the other filters applied. */
function instancesPage(store: EventStore, tables: InstanceTables, request: EventListRequest, eventNames: string[]): EventListPage {
  const candidates = instanceEventRows(tables, request.filter.instances!, request.startNs, request.endNs);
  const matches = rowFilter(store, tables, request.filter);
  const rows: EventListRow[] = [];
  let total = 0;
  for (const i of candidates) {
    if (matches && !matches(i)) continue;
    if (total >= request.offset && rows.length < request.limit) rows.push(listRow(store, i));
    total++;
  }
  return { offset: request.offset, total, rows, eventNames };
}

/** First position (in time order) whose timestamp is at least ns. */
function firstAtOrAfter(store: EventStore, rowAt: (k: number) => number, ns: number): number {
  let lo = 0;
  let hi = store.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (store.ts[rowAt(mid)] >= ns) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** null when nothing is filtered (every row matches). */
function rowFilter(store: EventStore, tables: TimelineTables, f: EventListRequest['filter']): ((i: number) => boolean) | null {
  const tests: ((i: number) => boolean)[] = [];
  if (f.cpu !== undefined) tests.push((i) => store.cpu[i] === f.cpu);
  if (f.vcpuLane !== undefined) {
    const tid = tables.vcpuLanes[f.vcpuLane]?.tid ?? -2;
    tests.push((i) => store.tid[i] === tid);
  }
  if (f.vm !== undefined) {
    const tids = new Set(tables.vcpuLanes.filter((l) => l.vm === f.vm).map((l) => l.tid));
    tests.push((i) => tids.has(store.tid[i]));
  }
  if (f.event !== undefined) tests.push((i) => eventNameOf(store, i) === f.event);
  return tests.length ? (i) => tests.every((t) => t(i)) : null;
}

function listRow(store: EventStore, i: number): EventListRow {
  const tid = store.tid[i];
  return {
    ts: store.ts[i],
    cpu: store.cpu[i],
    tid,
    comm: threadName(store, tid),
    event: eventNameOf(store, i),
    info: eventInfo(store, i),
    line: store.line[i],
  };
}

const threadName = (store: EventStore, tid: number) => (tid === 0 ? '<idle>' : store.threads.get(tid)?.comm ?? '<...>');
const PREV_STATE = ['R', 'S', 'D', 'other'];
const vcpu = (n: number) => (n >= 0 ? `vcpu ${n} ` : '');

/** The fields the store keeps for an event, in words (what the store does not keep is not shown). */
export function eventInfo(store: EventStore, i: number): string {
  const [a, b, c] = [store.a[i], store.b[i], store.c[i]];
  switch (store.kind[i] as EventKind) {
    case EventKind.KvmExit:
      return `${vcpu(a)}reason ${store.strings.get(b)}`;
    case EventKind.KvmEntry:
      return vcpu(a).trim();
    case EventKind.PleWindow:
      return `vcpu ${a} old ${store.x[i]} new ${store.y[i]} (${b ? 'growed' : 'shrinked'})`;
    case EventKind.ApicIpi:
      return `dst ${a.toString(16)} vec ${b}`;
    case EventKind.ApicAcceptIrq:
      return `apicid ${a.toString(16)} vec ${b}`;
    case EventKind.VcpuWakeup:
      return `${a ? 'wait' : 'poll'} time ${store.x[i]} ns, polling ${b ? 'valid' : 'invalid'}`;
    case EventKind.SchedSwitch:
      return `${threadName(store, a)}:${a} ${PREV_STATE[b & 3]}${b & PREEMPT_FLAG ? '+' : ''} ==> ${threadName(store, c)}:${c}`;
    case EventKind.SchedWakeup:
    case EventKind.SchedWaking:
    case EventKind.SchedWakeupNew:
      return `${threadName(store, a)}:${a} target CPU ${b}`;
    case EventKind.SchedMigrate:
      return `${threadName(store, a)}:${a} CPU ${b} → ${c}`;
    case EventKind.Probe:
      return `${b ? 'return' : 'entry'}${Number.isNaN(store.x[i]) ? '' : ` arg1=${store.x[i]}`}`;
  }
  return '';
}
