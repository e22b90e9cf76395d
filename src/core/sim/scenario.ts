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

/** The virtualisation hardware and KVM module parameters a run models (see docs in parseHardware). */
export interface Hardware {
  /** intel: VMX pause-loop exiting (ple_window in cycles); amd: SVM pause filter (pause_filter_count in PAUSEs). */
  vendor: 'intel' | 'amd';
  /** APICv (posted interrupts) on Intel, AVIC on AMD: interrupts reach a running vCPU without a VM exit. */
  apicv: boolean;
  /** Intel IPI virtualization (IPIv): the guest's ICR write sends the IPI without a VM exit. */
  ipiVirtualization: boolean;
  /** Cycles one PAUSE (cpu_relax) takes: the SVM pause filter counts PAUSEs and the PV spin threshold counts cpu_relax loops. */
  pauseCycles: number;
  /** Halt polling (virt/kvm/kvm_main.c): halt_poll_ns, halt_poll_ns_grow, halt_poll_ns_grow_start, halt_poll_ns_shrink. */
  haltPoll: { maxNs: number; grow: number; growStartNs: number; shrink: number };
  /** Host time (ns) a VM exit costs: a PAUSE exit's handling (handle_pause / pause_interception), and any other exit (ICR write, interrupt kick, HLT after a successful poll). */
  exitCosts: { pauseNs: number; exitNs: number };
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
  /** VMX ple_window / ple_window_grow / _shrink / _max (cycles), or SVM pause_filter_count and its grow / shrink / max (PAUSEs). */
  ple: { window: number; grow: number; shrink: number; max: number };
  hardware: Hardware;
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


/** A value quoted in an error: its JSON, cut so that a hostile scenario gives a short line. */
function quoted(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text;
}
const QUOTE_MAX = 60;

function num(o: Json, key: string, path: string, fallback: number | undefined, min: number, max: number, integer = false): number {
  const v = own(o, key);
  if (v === undefined) {
    if (fallback === undefined) throw new ScenarioError(`${path}.${key}: required number is missing`);
    return fallback;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ScenarioError(`${path}.${key}: expected a number, got ${quoted(v)}`);
  if (integer && !Number.isInteger(v)) throw new ScenarioError(`${path}.${key}: expected a whole number, got ${v}`);
  if (v < min || v > max) throw new ScenarioError(`${path}.${key}: ${v} is out of range [${min}, ${max}]`);
  return v;
}

function oneOf<T extends string>(o: Json, key: string, path: string, allowed: readonly T[], fallback: T): T {
  const v = own(o, key);
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new ScenarioError(`${path}.${key}: expected one of ${allowed.join(', ')}, got ${quoted(v)}`);
  return v as T;
}

function bool(o: Json, key: string, path: string, fallback: boolean): boolean {
  const v = own(o, key);
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ScenarioError(`${path}.${key}: expected true or false, got ${quoted(v)}`);
  return v;
}

/**
 * PAUSE latency in cycles. Intel's Optimization Reference Manual §2.6.4: "about 10 cycles" in
 * earlier microarchitectures, "as many as 140 cycles" from Skylake on; AMD "10 or 50 clock
 * cycles, depending on microarchitecture" (MariaDB commit 042fc29597, MDEV-19845, which
 * calibrates its spin loops for that reason). Defaults: 140 (Intel), 50 (AMD, assumed the larger).
 */
const PAUSE_CYCLES = { intel: 140, amd: 50 } as const;

/**
 * Pause-loop exiting defaults (arch/x86/kvm/x86.h): VMX ple_window 4096 cycles (KVM_DEFAULT_PLE_WINDOW),
 * grow x2, shrink 0 (reset), max UINT_MAX; SVM pause_filter_count 3000 PAUSEs
 * (KVM_SVM_DEFAULT_PLE_WINDOW), grow x2, shrink 0, max USHRT_MAX (KVM_SVM_DEFAULT_PLE_WINDOW_MAX);
 * pause_filter_thresh 128 (KVM_DEFAULT_PLE_GAP), like ple_gap, is not modelled.
 */
const PLE_DEFAULTS = {
  intel: { window: 4096, grow: 2, shrink: 0, max: 2 ** 32 - 1 },
  amd: { window: 3000, grow: 2, shrink: 0, max: 0xffff },
} as const;

/** A misspelt switch would silently fall back to its default: refuse fields the section does not have. */
function onlyFields(o: Json, path: string, fields: readonly string[]): void {
  const unknown = Object.keys(o).find((k) => !fields.includes(k));
  if (unknown !== undefined) throw new ScenarioError(`${path}.${unknown}: unknown field; expected one of ${fields.join(', ')}`);
}

function hardware(o: Json): Hardware {
  const path = '$.hardware';
  onlyFields(o, path, ['vendor', 'apicv', 'ipiVirtualization', 'pauseCycles', 'haltPoll', 'exitCosts']);
  const vendor = oneOf(o, 'vendor', path, ['intel', 'amd'] as const, 'intel');
  const apicv = bool(o, 'apicv', path, true);
  const ipiVirtualization = bool(o, 'ipiVirtualization', path, false);
  if (ipiVirtualization && vendor !== 'intel') throw new ScenarioError(`${path}.ipiVirtualization: IPI virtualization (IPIv) is Intel's; set it false for vendor amd`);
  if (ipiVirtualization && !apicv) throw new ScenarioError(`${path}.ipiVirtualization: IPIv needs APICv; set apicv true or ipiVirtualization false`);
  const poll = obj(own(o, 'haltPoll') ?? {}, `${path}.haltPoll`);
  const costs = obj(own(o, 'exitCosts') ?? {}, `${path}.exitCosts`);
  onlyFields(poll, `${path}.haltPoll`, ['maxNs', 'grow', 'growStartNs', 'shrink']);
  onlyFields(costs, `${path}.exitCosts`, ['pauseNs', 'exitNs']);
  return {
    vendor,
    apicv,
    ipiVirtualization,
    pauseCycles: num(o, 'pauseCycles', path, PAUSE_CYCLES[vendor], 1, 10_000),
    // KVM_HALT_POLL_NS_DEFAULT 200000 (arch/x86/include/asm/kvm_host.h); grow 2, grow_start
    // 10000, shrink 0 = reset (5.6; newer kernels halve: 2).
    haltPoll: {
      maxNs: num(poll, 'maxNs', `${path}.haltPoll`, 200_000, 0, 1e9, true),
      grow: num(poll, 'grow', `${path}.haltPoll`, 2, 0, 1024, true),
      growStartNs: num(poll, 'growStartNs', `${path}.haltPoll`, 10_000, 1, 1e9, true),
      shrink: num(poll, 'shrink', `${path}.haltPoll`, 0, 0, 1024, true),
    },
    // Assumed: 1.2 µs per PAUSE exit (the simulator's figure before these switches; reported
    // means of 0.26 µs and 1.45 µs are not sourced here), 1 µs for any other exit. The only
    // published figures found are for the cheapest exit, a full exit + entry that KVM handles
    // at once: kvm-unit-tests' x86/vmexit.flat "cpuid", 1018-1027 cycles (S. Christopherson,
    // kvm@vger, 9 Dec 2024, "KVM: x86: Drop the kvm_has_noapic_vcpu optimization"; 1098 median
    // on B. Kauer's machine, same thread), "vmcall" 1529-1559 cycles on Skylake-SP (W. Li,
    // kvm@vger, Mar 2020): 0.41-0.62 µs at 2.5 GHz, a floor for exitNs, whose exits (ICR
    // write, kick, HLT) do more. No figure for handle_pause() + kvm_vcpu_on_spin() was found.
    exitCosts: {
      pauseNs: num(costs, 'pauseNs', `${path}.exitCosts`, 1_200, 0, 1e6),
      exitNs: num(costs, 'exitNs', `${path}.exitCosts`, 1_000, 0, 1e6),
    },
  };
}

/** One line for run-file headers: the hardware a simulated trace cannot show by itself. */
export function describeHardware(hw: Hardware): string {
  const on = (b: boolean) => (b ? 'on' : 'off');
  const p = hw.haltPoll;
  return `hardware: vendor=${hw.vendor} apicv=${on(hw.apicv)} ipiVirtualization=${on(hw.ipiVirtualization)} pauseCycles=${hw.pauseCycles} halt_poll_ns=${p.maxNs} (grow ${p.grow}, grow_start ${p.growStartNs}, shrink ${p.shrink}) exitCosts: pause ${hw.exitCosts.pauseNs} ns, other ${hw.exitCosts.exitNs} ns`;
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
  const hw = hardware(obj(own(root, 'hardware') ?? {}, '$.hardware'));
  const pleDefault = PLE_DEFAULTS[hw.vendor];
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
    ple: {
      window: num(ple, 'window', '$.ple', pleDefault.window, 1, pleDefault.max, true),
      grow: num(ple, 'grow', '$.ple', pleDefault.grow, 0, 2 ** 32 - 1, true),
      shrink: num(ple, 'shrink', '$.ple', pleDefault.shrink, 0, 2 ** 32 - 1, true),
      max: num(ple, 'max', '$.ple', pleDefault.max, 1, pleDefault.max, true),
    },
    hardware: hw,
    vms,
  };
}

export function builtinScenario(name: string): Scenario {
  const raw = isBuiltinScenario(name) ? BUILTIN_SCENARIOS[name] : undefined;
  if (!raw) throw new ScenarioError(`unknown scenario '${name}': expected one of ${Object.keys(BUILTIN_SCENARIOS).join(', ')} or a JSON file`);
  return parseScenario(raw, name);
}
