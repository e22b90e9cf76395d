// Chart colours from the --vscode-* theme variables (light, dark and high contrast), read at
// draw time so that a theme change redraws in the new colours.

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

export function theme(): ThemeColours {
  const style = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    fg: v('--vscode-foreground', '#cccccc'),
    bg: v('--vscode-sideBar-background', v('--vscode-editor-background', '#1e1e1e')),
    grid: v('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)'),
    blue: v('--vscode-charts-blue', '#3794ff'),
    red: v('--vscode-charts-red', '#f14c4c'),
    orange: v('--vscode-charts-orange', '#d18616'),
    green: v('--vscode-charts-green', '#89d185'),
    yellow: v('--vscode-charts-yellow', '#cca700'),
    purple: v('--vscode-charts-purple', '#b180d7'),
  };
}

/** Calls `redraw` when VS Code swaps the theme class on the body. */
export function onThemeChange(redraw: () => void): void {
  new MutationObserver(redraw).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
