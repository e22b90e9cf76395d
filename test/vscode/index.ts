// The extension-host test entry (what @vscode/test-electron and code-server's smoke-test
// driver call): runs every *.vscode-test.js next to this file with mocha, inside VS Code.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  for (const name of readdirSync(__dirname).sort()) if (name.endsWith('.vscode-test.js')) mocha.addFile(join(__dirname, name));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve()));
  });
}
