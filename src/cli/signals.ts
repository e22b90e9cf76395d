// SIGINT, SIGTERM and SIGHUP abort every command the same way: the command's AbortSignal fires
// (so `record` removes its tracefs instance and simulations stop their workers), and the
// process exits 128 + the signal's number.

import { signalExitCode, type CliIo } from './io';

export const ABORTING_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Resolves after the event loop has polled at least once more. A signal that arrives while
 * JavaScript runs synchronously (the analysis after the import) is only handed to its listener
 * when the loop next polls; a listener removed before that loses it (the Ctrl-C that was
 * ignored in one run in five). An immediate queued from an immediate runs in the next loop
 * iteration, so two of them have a poll phase between them.
 */
export async function nextPoll(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Runs a command with the aborting signals wired to its AbortSignal; an interrupted run exits 128 + signo. */
export async function withSignals(io: CliIo, run: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const listeners = ABORTING_SIGNALS.map((name) => {
    const listener = () => {
      received ??= name;
      controller.abort();
    };
    io.signals.on(name, listener);
    return { name, listener };
  });
  let outcome: { code: number } | { error: unknown };
  try {
    outcome = { code: await run(controller.signal) };
  } catch (error) {
    outcome = { error };
  }
  await nextPoll();
  for (const { name, listener } of listeners) io.signals.off(name, listener);
  if (received) {
    io.stderr.write(`kvm-spin: interrupted (${received})\n`);
    return signalExitCode(received);
  }
  if ('error' in outcome) throw outcome.error;
  return outcome.code;
}
