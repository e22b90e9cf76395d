// The webview side of VS Code's messaging, typed by what the page may post. VS Code allows
// acquireVsCodeApi() once per page: each page calls this once, at load.

export interface VsCodeApi<ToHost> {
  postMessage(message: ToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown>;

export function vscodeApi<ToHost>(): VsCodeApi<ToHost> {
  return acquireVsCodeApi() as VsCodeApi<ToHost>;
}
