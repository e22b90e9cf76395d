// esbuild bundles: the extension (node, cjs, vscode external), its workers, the CLI, the
// benchmark and the webviews (browser). `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: true, logLevel: 'warning' };
// The CLI's --version, from package.json at build time (the bundle has no package.json beside it).
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const builds = [
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...common, entryPoints: ['src/extension/sessionWorker.ts'], outfile: 'dist/sessionWorker.js' },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', define: { KVM_SPIN_VERSION: JSON.stringify(version) } },
  { ...common, entryPoints: ['src/core/sim/simWorker.ts'], outfile: 'dist/simWorker.js' },
  { ...common, entryPoints: ['src/core/trace/importWorker.ts'], outfile: 'dist/importWorker.js' },
  // playwright-core stays a runtime require: it finds its own files next to its package.
  { ...common, entryPoints: ['bench/bench.ts'], outfile: 'dist/bench.js', external: ['playwright-core'] },
  // Webviews: browser bundles, chart.js and the toolkit included (no CDN).
  ...['traceEditor', 'comparison'].map((name) => ({ bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: false, minify: true, logLevel: 'warning', entryPoints: [`webview/${name}.ts`], outfile: `dist/webview/${name}.js` })),
].filter((b) => existsSync(b.entryPoints[0]));

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
