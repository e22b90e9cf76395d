// The host scheduler a policy asks for.

import { CfsScheduler } from './cfs';
import { EevdfScheduler } from './eevdf';
import type { HostScheduler, SchedulerConfig } from './scheduler';

export function createHostScheduler(config: SchedulerConfig, ncpus: number): HostScheduler {
  return config.kind === 'cfs' ? new CfsScheduler(config, ncpus) : new EevdfScheduler(config, ncpus);
}
