// Writes an event store as trace-cmd-report-style text (with the ftrace tgid column and
// nanosecond timestamps; each payload in the rendering its event descriptor writes) that the
// text importer reads back to the same events. Used for simulator run files, so a simulated
// run opens like any trace.

import type { EventStore } from '../trace/model';
import { writtenPayload } from '../events/descriptor';
import { descriptorOf } from '../events/registry';
import { commOf } from '../events/sched';

function timestamp(ns: number): string {
  const sec = Math.floor(ns / 1e9);
  const frac = Math.round(ns - sec * 1e9);
  return `${sec}.${String(frac).padStart(9, '0')}`;
}

/** The event name and payload of row i, as its descriptor writes it. */
function payload(store: EventStore, i: number): [string, string] {
  const d = descriptorOf(store.kind[i]);
  return d ? writtenPayload(d, store, i) : ['unknown', ''];
}

/** Streams the store as text in chunks of about 64 KiB. */
export function writeTraceCmdText(store: EventStore, write: (text: string) => void, headerComments: string[] = []): void {
  let cpus = 1;
  for (let i = 0; i < store.length; i++) if (store.cpu[i] + 1 > cpus) cpus = store.cpu[i] + 1;
  let out = headerComments.map((c) => `# ${c.replace(/[\r\n]+/g, ' ')}\n`).join('') + `cpus=${cpus}\n`;
  for (let i = 0; i < store.length; i++) {
    const tid = store.tid[i];
    const tgid = store.threads.get(tid)?.tgid ?? -1;
    const [event, text] = payload(store, i);
    out += `${`${commOf(store, tid)}-${tid}`.padStart(20)} (${tgid >= 0 ? String(tgid).padStart(7) : '-------'}) [${String(store.cpu[i]).padStart(3, '0')}] d..2. ${timestamp(store.ts[i])}: ${event}: ${text}\n`;
    if (out.length > 1 << 16) {
      write(out);
      out = '';
    }
  }
  if (out) write(out);
}
