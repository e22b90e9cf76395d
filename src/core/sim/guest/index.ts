// One guest workload object per VM, from the scenario's workload spec.

import type { Workload } from '../scenario';
import { BarrierWorkload } from './barrier';
import { IdleWorkload } from './idle';
import { IpiWorkload } from './ipi';
import { SpinlockWorkload } from './spinlock';
import { TimestampWorkload } from './timestamp';
import type { GuestWorkload } from './vcpu';

export function createWorkload(spec: Workload): GuestWorkload {
  switch (spec.type) {
    case 'spinlock':
      return new SpinlockWorkload(spec);
    case 'ipi':
      return new IpiWorkload(spec);
    case 'idle':
      return new IdleWorkload(spec);
    case 'barrier':
      return new BarrierWorkload(spec);
    case 'timestamp':
      return new TimestampWorkload(spec);
  }
}
