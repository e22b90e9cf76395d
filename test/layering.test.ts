// The house's layers, held by the import lines (DESIGN §3): src/core is pure of VS Code and of
// the glue above it; src/shared, imported by host, workers and webviews, uses no Node; a webview
// reaches the rest only through src/shared, and nothing it loads at run time needs Node.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT as REPO } from './support/paths';

interface Import {
  spec: string;
  /** `import type` / `export type`: erased by the compiler, loads nothing. */
  typeOnly: boolean;
}

const IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const m of text.matchAll(IMPORT)) found.push({ spec: m[2], typeOnly: m[1] !== undefined });
  for (const m of text.matchAll(DYNAMIC)) found.push({ spec: m[1], typeOnly: false });
  return found;
}

function sourcesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourcesUnder(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The file a relative specifier names (x.ts, or x/index.ts), or null for a package. */
function resolved(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return existsSync(base) && statSync(base).isFile() ? base : `${base}.ts`;
}

const isNodeBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]);
const area = (file: string) => relative(REPO, file).split('/').slice(0, relative(REPO, file).startsWith('src/') ? 2 : 1).join('/');

test('src/core and src/shared never import vscode, the extension glue, the CLI or the webviews', () => {
  const offending: string[] = [];
  for (const file of [...sourcesUnder(join(REPO, 'src/core')), ...sourcesUnder(join(REPO, 'src/shared'))]) {
    for (const { spec } of importsOf(file)) {
      const target = resolved(file, spec);
      const where = target ? area(target) : spec;
      if (spec === 'vscode' || ['src/extension', 'src/cli', 'webview'].includes(where)) offending.push(`${relative(REPO, file)} → ${spec}`);
    }
  }
  assert.deepEqual(offending, []);
});

test('src/shared uses no Node module', () => {
  const offending = sourcesUnder(join(REPO, 'src/shared')).flatMap((file) => importsOf(file).filter((i) => isNodeBuiltin(i.spec)).map((i) => `${relative(REPO, file)} → ${i.spec}`));
  assert.deepEqual(offending, []);
});

test('a webview imports only webview/ and src/shared/, and nothing it loads needs Node or vscode', () => {
  const direct: string[] = [];
  const runtime: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string, via: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const { spec, typeOnly } of importsOf(file)) {
      if (typeOnly) continue;
      if (spec === 'vscode' || isNodeBuiltin(spec)) runtime.push(`${via} … ${relative(REPO, file)} → ${spec}`);
      const target = resolved(file, spec);
      if (target) visit(target, via);
    }
  };
  for (const file of sourcesUnder(join(REPO, 'webview'))) {
    for (const { spec } of importsOf(file)) {
      const target = resolved(file, spec);
      if (target && !['webview', 'src/shared'].includes(area(target))) direct.push(`${relative(REPO, file)} → ${spec}`);
    }
    visit(file, relative(REPO, file));
  }
  assert.deepEqual(direct, [], 'webview files import src/core and the rest through src/shared only');
  assert.deepEqual(runtime, [], 'what a webview bundle loads at run time');
});
