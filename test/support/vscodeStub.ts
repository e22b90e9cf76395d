// Lets a plain node test load extension glue that imports 'vscode' only for small helpers
// (EventEmitter): a stand-in module with just those. Import this before the module under test.
import Module = require('node:module');

class EventEmitter<T> {
  private readonly listeners: ((value: T) => void)[] = [];
  readonly event = (listener: (value: T) => void) => {
    this.listeners.push(listener);
    return { dispose: () => undefined };
  };
  fire(value: T): void {
    for (const l of this.listeners) l(value);
  }
  dispose(): void {}
}

const stub = { EventEmitter };
const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const load = loader._load;
loader._load = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? stub : load.call(this, request, ...rest);
};
