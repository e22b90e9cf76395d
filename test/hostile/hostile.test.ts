// The hostile corpus: each case of cases.json runs the built CLI (bin/kvm-spin.js, or the one
// in KVM_SPIN_CLI to try an older build) on an input of this folder and checks the exit code
// and the ONE line it must print on stderr (then the command's usage, for a usage mistake).
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, openSync, readFileSync, symlinkSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { CLI_BIN } from '../support/cli';
import { ROOT } from '../support/paths';
import { scratchDir } from '../support/scratch';

interface HostileCase {
  name: string;
  args: string[];
  exit: number;
  /** A regular expression of the one stderr line, or "" for no stderr at all. */
  stderr: string;
  /** A regular expression stdout must match (results with warnings). */
  stdoutMatch?: string;
  /** The line is followed by the command's usage. */
  usage?: boolean;
  /** A corpus file on standard input (kept open after it when stdinOpen). */
  stdin?: string;
  stdinOpen?: boolean;
  stdout?: 'dev-full' | 'closed';
  setup?: 'symlink-loop' | 'fifo';
  /** What a writer puts into the FIFO (none: nobody opens it for writing). */
  feed?: string;
  /** Send this signal once stderr shows `after` (progress is forced on). */
  signal?: { name: NodeJS.Signals; after: string };
}

const CORPUS = join(ROOT, 'test', 'hostile');
const CLI = process.env.KVM_SPIN_CLI ?? CLI_BIN;
const CASES = JSON.parse(readFileSync(join(CORPUS, 'cases.json'), 'utf8')) as HostileCase[];
const TIMEOUT_MS = 20_000;

interface Outcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** What cannot be a file in git: {tmp}/loop (a symbolic link loop) or {tmp}/fifo. */
function setUp(c: HostileCase, tmp: string): void {
  if (c.setup === 'symlink-loop') {
    symlinkSync(join(tmp, 'loop2'), join(tmp, 'loop'));
    symlinkSync(join(tmp, 'loop'), join(tmp, 'loop2'));
  }
  // mkfifo(1): node has no mkfifo of its own.
  if (c.setup === 'fifo' && spawnSync('mkfifo', [join(tmp, 'fifo')]).status !== 0) throw new Error('mkfifo failed');
}

function run(c: HostileCase): Promise<Outcome> {
  const tmp = scratchDir('kvm-spin-hostile-');
  setUp(c, tmp);
  const args = c.args.map((a) => a.replace('{corpus}', CORPUS).replace('{tmp}', tmp));
  const devFull = c.stdout === 'dev-full' ? openSync('/dev/full', 'w') : undefined;
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['pipe', devFull ?? 'pipe', 'pipe'],
    env: { ...process.env, KVM_SPIN_PROGRESS: c.signal ? '1' : '0' },
  });
  if (devFull !== undefined) closeSync(devFull);
  let stdout = '';
  // A reader that went away before the first write: every write gets EPIPE.
  if (c.stdout === 'closed') child.stdout!.destroy();
  else child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  if (c.stdin) {
    const input = createReadStream(join(CORPUS, c.stdin));
    input.pipe(child.stdin!, { end: !c.stdinOpen });
  } else child.stdin!.end();
  child.stdin!.on('error', () => undefined);
  if (c.feed) createReadStream(join(CORPUS, c.feed)).pipe(createWriteStream(join(tmp, 'fifo')));
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${c.name}: no exit within ${TIMEOUT_MS} ms; stderr: ${stderr}`));
    }, TIMEOUT_MS);
    let signalled = false;
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (c.signal && !signalled && stderr.includes(c.signal.after)) {
        signalled = true;
        child.kill(c.signal.name);
      }
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      child.stdin!.destroy();
      resolve({ status, signal, stdout, stderr });
    });
  });
}


/** Progress lines ("\rreading …: 0 MiB", then a newline) are not messages. */
const withoutProgress = (stderr: string) => stderr.replace(/\r[^\r\n]*/g, '').replace(/^\n+/, '');

// Each case mostly waits for a node process to start: a few at a time.
describe('hostile corpus', { concurrency: 4 }, () => {
  for (const c of CASES) {
    const skip = c.stdout === 'dev-full' && !existsSync('/dev/full') ? 'no /dev/full here' : false;
    test(`hostile: ${c.name}`, { skip }, async () => {
      const r = await run(c);
      const stderr = withoutProgress(r.stderr);
      const where = `${c.args.join(' ')}\n${r.stderr}`;
      assert.equal(r.signal, null, `killed by ${r.signal}: ${where}`);
      assert.equal(r.status, c.exit, where);
      if (c.stdoutMatch) assert.match(r.stdout, new RegExp(c.stdoutMatch), where);
      if (c.stderr === '') return assert.equal(stderr, '', where);
      const [line, ...rest] = stderr.replace(/\n$/, '').split('\n');
      assert.match(line, new RegExp(c.stderr), where);
      if (c.usage) assert.match(rest[0] ?? '', /^usage: kvm-spin /, where);
      else assert.deepEqual(rest, [], `one line only: ${where}`);
    });
  }
});
