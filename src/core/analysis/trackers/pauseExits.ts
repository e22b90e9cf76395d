// PAUSE exits and continuous-PLE episodes. Two PAUSE exits of one vCPU chain into one
// episode when the vCPU spent at most `episodeMaxGuestGapNs` in the guest between them and
// did not halt; the guest stretches inside a chain are spin time, marked on their intervals.

import type { AnalysisOptions, Episode } from '../result';
import type { Lanes } from './lanes';
import type { VcpuStateTracker } from './vcpuState';

export class PauseExitTracker {
  /** Per lane: 1 between a PAUSE exit's kvm_exit and the next kvm_entry (read by the state tracker). */
  readonly inPauseExit: Uint8Array;
  readonly episodes: Episode[] = [];
  private readonly chainExits: Uint32Array;
  private readonly chainStart: Float64Array;
  private readonly chainFirstLine: Uint32Array;
  private readonly chainLastLine: Uint32Array;
  private readonly chainLastExitEnd: Float64Array;
  private readonly chainBroken: Uint8Array;
  /**
   * Per lane: guest intervals since its last PAUSE exit (the gap a chain may bridge), the
   * first gapLength[lane] entries of gap[lane] (cleared by resetting the count: setting an
   * array's length on every PAUSE exit was a runtime call each time).
   */
  private readonly gap: number[][];
  private readonly gapLength: Uint32Array;
  /** Guest time of the gap's intervals before its last one. */
  private readonly closedGapNs: Float64Array;
  private states!: VcpuStateTracker;

  constructor(
    private readonly lanes: Lanes,
    private readonly opts: AnalysisOptions,
    /** The store's timestamps and lines, read by row (see VcpuStateTracker). */
    private readonly tsOf: Float64Array,
    private readonly lineOf: Uint32Array,
  ) {
    const n = lanes.count;
    this.inPauseExit = new Uint8Array(n);
    this.chainExits = new Uint32Array(n);
    this.chainStart = new Float64Array(n);
    this.chainFirstLine = new Uint32Array(n);
    this.chainLastLine = new Uint32Array(n);
    this.chainLastExitEnd = new Float64Array(n);
    this.chainBroken = new Uint8Array(n);
    this.gap = Array.from({ length: n }, () => []);
    this.gapLength = new Uint32Array(n);
    this.closedGapNs = new Float64Array(n);
  }

  attach(states: VcpuStateTracker): void {
    this.states = states;
  }

  /** Before the state change of any kvm_exit: whether this one is a PAUSE exit. */
  beginExit(lane: number, isPause: boolean): void {
    this.inPauseExit[lane] = isPause ? 1 : 0;
  }

  /** After the state change of a PAUSE exit (the gap's last guest interval is closed). */
  onPauseExit(lane: number, row: number): void {
    const ts = this.tsOf[row];
    const line = this.lineOf[row];
    const gap = this.gap[lane];
    if (this.chainExits[lane] > 0 && !this.chainBroken[lane] && this.gapNs(lane) <= this.opts.episodeMaxGuestGapNs) {
      this.chainExits[lane]++;
      for (let g = 0; g < this.gapLength[lane]; g++) this.states.markSpin(gap[g]);
    } else {
      this.closeEpisode(lane);
      this.chainExits[lane] = 1;
      this.chainStart[lane] = ts;
      this.chainFirstLine[lane] = line;
    }
    this.chainLastLine[lane] = line;
    this.chainBroken[lane] = 0;
    this.gapLength[lane] = 0;
    this.closedGapNs[lane] = 0;
  }

  /** The PAUSE exit just recorded for `lane` began a new chain (a new wait). */
  isChainStart(lane: number): boolean {
    return this.chainExits[lane] === 1;
  }

  onHaltExit(lane: number): void {
    this.chainBroken[lane] = 1;
  }

  /** Before the state change of a kvm_entry (store row `row`). */
  onEntry(lane: number, row: number): void {
    if (this.inPauseExit[lane]) {
      this.inPauseExit[lane] = 0;
      this.chainLastExitEnd[lane] = this.tsOf[row];
    }
  }

  /** After a kvm_entry opened guest interval `interval`. */
  onGuestInterval(lane: number, interval: number): void {
    if (this.chainExits[lane] === 0 || this.chainBroken[lane]) return;
    const gap = this.gap[lane];
    const length = this.gapLength[lane];
    if (length > 0) this.closedGapNs[lane] += this.durationOf(gap[length - 1]);
    gap[length] = interval;
    this.gapLength[lane] = length + 1;
    if (this.closedGapNs[lane] > this.opts.episodeMaxGuestGapNs) {
      // Already too long to bridge: the chain ends at the next PAUSE exit; keep the list short.
      this.chainBroken[lane] = 1;
      this.gapLength[lane] = 0;
    }
  }

  /** Guest time of the gap, once its last interval is closed (at the PAUSE exit). */
  private gapNs(lane: number): number {
    const length = this.gapLength[lane];
    return length > 0 ? this.closedGapNs[lane] + this.durationOf(this.gap[lane][length - 1]) : 0;
  }

  private durationOf(interval: number): number {
    const t = this.states.intervals;
    return t.endNs[interval] - t.startNs[interval];
  }

  private closeEpisode(lane: number): void {
    if (this.chainExits[lane] >= this.opts.episodeMinExits) {
      const l = this.lanes.lanes[lane];
      this.episodes.push({
        vm: l.vm,
        vcpu: l.vcpu,
        tid: l.tid,
        startNs: this.chainStart[lane],
        endNs: this.chainLastExitEnd[lane],
        pleExits: this.chainExits[lane],
        firstLine: this.chainFirstLine[lane],
        lastLine: this.chainLastLine[lane],
      });
    }
    this.chainExits[lane] = 0;
  }

  /** Closes open chains; episodes in start order. */
  finish(): Episode[] {
    for (let lane = 0; lane < this.lanes.count; lane++) this.closeEpisode(lane);
    return this.episodes.sort((p, q) => p.startNs - q.startNs);
  }
}
