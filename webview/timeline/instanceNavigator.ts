// The instances of a dashboard figure on the timeline: which figure, "3 of 1,204", and
// previous / next through them (buttons, and N / P on the timeline canvas). The host finds
// the k-th instance; the timeline moves there and marks the others in view.

import type { InstanceFilter, InstancesReply, InstancesRequest } from '../../src/shared/protocol';
import { button } from '../controls';
import { el } from '../dom';

export interface InstanceNavigator {
  element: HTMLElement;
  /** The figure's filter while one is shown. */
  readonly filter: InstanceFilter | undefined;
  /** Shows a figure's instances from the first. */
  show(filter: InstanceFilter, what: string): void;
  /** Steps by one (+1 next, -1 previous). */
  step(by: number): void;
  onReply(id: number, reply: InstancesReply): void;
}

/**
 * `request` posts an instances request and returns its id; `goTo` moves the timeline to the
 * instance answered (first: the first jump of a figure); `onClear` ends the highlight.
 */
export function instanceNavigator(request: (r: InstancesRequest) => number, goTo: (reply: InstancesReply, first: boolean) => void, onClear: () => void): InstanceNavigator {
  let filter: InstanceFilter | undefined;
  let what = '';
  let index = 0;
  let total = 0;
  let latest = -1;
  let first = false;
  const text = el('span', { class: 'counter', 'aria-live': 'polite' });
  const previous = button('Previous', () => step(-1));
  const next = button('Next', () => step(1));
  const clear = button('Clear', () => {
    filter = undefined;
    element.hidden = true;
    onClear();
  });
  const element = el('div', { class: 'instances toolbar', role: 'group', 'aria-label': 'Instances of a dashboard figure' }, text, previous, next, clear);
  element.hidden = true;

  function ask(k: number): void {
    if (!filter) return;
    latest = request({ filter, index: k });
  }

  function step(by: number): void {
    if (!filter || total === 0) return;
    first = false;
    ask(Math.min(total - 1, Math.max(0, index + by)));
  }

  function update(): void {
    element.dataset.index = String(index);
    element.dataset.total = String(total);
    text.textContent = total === 0 ? `${what}: none` : `${what}: ${(index + 1).toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`;
    previous.toggleAttribute('disabled', index <= 0);
    next.toggleAttribute('disabled', index >= total - 1);
  }

  return {
    element,
    get filter() {
      return filter;
    },
    show(f, label) {
      filter = f;
      what = label;
      index = 0;
      total = 0;
      first = true;
      element.hidden = false;
      text.textContent = `${what}: finding…`;
      ask(0);
    },
    step,
    onReply(id, reply) {
      if (id !== latest || !filter) return;
      index = reply.index;
      total = reply.total;
      update();
      if (reply.instance) goTo(reply, first);
    },
  };
}
