// Whether this machine lets a test record real traces: root, and a tracefs where an instance
// can really be made (containers may show the directory and still refuse).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';

export const hasTraceCmd = spawnSync('trace-cmd', ['--version'], { stdio: 'ignore' }).error === undefined;

export function canMakeTracefsInstance(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = `/sys/kernel/tracing/instances/kvmspin_probe_${process.pid}`;
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}
