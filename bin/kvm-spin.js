#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is bundled by `npm run build` into dist/cli.js.
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write("kvm-spin: not built yet; run 'npm run build' first\n");
  process.exit(2);
}
require(bundle).runCli(process.argv.slice(2));
