// Rows of the timeline: a group of pCPU lanes, then one group per VM with its vCPU lanes, each
// followed by the guest CPU lanes that host thread ran (guest traces added); guest lanes whose
// thread the host trace never shows go in a last group. A collapsed group keeps only its header row. Shared by the canvas and the DOM labels.

import type { TimelineWindow } from '../../src/shared/protocol';

export const HEADER_PX = 20;
export const LANE_PX = 18;

export interface GroupRow {
  type: 'group';
  key: string;
  label: string;
  collapsed: boolean;
  y: number;
}

export interface LaneRow {
  type: 'lane';
  kind: 'vcpu' | 'cpu' | 'guest';
  index: number;
  label: string;
  /** Full name for the tooltip (thread name and tid): untrusted text. */
  title: string;
  y: number;
}

export type Row = GroupRow | LaneRow;

export interface Layout {
  rows: Row[];
  heightPx: number;
  /** y of a lane's row by kind and index (absent when collapsed). */
  laneY: { vcpu: Map<number, number>; cpu: Map<number, number>; guest: Map<number, number> };
}

export const CPU_GROUP = 'cpus';
export const vmGroupKey = (vm: string) => `vm:${vm}`;
export const UNPLACED_GUESTS_GROUP = 'guests';

export function layoutRows(w: Pick<TimelineWindow, 'vcpuLanes' | 'cpuLanes' | 'guestLanes'>, collapsed: ReadonlySet<string>): Layout {
  const rows: Row[] = [];
  const laneY = { vcpu: new Map<number, number>(), cpu: new Map<number, number>(), guest: new Map<number, number>() };
  const guests = w.guestLanes ?? [];
  const guestRows = (after: number) =>
    guests.forEach((g, index) => {
      if (g.afterVcpuLane !== after) return;
      const guest = g.name || g.traceId;
      rows.push({ type: 'lane', kind: 'guest', index, label: `↳ guest CPU ${g.vcpu}`, title: `guest ${guest} CPU ${g.vcpu} (run by host thread ${g.hostTid}): its own trace — task, lock contention, csd function; ticks: IPIs sent, csds queued`, y });
      laneY.guest.set(index, y);
      y += LANE_PX;
    });
  let y = 0;
  const group = (key: string, label: string) => {
    const isCollapsed = collapsed.has(key);
    rows.push({ type: 'group', key, label, collapsed: isCollapsed, y });
    y += HEADER_PX;
    return !isCollapsed;
  };
  if (w.cpuLanes.length && group(CPU_GROUP, `Host CPUs (${w.cpuLanes.length})`)) {
    w.cpuLanes.forEach((c, index) => {
      rows.push({ type: 'lane', kind: 'cpu', index, label: `CPU ${c.cpu}`, title: `pCPU ${c.cpu}: what ran (coloured by VM, other tasks grey, idle blank)`, y });
      laneY.cpu.set(index, y);
      y += LANE_PX;
    });
  }
  const vms = new Map<string, number[]>();
  w.vcpuLanes.forEach((l, i) => vms.set(l.vm, [...(vms.get(l.vm) ?? []), i]));
  for (const [vm, lanes] of vms) {
    if (!group(vmGroupKey(vm), `${vm} (${lanes.length} vCPUs)`)) continue;
    for (const index of lanes) {
      const l = w.vcpuLanes[index];
      rows.push({ type: 'lane', kind: 'vcpu', index, label: `vCPU ${l.vcpu}`, title: `${l.vm}/vCPU ${l.vcpu}: ${l.comm}-${l.tid}`, y });
      laneY.vcpu.set(index, y);
      y += LANE_PX;
      guestRows(index);
    }
  }
  const unplaced = guests.filter((g) => g.afterVcpuLane < 0).length;
  if (unplaced && group(UNPLACED_GUESTS_GROUP, `Guest CPUs whose host thread the trace does not show (${unplaced})`)) guestRows(-1);
  return { rows, heightPx: y, laneY };
}

/** The row under a y position. */
export function rowAt(layout: Layout, y: number): Row | null {
  for (let i = layout.rows.length - 1; i >= 0; i--) if (layout.rows[i].y <= y) return y < layout.heightPx ? layout.rows[i] : null;
  return null;
}
