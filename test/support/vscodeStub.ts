// Lets a plain node test load extension glue that imports 'vscode' only for small helpers
// (EventEmitter, progress notifications, messages, settings): a stand-in module with just
// those; the messages shown are kept in `shownMessages`. Import this before the module under test.
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

/** Every message the glue showed, as [kind, text]. */
export const shownMessages: ['error' | 'warning' | 'info', string][] = [];
const show = (kind: 'error' | 'warning' | 'info') => async (text: string) => void shownMessages.push([kind, text]);

const stub = {
  EventEmitter,
  ProgressLocation: { Notification: 15 },
  window: {
    withProgress: async <T>(_options: unknown, task: (progress: unknown, token: unknown) => Promise<T>) => task({ report() {} }, { onCancellationRequested: () => ({ dispose() {} }) }),
    showErrorMessage: show('error'),
    showWarningMessage: show('warning'),
    showInformationMessage: show('info'),
  },
  workspace: { getConfiguration: () => ({ get: () => undefined }) },
};
const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const load = loader._load;
loader._load = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? stub : load.call(this, request, ...rest);
};
