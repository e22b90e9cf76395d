// A small hand-made host + guest pair for the guest lanes (text traces in `trace-cmd report`'s
// shape, the origin in the run-file header): two vCPUs (host threads 5001, 5002); the guest's
// clock is the host's + 1 s. Guest CPU 0: task 1000 from 100 µs, waits for a lock 150–180 µs,
// queues a csd and sends an IPI to CPU 1 at 200 µs, idle from 250 µs; guest CPU 1 runs the csd
// function 210–214 µs before its first sched_switch (at 300 µs, the guest's last event).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { originHeader } from '../../src/core/sim/runFileOrigin';

export const HOST_ID = '0xABC0000000000011';
export const GUEST_ID = '0xABC0000000000012';
export const TIDS = [5001, 5002];
const OFFSET_NS = 1_000_000_000;

const ts = (us: number) => (us / 1e6).toFixed(9);
const hostLine = (tid: number, us: number, event: string, payload: string) => `${`CPU ${TIDS.indexOf(tid)}/KVM-${tid}`.padStart(20)} (   5000) [00${TIDS.indexOf(tid)}] d..2. ${ts(us)}: ${event}: ${payload}\n`;
const guestLine = (cpu: number, us: number, event: string, payload: string) => `${`worker/${cpu}-${1000 + cpu}`.padStart(20)} (-------) [00${cpu}] d..2. ${ts(us + OFFSET_NS / 1e3)}: ${event}: ${payload}\n`;
const LOCK = '0xffff888004000000';
const CSD = '0xffff888000000100';

export function writeGuestLanePair(dir: string, hostId = HOST_ID): { hostPath: string; guestPath: string } {
  const host =
    `# ${originHeader({ traceId: hostId, guests: [{ traceId: GUEST_ID, name: 'vm0', vcpus: TIDS.map((hostTid, vcpu) => ({ vcpu, hostTid })) }] })}\n` +
    'cpus=2\n' +
    TIDS.map((t) => hostLine(t, 10, 'kvm_entry', `vcpu ${TIDS.indexOf(t)}, rip 0xffffffff81000000`)).join('') +
    hostLine(5001, 1000, 'kvm_exit', 'vcpu 0 reason HLT rip 0xffffffff81000000 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0');
  const guest =
    `# ${originHeader({ traceId: GUEST_ID, timeShift: { peerTraceId: hostId, flags: 0, cpus: TIDS.map(() => [{ time: 0n, offset: BigInt(-OFFSET_NS), scaling: 1n, fraction: 0n }]) } })}\n` +
    'cpus=2\n' +
    guestLine(0, 100, 'sched_switch', 'swapper/0:0 [120] R ==> worker:1000 [120]') +
    guestLine(0, 150, 'contention_begin', `${LOCK} (flags=SPIN)`) +
    guestLine(0, 180, 'contention_end', `${LOCK} (ret=0)`) +
    guestLine(0, 200, 'csd_queue_cpu', `cpu=1 callsite=smp_call_function_many_cond+0x1a0/0x4a0 func=flush_tlb_func csd=${CSD}`) +
    guestLine(0, 200, 'ipi_send_cpu', 'cpu=1 callsite=smp_call_function_many_cond+0x1a0/0x4a0 callback=generic_smp_call_function_single_interrupt+0x0/0x20') +
    guestLine(1, 210, 'csd_function_entry', `func=flush_tlb_func, csd=${CSD}`) +
    guestLine(1, 214, 'csd_function_exit', `func=flush_tlb_func, csd=${CSD}`) +
    guestLine(0, 250, 'sched_switch', 'worker:1000 [120] S ==> swapper/0:0 [120]') +
    guestLine(1, 300, 'sched_switch', 'swapper/1:0 [120] R ==> kworker/1:1:1050 [120]');
  const hostPath = join(dir, 'host.report');
  const guestPath = join(dir, 'guest.report');
  writeFileSync(hostPath, host);
  writeFileSync(guestPath, guest);
  return { hostPath, guestPath };
}
