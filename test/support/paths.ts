// Paths for tests compiled to out/test: fixtures and bundles stay in the source tree.
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const fixture = (name: string) => path.join(ROOT, 'test', 'fixtures', name);
