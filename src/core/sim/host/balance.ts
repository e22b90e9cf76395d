// Wake placement and load balancing for a `balanced` host (host.balance), simplified from
// kernel/sched/fair.c (5.6) to one LLC domain spanning every CPU, with nr_running as the load:
//  - select_task_rq_fair(): wake_affine() (wake_affine_weight with WA_BIAS: the waker's CPU
//    when (its load + the wakee's) x 100 is below the previous CPU's load (the wakee's taken
//    off) x (100 + (imbalance_pct - 100) / 2), imbalance_pct 117 as sd_init() sets it; a wake
//    from an IPI is not sync) and then select_idle_sibling() (target if idle, else prev if
//    idle, else the first idle CPU after target, else target);
//  - newidle_balance(): a CPU about to go idle pulls one queued task from the busiest CPU;
//  - rebalance_domains(): every sd_weight ms (sd_init's min_interval), × busy_factor (32 in
//    5.6's sd_init; 16 from 5.10) while the CPU is busy, pull half the difference from the
//    busiest CPU when it runs at least 2 more tasks.
// can_migrate_task() refuses a running task and a cache-hot one (task_hot(): it ran within
// sysctl_sched_migration_cost, 0.5 ms). A sched_delayed task (6.12+) is woken in place and
// never pulled: can_migrate_task() refuses it unless the balance migrates load (61b82dfb6b7e,
// 6.14), which this count-based balance never does; 6.12-6.13 could move one, and it stayed
// delayed on arrival (not modelled). Not modelled either: SMT/NUMA domains, PELT load averages
// (nr_running here counts delayed tasks, as rq->nr_running does), misfit and active balance.

import type { HostScheduler, SchedTask } from './scheduler';

export const BALANCE_MODES = ['pinned', 'balanced'] as const;
export type BalanceMode = (typeof BALANCE_MODES)[number];

const NSEC_PER_MSEC = 1_000_000;
const MIGRATION_COST_NS = 0.5 * NSEC_PER_MSEC;
const LLC_IMBALANCE_PCT = 117;
const BUSY_FACTOR = 32;

export type MigrationListener = (task: SchedTask, from: number, to: number) => void;

export class LoadBalancer {
  private readonly nextBalance: number[];
  private readonly intervalNs: number;

  constructor(
    private readonly sched: HostScheduler,
    private readonly ncpus: number,
    private readonly onMigrate: MigrationListener,
  ) {
    this.intervalNs = ncpus * NSEC_PER_MSEC;
    this.nextBalance = Array.from({ length: ncpus }, () => this.intervalNs);
  }

  private idle(cpu: number): boolean {
    return this.sched.nrRunning(cpu) === 0;
  }

  /**
   * select_task_rq_fair() for a waking task; moves it when the answer is another CPU. A task
   * still on its queue as sched_delayed (DELAY_DEQUEUE, 6.12+) is on_rq, so try_to_wake_up()
   * takes ttwu_runnable(), which requeues it in place (ENQUEUE_DELAYED) and never asks for a CPU
   * (core.c, 6.12 to 6.18 at least).
   */
  placeWakee(task: SchedTask, wakerCpu: number | null, now: number): void {
    if (task.delayed) return;
    const prev = task.cpu;
    let target = prev;
    if (wakerCpu !== null && wakerCpu !== prev) {
      // The sleeping wakee is on no queue: it adds to this CPU's load and is already off prev's.
      const thisLoad = (this.sched.nrRunning(wakerCpu) + 1) * 100;
      const prevLoad = this.sched.nrRunning(prev) * (100 + (LLC_IMBALANCE_PCT - 100) / 2);
      if (thisLoad < prevLoad) target = wakerCpu;
    }
    const cpu = this.selectIdleSibling(target, prev);
    if (cpu !== prev) this.move(task, cpu, now);
  }

  private selectIdleSibling(target: number, prev: number): number {
    if (this.idle(target)) return target;
    if (prev !== target && this.idle(prev)) return prev;
    for (let i = 1; i < this.ncpus; i++) {
      const cpu = (target + i) % this.ncpus;
      if (this.idle(cpu)) return cpu;
    }
    return target;
  }

  /** newidle_balance(): pull one task onto `cpu`, which has nothing to run. Whether one came. */
  pullForIdle(cpu: number, now: number): boolean {
    return this.pull(cpu, 1, now) > 0;
  }

  /** The periodic balance from the tick (rebalance_domains); the number of tasks pulled. */
  tick(cpu: number, now: number): number {
    if (now < this.nextBalance[cpu]) return 0;
    const busy = !this.idle(cpu);
    this.nextBalance[cpu] = now + this.intervalNs * (busy ? BUSY_FACTOR : 1);
    const busiest = this.busiest(cpu);
    if (busiest < 0) return 0;
    const diff = this.sched.nrRunning(busiest) - this.sched.nrRunning(cpu);
    return diff >= 2 ? this.pull(cpu, Math.floor(diff / 2), now, busiest) : 0;
  }

  private busiest(except: number): number {
    let best = -1;
    for (let cpu = 0; cpu < this.ncpus; cpu++) {
      if (cpu === except) continue;
      if (best < 0 || this.sched.nrRunning(cpu) > this.sched.nrRunning(best)) best = cpu;
    }
    return best;
  }

  /** detach_tasks() / attach_tasks(): up to `count` queued, cache-cold tasks from the busiest CPU. */
  private pull(cpu: number, count: number, now: number, from = this.busiest(cpu)): number {
    if (from < 0 || this.sched.nrRunning(from) < 2) return 0;
    let moved = 0;
    for (const task of this.sched.queuedTasks(from)) {
      if (moved >= count) break;
      if (now - task.execStart < MIGRATION_COST_NS) continue;
      this.move(task, cpu, now);
      moved++;
    }
    return moved;
  }

  private move(task: SchedTask, cpu: number, now: number): void {
    const from = task.cpu;
    this.sched.migrate(task, cpu, now);
    this.onMigrate(task, from, cpu);
  }
}
