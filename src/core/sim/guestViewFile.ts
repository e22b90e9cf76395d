// Writes the guests' views of a run beside its host run file: one trace-cmd-report-style file
// per VM (`<run file>.guest-<vm>.report`), on the guest's clock, whose origin header carries
// its trace id and the TIME_SHIFT back to the host (runFileOrigin.ts).

import { basename } from 'node:path';
import { writeTraceCmdText } from '../export/traceCmdText';
import { writeFileWhole } from '../outputFile';
import { fileNamePart } from './runFileName';
import { originHeader } from './runFileOrigin';
import type { GuestView } from './guestView';

/** The guest file of VM `vmName` beside host run file `runFile`. */
export function guestViewPath(runFile: string, vmName: string): string {
  return `${runFile.replace(/\.report$/, '')}.guest-${fileNamePart(vmName, 40)}.report`;
}

export function writeGuestViewFiles(view: GuestView, runFile: string, label: string): string[] {
  return view.vms.map((vm) => {
    const file = guestViewPath(runFile, vm.name);
    writeFileWhole(file, (write) =>
      writeTraceCmdText(vm.store, write, [
        `kvm-spin guest-view: ${label} vm=${vm.name} host=${basename(runFile)} guest clock = host clock + ${vm.offsetNs} ns`,
        originHeader({ traceId: vm.traceId, timeShift: vm.timeShift }),
      ]),
    );
    return file;
  });
}
