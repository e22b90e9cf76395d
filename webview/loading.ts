// The trace editor page before a trace is shown: reading (a progress bar with the percentage,
// as the worker reads the file) and a load that did not finish (cancelled: said neutrally,
// with Reload; not a trace: Reopen as text; any other error: Reload).

import type { LoadFailure, WebviewToHost } from '../src/shared/protocol';
import { button } from './controls';
import { el } from './dom';

/** "Reading …" with an indeterminate bar until the first progress report. */
export function loadingView(message: string): HTMLElement {
  const bar = el('progress', { max: '100', 'aria-label': 'Reading the trace' });
  return el('div', { class: 'loading', role: 'status' }, el('p', { class: 'status' }, message), bar, el('span', { class: 'percent' }, ''));
}

const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);

/** Moves the bar of the loading view in `root` (adding one when the page shows something else). */
export function showProgress(root: HTMLElement, bytesRead: number, totalBytes: number): void {
  let view = root.querySelector<HTMLElement>('.loading');
  if (!view) {
    view = loadingView('Reading the trace…');
    root.replaceChildren(view);
  }
  const percent = totalBytes > 0 ? Math.min(100, (100 * bytesRead) / totalBytes) : 0;
  view.querySelector('progress')!.value = percent;
  view.querySelector('.percent')!.textContent = ` ${Math.floor(percent)} % (${megabytes(bytesRead)} of ${megabytes(totalBytes)} MB)`;
}

/** What the page says when the trace did not open, with the action that helps. */
export function loadFailedView(reason: LoadFailure, message: string, post: (m: WebviewToHost) => void): HTMLElement {
  const reload = () => button('Reload', () => post({ type: 'reload' }), reason === 'cancelled' ? 'primary' : 'secondary');
  if (reason === 'cancelled') return el('div', { class: 'load-failed', role: 'status' }, el('p', { class: 'status' }, 'Loading was cancelled.'), reload());
  if (reason === 'notATrace')
    return el(
      'div',
      { class: 'load-failed', role: 'alert' },
      el('p', { class: 'error' }, message),
      el('p', { class: 'hint' }, 'This file is not a trace KVM Spin can read; open it in the text editor instead.'),
      button('Reopen as text', () => post({ type: 'reopenAsText' }), 'primary'),
    );
  return el('div', { class: 'load-failed', role: 'alert' }, el('p', { class: 'error' }, message), reload());
}
