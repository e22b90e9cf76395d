// The subset of Perfetto's trace protos the export writes, with the field numbers of
// protos/perfetto/trace/trace_packet.proto, track_event/track_event.proto,
// track_descriptor.proto, process_descriptor.proto, thread_descriptor.proto and
// debug_annotation.proto. proto2, as upstream: optional fields keep explicit presence (a pcpu
// of 0 is written) and repeated scalars are not packed (flow ids as protozero expects them).

import * as protobuf from 'protobufjs';

export const TRACK_EVENT_TYPE = { SliceBegin: 1, SliceEnd: 2, Instant: 3 } as const;
/** TracePacket.sequence_flags: SEQ_INCREMENTAL_STATE_CLEARED. */
export const SEQ_INCREMENTAL_STATE_CLEARED = 1;

const PERFETTO_SUBSET = `
syntax = "proto2";
package perfetto.protos;
message Trace { repeated TracePacket packet = 1; }
message TracePacket {
  optional uint64 timestamp = 8;
  optional uint32 trusted_packet_sequence_id = 10;
  optional TrackEvent track_event = 11;
  optional uint32 sequence_flags = 13;
  optional TrackDescriptor track_descriptor = 60;
}
message TrackDescriptor {
  optional uint64 uuid = 1;
  optional string name = 2;
  optional ProcessDescriptor process = 3;
  optional ThreadDescriptor thread = 4;
  optional uint64 parent_uuid = 5;
}
message ProcessDescriptor { optional int32 pid = 1; optional string process_name = 6; }
message ThreadDescriptor { optional int32 pid = 1; optional int64 tid = 2; optional string thread_name = 5; }
message TrackEvent {
  repeated DebugAnnotation debug_annotations = 4;
  optional int32 type = 9;
  optional uint64 track_uuid = 11;
  repeated string categories = 22;
  optional string name = 23;
  repeated fixed64 flow_ids = 47;
  repeated fixed64 terminating_flow_ids = 48;
}
message DebugAnnotation { optional int64 int_value = 4; optional string string_value = 6; optional string name = 10; }
`;

export const perfettoRoot = protobuf.parse(PERFETTO_SUBSET, { keepCase: false }).root;
export const TraceType = perfettoRoot.lookupType('perfetto.protos.Trace');
