// A test on exit reason names, answered per string id from a table made once (the loops over
// rows read the table, never the text).

import type { EventStore } from '../trace/model';

export class ReasonClass {
  /** 1 for the string ids whose text passes the test (read directly by the loops). */
  readonly byId: Uint8Array;
  constructor(store: EventStore, predicate: (reason: string) => boolean) {
    this.byId = Uint8Array.from(store.strings.strings, (text) => (predicate(text) ? 1 : 0));
  }
  test(id: number): boolean {
    return this.byId[id] === 1;
  }
}
