// Reloading a trace editor starts a new session worker with the host trace alone: the guest
// traces added before (kept in the workspace state by the trace's URI) are added again, and one
// that is gone is said in the page and in a warning, then forgotten.
import { shownMessages } from './support/vscodeStub';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import { TraceEditorProvider } from '../src/extension/traceEditor';
import type { RunRegistry } from '../src/extension/runRegistry';
import { GuestRunKind as R } from '../src/core/views/guestLanes';
import { ROOT } from './support/paths';
import { scratchDir } from './support/scratch';
import { GUEST_ID, writeGuestLanePair } from './support/guestLanePair';

const US = 1000;
const uriOf = (fsPath: string) => ({ scheme: 'file', fsPath, path: fsPath, toString: () => `file://${fsPath}` }) as unknown as vscode.Uri;
const token = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) } as unknown as vscode.CancellationToken;
type Doc = Awaited<ReturnType<TraceEditorProvider['openCustomDocument']>>;

/** The next guest news of `doc` (what the page is sent), or a failure after 30 s. */
function nextGuests(doc: Doc): Promise<{ guestLanes: number; message: string | null }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no guest news after 30 s')), 30_000);
    doc.guests.event((news) => {
      clearTimeout(timer);
      resolve(news);
    });
  });
}

test('trace editor reload: the guest traces added before come back; a gone one is said and forgotten', async () => {
  const dir = scratchDir('kvm-spin-guest-reload-');
  const { hostPath, guestPath } = writeGuestLanePair(dir);
  const state = new Map<string, unknown>();
  const context = {
    workspaceState: { get: (k: string) => state.get(k), update: async (k: string, v: unknown) => void (v === undefined ? state.delete(k) : state.set(k, v)) },
    asAbsolutePath: (p: string) => join(ROOT, p),
  } as unknown as vscode.ExtensionContext;
  const log = { info() {}, warn() {}, error() {} } as unknown as vscode.LogOutputChannel;
  const provider = new TraceEditorProvider(context, { add() {} } as unknown as RunRegistry, log);
  const host = uriOf(hostPath);
  const request = { startNs: 0, endNs: 1000 * US, widthPx: 1000 };

  const docs: Doc[] = [];
  const open = async () => {
    const doc = await provider.openCustomDocument(host, {} as vscode.CustomDocumentOpenContext, token);
    docs.push(doc);
    return doc;
  };
  try {
    await reloads(open, provider, guestPath, state, request);
  } finally {
    // Every session worker ends, passed or failed, so the test process can exit.
    for (const doc of docs) doc.dispose();
  }
});

async function reloads(open: () => Promise<Doc>, provider: TraceEditorProvider, guestPath: string, state: Map<string, unknown>, request: { startNs: number; endNs: number; widthPx: number }) {
  const first = await open();
  await first.session.opened;
  await provider.addGuestTraces([guestPath], first);
  assert.equal(first.guestLanes, 2);
  first.dispose();

  // VS Code's window reload: a new document of the same file.
  const second = await open();
  assert.deepEqual(await nextGuests(second), { guestLanes: 2, message: null });
  const window = await second.session.query({ kind: 'timeline', request });
  assert.deepEqual(window.guestLanes?.map((l) => [l.traceId, l.vcpu]), [
    [GUEST_ID, 0],
    [GUEST_ID, 1],
  ]);
  assert.deepEqual(window.lanes.find((l) => l.kind === 'guest' && l.index === 0)!.segments.slice(0, 4), [100, 150, R.Task, 1000]);
  second.dispose();

  renameSync(guestPath, guestPath + '.moved');
  const third = await open();
  assert.deepEqual(await nextGuests(third), { guestLanes: 0, message: 'Guest trace(s) added before the reload and not added again: guest.report is gone.' });
  assert.deepEqual(shownMessages.at(-1), ['warning', 'KVM Spin: host.report: Guest trace(s) added before the reload and not added again: guest.report is gone.']);
  assert.equal(state.size, 0, 'the gone file is forgotten');
  assert.equal((await third.session.query({ kind: 'timeline', request })).guestLanes, undefined);
  third.dispose();
}
