// The Chrome JSON trace-event format (what ui.perfetto.dev and chrome://tracing open): process
// and thread names as metadata (ph M), slices as complete events (ph X), PAUSE exits as thread
// instants (ph i), boosts and IPIs as flows (ph s / f with ids). Streamed in chunks; times are
// microseconds with ns decimals, as the format wants.

import type { TimelineTables } from '../analysis/tables';
import { exportInstants, exportLayout, exportSlices, type ThreadName } from './perfettoTracks';

const CHUNK_CHARS = 1 << 16;
const us = (ns: number) => Number((ns / 1e3).toFixed(3));

export function writeChromeJson(tables: TimelineTables, threadName: ThreadName, line: (row: number) => number, write: (text: string) => void): void {
  const layout = exportLayout(tables);
  let buffer = '{"displayTimeUnit":"ns","traceEvents":[\n';
  let first = true;
  const emit = (event: object) => {
    buffer += (first ? '' : ',\n') + JSON.stringify(event);
    first = false;
    if (buffer.length >= CHUNK_CHARS) {
      write(buffer);
      buffer = '';
    }
  };
  layout.processes.forEach((p, i) => {
    emit({ ph: 'M', name: 'process_name', pid: p.pid, tid: 0, args: { name: p.name } });
    emit({ ph: 'M', name: 'process_sort_index', pid: p.pid, tid: 0, args: { sort_index: i } });
  });
  for (const t of [...layout.cpuTracks, ...layout.vcpuTracks]) emit({ ph: 'M', name: 'thread_name', pid: t.pid, tid: t.tid, args: { name: t.name } });
  for (const s of exportSlices(tables, layout, threadName, line)) {
    emit({ ph: 'X', cat: s.track.thread ? 'vcpu' : 'pcpu', name: s.name, pid: s.track.pid, tid: s.track.tid, ts: us(s.startNs), dur: us(s.endNs - s.startNs), args: s.args });
  }
  for (const e of exportInstants(tables, layout, line)) {
    emit({ ph: 'i', s: 't', cat: 'kvm', name: e.name, pid: e.track.pid, tid: e.track.tid, ts: us(e.ts), args: e.args });
    if (e.flowId === undefined || !e.flowTo) continue;
    // A flow binds to the slices enclosing its ends: the spinner's exit and the target's state.
    emit({ ph: 's', cat: 'flow', name: e.flowName, id: e.flowId, pid: e.track.pid, tid: e.track.tid, ts: us(e.ts) });
    emit({ ph: 'f', bp: 'e', cat: 'flow', name: e.flowName, id: e.flowId, pid: e.flowTo.pid, tid: e.flowTo.tid, ts: us(e.ts) });
  }
  write(buffer + '\n]}\n');
}
