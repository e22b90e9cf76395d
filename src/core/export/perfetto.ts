// Perfetto's protobuf trace (what ui.perfetto.dev and trace_processor read natively):
// TracePackets with TrackDescriptors (a process per VM with vCPU thread tracks, a host process
// with a track per pCPU) and TrackEvents (slices as begin/end pairs, PAUSE exits as instants,
// boosts and IPIs as flows between instants). Encoded with protobufjs, a batch of packets at a
// time: concatenated Trace messages are one Trace, so the file streams.

import type { TimelineTables } from '../analysis/tables';
import { exportInstants, exportLayout, exportSlices, type ThreadName } from './perfettoTracks';
import { SEQ_INCREMENTAL_STATE_CLEARED, TRACK_EVENT_TYPE, TraceType } from './perfettoProto';

const SEQUENCE_ID = 1;
const BATCH = 4096;

type Annotation = { name: string; intValue?: number; stringValue?: string };
const annotations = (args: Record<string, string | number>): Annotation[] => Object.entries(args).map(([name, v]) => (typeof v === 'number' ? { name, intValue: v } : { name, stringValue: v }));

export function writePerfetto(tables: TimelineTables, threadName: ThreadName, line: (row: number) => number, write: (bytes: Uint8Array) => void): void {
  const layout = exportLayout(tables);
  let batch: object[] = [];
  const emit = (packet: object) => {
    batch.push({ trustedPacketSequenceId: SEQUENCE_ID, ...packet });
    if (batch.length >= BATCH) flush();
  };
  const flush = () => {
    if (batch.length) write(TraceType.encode(TraceType.fromObject({ packet: batch })).finish());
    batch = [];
  };
  emit({ sequenceFlags: SEQ_INCREMENTAL_STATE_CLEARED });
  for (const p of layout.processes) emit({ trackDescriptor: { uuid: p.uuid, process: { pid: p.pid, processName: p.name } } });
  for (const t of layout.vcpuTracks) emit({ trackDescriptor: { uuid: t.uuid, parentUuid: t.parentUuid, thread: { pid: t.pid, tid: t.tid, threadName: t.name } } });
  for (const t of layout.cpuTracks) emit({ trackDescriptor: { uuid: t.uuid, parentUuid: t.parentUuid, name: t.name } });
  for (const s of exportSlices(tables, layout, threadName, line)) {
    emit({ timestamp: s.startNs, trackEvent: { type: TRACK_EVENT_TYPE.SliceBegin, trackUuid: s.track.uuid, name: s.name, categories: [s.track.thread ? 'vcpu' : 'pcpu'], debugAnnotations: annotations(s.args) } });
    emit({ timestamp: s.endNs, trackEvent: { type: TRACK_EVENT_TYPE.SliceEnd, trackUuid: s.track.uuid } });
  }
  for (const e of exportInstants(tables, layout, line)) {
    const flow = e.flowId !== undefined ? { flowIds: [e.flowId] } : {};
    emit({ timestamp: e.ts, trackEvent: { type: TRACK_EVENT_TYPE.Instant, trackUuid: e.track.uuid, name: e.name, categories: ['kvm'], debugAnnotations: annotations(e.args), ...flow } });
    if (e.flowId !== undefined && e.flowTo) emit({ timestamp: e.ts, trackEvent: { type: TRACK_EVENT_TYPE.Instant, trackUuid: e.flowTo.uuid, name: e.flowName, categories: ['kvm'], terminatingFlowIds: [e.flowId] } });
  }
  flush();
}
