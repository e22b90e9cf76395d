// An open trace: the store, the state model built from it once, and the analysis of the whole
// trace; any time range is then answered from the model's tables without another pass. The
// one module the CLI, the session worker and the tests use to open a trace and ask for ranges.

import type { EventStore } from './trace/model';
import { buildStateModel, type StateModel } from './analysis/analyze';
import { analyzeModelRange } from './analysis/rangeAnalysis';
import type { TraceCensus } from './analysis/census';
import type { AnalysisOptions, AnalysisResult } from './analysis/result';
import { instancesReply, type InstanceTables } from './views/instances';
import type { InstancesReply, InstancesRequest } from '../shared/protocol';
import type { GuestTrace } from './guestTraces';
import { guestLaneTables, type GuestLaneTables } from './views/guestLanes';

export class TraceSession {
  readonly store: EventStore;
  readonly model: StateModel;
  readonly analysis: AnalysisResult;
  /** Guest traces added (already on the host clock: guestTraces.ts placeGuest), and their timeline lanes. */
  readonly guests: GuestTrace[] = [];
  guestLanes: GuestLaneTables | null = null;

  /** `census`: the store's census when the import took it (analysis/census.ts). */
  constructor(store: EventStore, options: Partial<AnalysisOptions> = {}, census?: TraceCensus) {
    this.store = store;
    this.model = buildStateModel(store, options, census);
    this.analysis = analyzeModelRange(this.model, -Infinity, Infinity);
  }

  /** The interval and event tables the timeline draws, and the episodes. */
  get tables(): InstanceTables {
    return this.model;
  }

  /** Adds guest traces of this host (paired and on the host clock); the timeline then has their lanes. */
  addGuests(guests: readonly GuestTrace[]): void {
    this.guests.push(...guests);
    this.guestLanes = guestLaneTables(this.guests, this.model.vcpuLanes);
  }

  /** The instances behind a dashboard figure: how many, and the index-th (to show it on the timeline). */
  instances(request: InstancesRequest): InstancesReply {
    return instancesReply(this.model, request);
  }

  /**
   * The analysis of [startNs, endNs): instants by their timestamp, states by their overlap,
   * so that adjacent ranges add up to the whole. A range reaching the trace's end includes it.
   */
  analyzeRange(startNs: number, endNs: number): AnalysisResult {
    return analyzeModelRange(this.model, startNs, endNs);
  }
}
