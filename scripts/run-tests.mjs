// Runs every compiled test file under a folder with node's test runner (Node 20 has no
// globs): `*.test.js` by default, `*.e2e.js` for the end-to-end tests (one file at a time:
// each starts its own VS Code).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const dir = process.argv[2] ?? 'out/test';
const suffix = process.argv[3] ?? '.test.js';
const files = [];
const walk = (d) => {
  for (const entry of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, entry.name);
    if (entry.isDirectory()) walk(p);
    else if (entry.name.endsWith(suffix)) files.push(p);
  }
};
walk(dir);
files.sort();
const serial = suffix === '.e2e.js' ? ['--test-concurrency=1'] : [];
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...serial, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
