// The simulator's per-site, per-vCPU counters. A site is counted by its index in SITES, so a
// count is one typed-array increment: counting by name (a keyed property lookup per PAUSE
// exit and per candidate) was 12 % of a run's time.

import { SITES, type SiteName } from '../analysis/sites';

/** A site's index in SITES. */
export type SiteId = number;

/** Each site's SiteId, by name. */
export const SITE_ID = Object.freeze(Object.fromEntries(SITES.map((site, id) => [site, id]))) as Readonly<Record<SiteName, SiteId>>;

export class SiteCounters {
  /** counts[site * vcpus + vcpu]. */
  private readonly counts: Float64Array;

  constructor(private readonly vcpus: number) {
    this.counts = new Float64Array(SITES.length * vcpus);
  }

  count(site: SiteId, vcpu: number): void {
    this.counts[site * this.vcpus + vcpu]++;
  }

  reset(): void {
    this.counts.fill(0);
  }

  /** Per site, a vCPU's slot only where the site was hit (a sparse array, as the run file and the JSON have always had). */
  hits(): Record<SiteName, number[]> {
    const out = {} as Record<SiteName, number[]>;
    SITES.forEach((site, id) => {
      const hits: number[] = [];
      for (let v = 0; v < this.vcpus; v++) {
        const n = this.counts[id * this.vcpus + v];
        if (n > 0) hits[v] = n;
      }
      out[site] = hits;
    });
    return out;
  }
}
