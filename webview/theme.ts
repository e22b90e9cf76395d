// Chart colours from the --vscode-* theme variables (light, dark and high contrast), read at
// draw time so that a theme change redraws in the new colours. Series colours are kept at
// least 3 : 1 against the editor background (webview/contrast.ts).

import { readableOn } from './contrast';

export interface ThemeColours {
  fg: string;
  bg: string;
  grid: string;
  blue: string;
  red: string;
  orange: string;
  green: string;
  yellow: string;
  purple: string;
}

/** Reads a CSS variable of the page ('' when unset). */
export type ThemeVariables = (name: string) => string;

export function theme(): ThemeColours {
  const style = getComputedStyle(document.body);
  return themeFrom((name) => style.getPropertyValue(name));
}

/** The chart colours of a theme given its variables. */
export function themeFrom(variables: ThemeVariables): ThemeColours {
  const v = (name: string, fallback: string) => variables(name).trim() || fallback;
  const editorBg = v('--vscode-editor-background', '#1e1e1e');
  const series = (name: string, fallback: string) => readableOn(v(name, fallback), editorBg);
  return {
    fg: v('--vscode-foreground', '#cccccc'),
    bg: v('--vscode-sideBar-background', editorBg),
    grid: v('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)'),
    blue: series('--vscode-charts-blue', '#3794ff'),
    red: series('--vscode-charts-red', '#f14c4c'),
    orange: series('--vscode-charts-orange', '#d18616'),
    green: series('--vscode-charts-green', '#89d185'),
    yellow: series('--vscode-charts-yellow', '#cca700'),
    purple: series('--vscode-charts-purple', '#b180d7'),
  };
}

/** Calls `redraw` when VS Code swaps the theme class on the body. */
export function onThemeChange(redraw: () => void): void {
  new MutationObserver(redraw).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
