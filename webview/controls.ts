// The one module that knows the webview UI toolkit: swap it here, not in the views.

import { provideVSCodeDesignSystem, vsCodeButton } from '@vscode/webview-ui-toolkit';

let registered = false;

export function button(label: string, onClick: () => void, appearance: 'primary' | 'secondary' = 'secondary'): HTMLElement {
  if (!registered) {
    provideVSCodeDesignSystem().register(vsCodeButton());
    registered = true;
  }
  const b = document.createElement('vscode-button');
  b.setAttribute('appearance', appearance);
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}
