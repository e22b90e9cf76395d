// The HTML shell of a webview: a strict Content-Security-Policy with a nonce, one bundled
// script, one stylesheet. No 'vscode' import, so the browser tests build the same page.

export interface WebviewHtmlOptions {
  title: string;
  /** webview.cspSource (or the test's origin). */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  /** Extra scripts that carry the nonce (tests only). */
  preludeScripts?: string[];
}

export function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < 32; i++) out += chars[Math.floor(Math.random() * chars.length)];
  return out;
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function renderWebviewHtml(o: WebviewHtmlOptions): string {
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${o.nonce}'`,
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `img-src ${o.cspSource} data:`,
    `font-src ${o.cspSource}`,
  ].join('; ');
  const prelude = (o.preludeScripts ?? []).map((code) => `<script nonce="${o.nonce}">${code}</script>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta property="csp-nonce" content="${o.nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
<title>${escapeAttr(o.title)}</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="status">Loading…</p></main>
${prelude}
<script nonce="${o.nonce}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>`;
}
