// What `activate` returns: a small read-only view of the extension's state for other
// extensions, scripts and the integration tests (decorations cannot be read back through
// VS Code's API, so what is shown on a kernel source is offered here).

import type { RunRegistry } from './runRegistry';
import type { ShownLine, SourceAnnotations } from './sourceAnnotations';

export interface RunSummary {
  id: string;
  label: string;
  detail: string;
  active: boolean;
}

export interface KvmSpinApi {
  readonly apiVersion: 1;
  /** Milliseconds `activate` took (module load excluded). */
  readonly activationMs: number;
  /** Milliseconds from the bundle's first module statement to the end of `activate`. */
  readonly loadAndActivateMs: number;
  /** Every loaded run, in the order loaded. */
  runs(): RunSummary[];
  /** End-of-line counts and heat levels now shown on a document (by URI string). */
  shownLines(uri: string): ShownLine[];
}

export function makeApi(
  registry: RunRegistry,
  annotations: SourceAnnotations,
  timing: { activationMs: number; loadAndActivateMs: number },
): KvmSpinApi {
  return {
    apiVersion: 1,
    ...timing,
    runs: () => registry.all.map((r) => ({ id: r.id, label: r.label, detail: r.detail, active: r.id === registry.active?.id })),
    shownLines: (uri) => annotations.shownLines(uri).map((l) => ({ ...l })),
  };
}
