// Timeline colours from the theme (charts.* and --vscode-* variables), read at draw time.

import { theme } from '../theme';

export interface TimelineColours {
  fg: string;
  muted: string;
  grid: string;
  bg: string;
  selection: string;
  focus: string;
  /** By VcpuState: unknown, guest, host (exit handling), preempted, halted, woken. */
  vcpuStates: string[];
  /** By VM index, for pCPU runs of that VM's vCPUs. */
  vms: string[];
  otherTask: string;
  /** Guest lanes by GUEST_RUN_LABELS index: not known (blank), idle (blank), task, lock contention, csd function. */
  guestRuns: (string | null)[];
  /** By DECISION_OUTCOMES index: honoured, ignored, -ESRCH; then not judged. */
  boostRan: string;
  boostIgnored: string;
  boostEsrch: string;
  boostNotJudged: string;
  ipi: string;
  tick: string;
}

export function timelineColours(): TimelineColours {
  const t = theme();
  const style = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const muted = v('--vscode-descriptionForeground', '#9d9d9d');
  return {
    fg: t.fg,
    muted,
    grid: t.grid,
    bg: v('--vscode-editor-background', '#1e1e1e'),
    selection: v('--vscode-editor-selectionBackground', 'rgba(38,79,120,0.6)'),
    focus: v('--vscode-focusBorder', '#0078d4'),
    vcpuStates: ['transparent', t.green, t.orange, t.red, muted, t.yellow],
    vms: [t.blue, t.purple, t.green, t.orange, t.yellow, t.red],
    otherTask: v('--vscode-disabledForeground', '#808080'),
    guestRuns: [null, null, t.green, t.red, t.orange],
    boostRan: t.green,
    boostIgnored: t.red,
    boostEsrch: t.purple,
    boostNotJudged: muted,
    ipi: t.blue,
    tick: t.fg,
  };
}
