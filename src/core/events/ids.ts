// The ids a decoder refuses rather than wrap (model.ts isPid / isVcpuId), with a flag that
// tells the importer "out of range" from "malformed" after a decoder returned false. Shared by
// the text and binary decoders (single-threaded per worker).

import { isPid, isVcpuId } from '../trace/model';

let outOfRange = false;

/** Clears the flag before one decode. */
export function resetIdCheck(): void {
  outOfRange = false;
}

/** Whether the last decode refused an id that was there but out of range. */
export function idWasOutOfRange(): boolean {
  return outOfRange;
}

/** A pid the store keeps; NaN (no number at all) is malformed, not out of range. */
export function pidOk(pid: number): boolean {
  if (isPid(pid)) return true;
  if (!Number.isNaN(pid)) outOfRange = true;
  return false;
}

export function vcpuOk(vcpu: number): boolean {
  if (isVcpuId(vcpu)) return true;
  if (!Number.isNaN(vcpu)) outOfRange = true;
  return false;
}
