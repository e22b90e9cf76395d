// Writes the guests' views of a run beside its host run file, one file per VM, on the guest's
// clock: trace-cmd-report-style text (`<run file>.guest-<vm>.report`) whose origin header
// carries its trace id and the TIME_SHIFT back to the host (runFileOrigin.ts), or a trace.dat
// (`<run file>.guest-<vm>.dat`) with the same in its TRACEID and TIME_SHIFT options.

import { basename } from 'node:path';
import { writeTraceCmdText } from '../export/traceCmdText';
import { writeGuestTraceDat } from '../export/guestTraceDat';
import { writeFileWhole } from '../outputFile';
import { fileNamePart } from './runFileName';
import { originHeader } from './runFileOrigin';
import type { GuestView, GuestViewVm } from './guestView';

/** The guest file formats `simulate --guest-format` offers. */
export const GUEST_TRACE_FORMATS = ['report', 'dat'] as const;
export type GuestTraceFormat = (typeof GUEST_TRACE_FORMATS)[number];

/** The simulated guest clock counts ns like the host's default clock. */
const GUEST_CLOCK = 'local';

/** The guest file of VM `vmName` beside host run file `runFile`. */
export function guestViewPath(runFile: string, vmName: string, format: GuestTraceFormat = 'report'): string {
  return `${runFile.replace(/\.report$/, '')}.guest-${fileNamePart(vmName, 40)}.${format}`;
}

export function writeGuestViewFiles(view: GuestView, runFile: string, label: string, format: GuestTraceFormat = 'report'): string[] {
  return view.vms.map((vm) => {
    const file = guestViewPath(runFile, vm.name, format);
    writeFileWhole(file, (write) => (format === 'dat' ? writeDat(vm, write) : writeReport(vm, write, label, runFile)));
    return file;
  });
}

function writeReport(vm: GuestViewVm, write: (chunk: string) => void, label: string, runFile: string): void {
  writeTraceCmdText(vm.store, write, [
    `kvm-spin guest-view: ${label} vm=${vm.name} host=${basename(runFile)} guest clock = host clock + ${vm.offsetNs} ns`,
    originHeader({ traceId: vm.traceId, timeShift: vm.timeShift }),
  ]);
}

function writeDat(vm: GuestViewVm, write: (chunk: Uint8Array) => void): void {
  writeGuestTraceDat({ store: vm.store, traceId: vm.traceId, timeShift: vm.timeShift, cpus: vm.vcpus.length, clock: GUEST_CLOCK }, write);
}
