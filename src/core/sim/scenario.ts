// Simulation scenarios: JSON data, validated with errors that name the JSON path at fault.

import paper from './scenarios/paper.json';
import lock2vm from './scenarios/lock-2vm.json';
import ipiTlb from './scenarios/ipi-tlb.json';
import undercommit from './scenarios/undercommit.json';
import mixedIdle from './scenarios/mixed-idle.json';
import sharedRq from './scenarios/shared-rq.json';
import syncMix from './scenarios/sync-mix.json';
import caseMismatch from './scenarios/case-mismatch.json';
import asymFairness from './scenarios/asym-fairness.json';
import { GROUP_LAYOUTS, type GroupLayout } from './host/groups';
import { BALANCE_MODES, type BalanceMode } from './host/balance';

export type Workload =
  /** Kernel spinlocks with FIFO hand-off (ticket / queued): compute, acquire, critical section, release. */
  | { type: 'spinlock'; locks: number; computeUs: number; criticalUs: number; userFraction: number }
  /** TLB-shootdown style: compute, then IPI `receivers` siblings and spin until all acknowledge; sometimes halt. */
  | { type: 'ipi'; computeUs: number; receivers: number | 'all'; handlerUs: number; userFraction: number; haltFraction: number; idleUs: number }
  /** Mostly idle: short bursts, then halt until a timer or a sibling's wake-up IPI. */
  | { type: 'idle'; computeUs: number; idleUs: number; wakeProbability: number }
  /** Barrier style: compute, then spin until every sibling has reached the barrier. */
  | { type: 'barrier'; computeUs: number; userFraction: number }
  /** Loops that wait on a timestamp (udelay, ktime polling): spin for waitUs, nobody can help. */
  | { type: 'timestamp'; computeUs: number; waitUs: number; userFraction: number };

export interface VmSpec {
  name: string;
  vcpus: number;
  workload: Workload;
}

export interface Scenario {
  name: string;
  description: string;
  host: {
    pcpus: number;
    placement: 'spread' | 'random';
    backgroundTasks: number;
    cpuGhz: number;
    tickHz: number;
    /** The cpu cgroup layout of the vCPU threads (host/groups.ts). */
    groups: GroupLayout;
    /** pinned: tasks stay on their CPU; balanced: wake placement and load balancing move them (host/balance.ts). */
    balance: BalanceMode;
  };
  ple: { window: number; grow: number; shrink: number; max: number };
  vms: VmSpec[];
}

export const BUILTIN_SCENARIOS: Record<string, unknown> = {
  paper,
  'lock-2vm': lock2vm,
  'ipi-tlb': ipiTlb,
  undercommit,
  'mixed-idle': mixedIdle,
  'shared-rq': sharedRq,
  'sync-mix': syncMix,
  'case-mismatch': caseMismatch,
  'asym-fairness': asymFairness,
};

/** Only the scenarios listed above: `constructor`, `__proto__` or `toString` are not scenarios. */
export function isBuiltinScenario(name: string): boolean {
  return Object.hasOwn(BUILTIN_SCENARIOS, name);
}

export class ScenarioError extends Error {}

/** Sizes beyond these are refused with the reason, never attempted. */
export const LIMITS = { pcpus: 256, vcpusPerVm: 512, totalVcpus: 2048, vms: 64, durationSeconds: 600 };

type Json = Record<string, unknown>;

function obj(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ScenarioError(`${path}: expected an object`);
  return value as Json;
}

/** A field of the JSON object itself, never one inherited from Object.prototype. */
const own = (o: Json, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);

