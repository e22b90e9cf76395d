// `npm run test:desktop`: the same extension-host suite (test/vscode) in a desktop VS Code
// through @vscode/test-electron. It downloads VS Code unless VSCODE_EXECUTABLE names an
// installed one (e.g. /usr/share/code/code); machines without either cannot run it.
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runTests } from '@vscode/test-electron';
import { ROOT } from '../support/paths';
import { makeWorkspace } from './codeServer';

async function main(): Promise<void> {
  const workspace = makeWorkspace();
  const code = await runTests({
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: join(ROOT, 'out', 'test', 'vscode', 'index.js'),
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
    extensionTestsEnv: { KVM_SPIN_E2E_METRICS: join(ROOT, 'test-results', 'desktop-activation.json') },
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', mkdtempSync(join(tmpdir(), 'kvm-spin-desktop-'))],
  });
  process.exit(code);
}

main().catch((err: Error) => {
  console.error(`test:desktop: ${err.message.split('\n')[0]}`);
  process.exit(1);
});
