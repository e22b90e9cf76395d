// The hand-checked host + guest pair of guestPair.test.ts (host.report + guest.report in a
// directory): three vCPUs, five PAUSE exits whose labels are worked out there by hand.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { originHeader } from '../../src/core/sim/runFileOrigin';

export const HOST_ID = '0xABC0000000000001';
export const GUEST_ID = '0xABC0000000000002';
const OFFSET_NS = 1_000_000_000; // guest clock = host clock + 1 s
export const TIDS = [5001, 5002, 5003];

const ts = (us: number) => (us / 1e6).toFixed(9);
const hostLine = (tid: number, cpu: number, us: number, event: string, payload: string) => {
  const comm = TIDS.includes(tid) ? `CPU ${TIDS.indexOf(tid)}/KVM` : 'stress';
  return `${`${comm}-${tid}`.padStart(20)} (   5000) [00${cpu}] d..2. ${ts(us)}: ${event}: ${payload}\n`;
};
const guestLine = (cpu: number, us: number, event: string, payload: string) => `${`worker/${cpu}-${1000 + cpu}`.padStart(20)} (-------) [00${cpu}] d..2. ${ts(us + OFFSET_NS / 1e3)}: ${event}: ${payload}\n`;

const pause = (tid: number, us: number) => hostLine(tid, TIDS.indexOf(tid), us, 'kvm_exit', `vcpu ${TIDS.indexOf(tid)} reason PAUSE_INSTRUCTION rip 0xffffffff81000000 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0`);
const entry = (tid: number, us: number) => hostLine(tid, TIDS.indexOf(tid), us, 'kvm_entry', `vcpu ${TIDS.indexOf(tid)}, rip 0xffffffff81000000`);
const yieldTo = (tid: number, us: number, target: number, result: number) =>
  hostLine(tid, TIDS.indexOf(tid), us, 'yield_to', `(yield_to+0x0/0x1f0) arg1=${target}`) + hostLine(tid, TIDS.indexOf(tid), us, 'yield_to__return', `(kvm_vcpu_on_spin+0x12c/0x1f0 <- yield_to) arg1=0x${result}`);

export function writePair(dir: string, hostId = HOST_ID) {
  const host =
    `# ${originHeader({ traceId: hostId, guests: [{ traceId: GUEST_ID, name: '', vcpus: TIDS.map((hostTid, vcpu) => ({ vcpu, hostTid })) }] })}\n` +
    'cpus=3\n' +
    TIDS.map((t) => entry(t, 10)).join('') +
    // vCPU 2 is preempted in user mode before vCPU 0 sends its IPIs.
    hostLine(5003, 2, 50, 'sched_switch', 'CPU 2/KVM:5003 [120] R+ ==> stress:7000 [120]') +
    hostLine(5003, 2, 50, 'kvm_arch_vcpu_put', '(kvm_arch_vcpu_put+0x0/0x1f0) arg1=0') +
    // 1: vCPU 0 waits for vCPU 2 (vCPU 1 has finished): boosts vCPU 1 → unhelpful, and the
    //    preempted user-mode receiver is skipped by the vanilla filter → lost opportunity.
    pause(5001, 200) +
    yieldTo(5001, 200, 5002, 1) +
    // 2: the same wait boosts vCPU 2 → helpful, no second lost opportunity.
    pause(5001, 300) +
    yieldTo(5001, 300, 5003, 1) +
    entry(5001, 301) +
    hostLine(7000, 2, 310, 'sched_switch', 'stress:7000 [120] R+ ==> CPU 2/KVM:5003 [120]') +
    entry(5003, 311) +
    // 3: vCPU 1 waits for the lock vCPU 2 holds, boosts vCPU 0 → unhelpful.
    pause(5002, 400) +
    yieldTo(5002, 400, 5001, 1) +
    entry(5002, 401) +
    // 4: no boost.
    pause(5002, 450) +
    yieldTo(5002, 450, 5003, 0) +
    entry(5002, 451) +
    // 5: vCPU 0 halted and was woken; boosting it is an overboost.
    hostLine(5001, 0, 460, 'sched_switch', 'CPU 0/KVM:5001 [120] S ==> swapper/0:0 [120]') +
    hostLine(5002, 1, 470, 'sched_wakeup', 'CPU 0/KVM:5001 [120] CPU:000') +
    pause(5002, 480) +
    yieldTo(5002, 480, 5001, 1);
  const guest =
    `# ${originHeader({ traceId: GUEST_ID, timeShift: { peerTraceId: hostId, flags: 0, cpus: TIDS.map(() => [{ time: 0n, offset: BigInt(-OFFSET_NS), scaling: 1n, fraction: 0n }]) } })}\n` +
    'cpus=3\n' +
    guestLine(0, 100, 'csd_queue_cpu', 'cpu=1 callsite=smp_call_function_many_cond+0x1a0/0x4a0 func=flush_tlb_func csd=0xffff888000000100') +
    guestLine(0, 100, 'csd_queue_cpu', 'cpu=2 callsite=smp_call_function_many_cond+0x1a0/0x4a0 func=flush_tlb_func csd=0xffff888000000120') +
    guestLine(0, 100, 'ipi_send_cpumask', 'cpumask=00000006 callsite=smp_call_function_many_cond+0x1a0/0x4a0 callback=generic_smp_call_function_interrupt+0x0/0x20') +
    guestLine(1, 110, 'csd_function_entry', 'func=flush_tlb_func, csd=0xffff888000000100') +
    guestLine(1, 112, 'csd_function_exit', 'func=flush_tlb_func, csd=0xffff888000000100') +
    guestLine(2, 320, 'csd_function_entry', 'func=flush_tlb_func, csd=0xffff888000000120') +
    guestLine(2, 322, 'csd_function_exit', 'func=flush_tlb_func, csd=0xffff888000000120') +
    // The lock: vCPU 2 takes it after waiting, with vCPU 0 still in line; then vCPU 1 waits.
    guestLine(2, 330, 'contention_begin', '0xffff888004000000 (flags=SPIN)') +
    guestLine(0, 335, 'contention_begin', '0xffff888004000000 (flags=SPIN)') +
    guestLine(2, 340, 'contention_end', '0xffff888004000000 (ret=0)') +
    guestLine(1, 345, 'contention_begin', '0xffff888004000000 (flags=SPIN)');
  const hostPath = join(dir, 'host.report');
  const guestPath = join(dir, 'guest.report');
  writeFileSync(hostPath, host);
  writeFileSync(guestPath, guest);
  return { hostPath, guestPath };
}