function num(o: Json, key: string, path: string, fallback: number | undefined, min: number, max: number, integer = false): number {
  const v = own(o, key);
  if (v === undefined) {
    if (fallback === undefined) throw new ScenarioError(`${path}.${key}: required number is missing`);
    return fallback;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ScenarioError(`${path}.${key}: expected a number, got ${JSON.stringify(v)}`);
  if (integer && !Number.isInteger(v)) throw new ScenarioError(`${path}.${key}: expected a whole number, got ${v}`);
  if (v < min || v > max) throw new ScenarioError(`${path}.${key}: ${v} is out of range [${min}, ${max}]`);
  return v;
}

function oneOf<T extends string>(o: Json, key: string, path: string, allowed: readonly T[], fallback: T): T {
  const v = own(o, key);
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new ScenarioError(`${path}.${key}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function workload(value: unknown, path: string): Workload {
  const o = obj(value, path);
  const type = oneOf(o, 'type', path, ['spinlock', 'ipi', 'idle', 'barrier', 'timestamp'] as const, 'spinlock');
  if (o.type === undefined) throw new ScenarioError(`${path}.type: required, one of spinlock, ipi, idle, barrier, timestamp`);
  if (type === 'barrier') {
    return { type, computeUs: num(o, 'computeUs', path, undefined, 0.1, 1e6), userFraction: num(o, 'userFraction', path, 0.5, 0, 1) };
  }
  if (type === 'timestamp') {
    return {
      type,
      computeUs: num(o, 'computeUs', path, undefined, 0.1, 1e6),
      waitUs: num(o, 'waitUs', path, undefined, 0.1, 1e6),
      userFraction: num(o, 'userFraction', path, 0.5, 0, 1),
    };
  }
  if (type === 'spinlock') {
    return {
      type,
      locks: num(o, 'locks', path, 1, 1, 1024, true),
      computeUs: num(o, 'computeUs', path, undefined, 0.1, 1e6),
      criticalUs: num(o, 'criticalUs', path, undefined, 0.1, 1e6),
      userFraction: num(o, 'userFraction', path, 0.5, 0, 1),
    };
  }
  if (type === 'ipi') {
    let receivers: number | 'all';
    if (o.receivers === 'all') receivers = 'all';
    else receivers = num(o, 'receivers', path, 1, 1, LIMITS.vcpusPerVm, true);
    return {
      type,
      computeUs: num(o, 'computeUs', path, undefined, 0.1, 1e6),
      receivers,
      handlerUs: num(o, 'handlerUs', path, 2, 0.1, 1e5),
      userFraction: num(o, 'userFraction', path, 0.5, 0, 1),
      haltFraction: num(o, 'haltFraction', path, 0, 0, 1),
      idleUs: num(o, 'idleUs', path, 200, 1, 1e7),
    };
  }
  return {
    type,
    computeUs: num(o, 'computeUs', path, undefined, 0.1, 1e6),
    idleUs: num(o, 'idleUs', path, undefined, 1, 1e7),
    wakeProbability: num(o, 'wakeProbability', path, 0.5, 0, 1),
  };
}

/** Validates a parsed JSON scenario; throws ScenarioError naming the path at fault. */
export function parseScenario(value: unknown, fallbackName = 'scenario'): Scenario {
  const root = obj(value, '$');
  const host = obj(root.host ?? {}, '$.host');
  const ple = obj(root.ple ?? {}, '$.ple');
  if (!Array.isArray(root.vms) || root.vms.length === 0) throw new ScenarioError('$.vms: expected a non-empty array of VMs');
  if (root.vms.length > LIMITS.vms) throw new ScenarioError(`$.vms: ${root.vms.length} VMs is more than the ${LIMITS.vms} the simulator accepts`);
  const vms = root.vms.map((v: unknown, i: number): VmSpec => {
    const path = `$.vms[${i}]`;
    const o = obj(v, path);
    if (o.name !== undefined && typeof o.name !== 'string') throw new ScenarioError(`${path}.name: expected a string`);
    return { name: (o.name as string | undefined) ?? `vm${i}`, vcpus: num(o, 'vcpus', path, undefined, 1, LIMITS.vcpusPerVm, true), workload: workload(o.workload, `${path}.workload`) };
  });
  const total = vms.reduce((s, v) => s + v.vcpus, 0);
  if (total > LIMITS.totalVcpus) throw new ScenarioError(`$.vms: ${total} vCPUs in all is more than the ${LIMITS.totalVcpus} the simulator accepts`);
  if (root.name !== undefined && typeof root.name !== 'string') throw new ScenarioError('$.name: expected a string');
  return {
    name: (root.name as string | undefined) ?? fallbackName,
    description: typeof root.description === 'string' ? root.description : '',
    host: {
      pcpus: num(host, 'pcpus', '$.host', undefined, 1, LIMITS.pcpus, true),
      placement: oneOf(host, 'placement', '$.host', ['spread', 'random'] as const, 'spread'),
      backgroundTasks: num(host, 'backgroundTasks', '$.host', 0, 0, 4096, true),
      cpuGhz: num(host, 'cpuGhz', '$.host', 2.5, 0.1, 10),
      tickHz: num(host, 'tickHz', '$.host', 1000, 100, 1000, true),
      groups: oneOf(host, 'groups', '$.host', GROUP_LAYOUTS, 'flat'),
      balance: oneOf(host, 'balance', '$.host', BALANCE_MODES, 'pinned'),
    },
    // Defaults of arch/x86/kvm/x86.h: 4096 cycles, grow x2, shrink 0 (reset), max UINT_MAX.
    ple: {
      window: num(ple, 'window', '$.ple', 4096, 1, 2 ** 32 - 1, true),
      grow: num(ple, 'grow', '$.ple', 2, 0, 2 ** 32 - 1, true),
      shrink: num(ple, 'shrink', '$.ple', 0, 0, 2 ** 32 - 1, true),
      max: num(ple, 'max', '$.ple', 2 ** 32 - 1, 1, 2 ** 32 - 1, true),
    },
    vms,
  };
}

export function builtinScenario(name: string): Scenario {
  const raw = isBuiltinScenario(name) ? BUILTIN_SCENARIOS[name] : undefined;
  if (!raw) throw new ScenarioError(`unknown scenario '${name}': expected one of ${Object.keys(BUILTIN_SCENARIOS).join(', ')} or a JSON file`);
  return parseScenario(raw, name);
}
