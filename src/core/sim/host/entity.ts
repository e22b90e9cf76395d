// The scheduler's data: sched_entity (a task's, or a task group's on one CPU) and cfs_rq,
// as kernel/sched/sched.h declares them, reduced to what the model uses. The simulator gives
// every entity NICE_0_LOAD — tasks are nice 0, and a group entity's weight is fixed at 1024
// instead of calc_group_shares()'s per-CPU split of tg->shares — so virtual time equals real
// time at every level; the arithmetic still weighs by `weight` as the kernel does.

/** NICE_0_LOAD after scale_load_down(): the weight of a nice-0 entity. */
export const NICE_0_LOAD = 1024;

export interface SchedEntity {
  readonly id: number;
  /** scale_load_down(se->load.weight). */
  weight: number;
  vruntime: number;
  deadline: number;
  vlag: number;
  sumExec: number;
  prevSumExec: number;
  execStart: number;
  onRq: boolean;
  /** A task: it is its CPU's current task. A group entity leaves it false. */
  running: boolean;
  /**
   * se->sched_delayed (DELAY_DEQUEUE, 6.12+): asleep but still on its cfs_rq, competing until
   * picked. `onRq` is then false — it means "runnable" (task_is_runnable()) to the simulator —
   * and the scheduler counts the entity on its queue through onQueue().
   */
  delayed: boolean;
  /** cfs_rq_of(se): the queue this entity sits on (set by HostScheduler.attach for a task). */
  cfsRq: CfsRq;
  /** parent_entity(se): the group entity that owns cfsRq; null on a CPU's root cfs_rq. */
  parent: GroupEntity | null;
}

export interface SchedTask extends SchedEntity {
  readonly tid: number;
  /** task_cpu(p): changed only by HostScheduler.migrate. */
  cpu: number;
}

export class CfsRq {
  /** Runnable entities other than the running one (the rbtree). */
  readonly queued: SchedEntity[] = [];
  curr: SchedEntity | null = null;
  minVruntime = 0;
  next: SchedEntity | null = null;
  skip: SchedEntity | null = null;
  last: SchedEntity | null = null;
  /** During a pick only: the entity that was running on this queue and was put back. */
  putBack: SchedEntity | null = null;
  /** EEVDF's cfs_rq->avg_vruntime and avg_load over `queued`, relative to avgBase (eevdf.ts keeps them). */
  avgVruntime = 0;
  avgLoad = 0;
  avgBase = 0;
  constructor(
    readonly cpu: number,
    /** The group entity whose group_cfs_rq this is; null for the CPU's root cfs_rq. */
    readonly owner: GroupEntity | null,
  ) {}

  /** cfs_rq->nr_running: entities on this queue (delayed ones too), the running one included. */
  get nrRunning(): number {
    return this.queued.length + (this.curr && onQueue(this.curr) ? 1 : 0);
  }

  /** cfs_rq->load.weight != 0: some entity is still on the queue. */
  get hasEntities(): boolean {
    return this.nrRunning > 0;
  }
}

/** A task group (a cpu cgroup); each scheduler gives it one group entity per CPU. */
export class TaskGroup {
  constructor(
    readonly name: string,
    readonly parent: TaskGroup | null,
  ) {}
}

/** The scheduling state every sched_entity starts with (a task's or a group's). */
export abstract class EntityState {
  weight = NICE_0_LOAD;
  vruntime = 0;
  deadline = 0;
  vlag = 0;
  sumExec = 0;
  prevSumExec = 0;
  execStart = 0;
  onRq = false;
  running = false;
  delayed = false;
}

/** se->on_rq as the kernel keeps it: runnable, or delayed on its queue. */
export function onQueue(se: SchedEntity): boolean {
  return se.onRq || se.delayed;
}

export class GroupEntity extends EntityState implements SchedEntity {
  /** group_cfs_rq(se): the queue of this group's entities on this CPU. */
  readonly my: CfsRq;
  constructor(
    readonly id: number,
    readonly group: TaskGroup,
    public cfsRq: CfsRq,
    public parent: GroupEntity | null,
  ) {
    super();
    this.my = new CfsRq(cfsRq.cpu, this);
  }
}

export function isGroup(se: SchedEntity): se is GroupEntity {
  return se instanceof GroupEntity;
}

/** The entity with the smallest vruntime (then id), passing over `except`: the rbtree's leftmost. */
export function leftmost(entities: readonly SchedEntity[], except: SchedEntity | null): SchedEntity | null {
  let best: SchedEntity | null = null;
  let bestVruntime = Infinity;
  for (let i = 0; i < entities.length; i++) {
    const t = entities[i];
    if (t === except) continue;
    const v = t.vruntime;
    if (best === null || v < bestVruntime || (v === bestVruntime && t.id < best.id)) {
      best = t;
      bestVruntime = v;
    }
  }
  return best;
}

function depth(se: SchedEntity): number {
  let d = 0;
  for (let p = se.parent; p; p = p.parent) d++;
  return d;
}

/** find_matching_se(): walk both entities up until they sit on one cfs_rq. */
export function findMatchingSe(a: SchedEntity, b: SchedEntity): [SchedEntity, SchedEntity] {
  let se = a;
  let pse = b;
  let da = depth(se);
  let db = depth(pse);
  for (; da > db; da--) se = se.parent!;
  for (; db > da; db--) pse = pse.parent!;
  while (se.cfsRq !== pse.cfsRq && se.parent && pse.parent) {
    se = se.parent!;
    pse = pse.parent!;
  }
  return [se, pse];
}
