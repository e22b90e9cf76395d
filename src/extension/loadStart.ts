// When the extension's bundle started to run: imported first by extension.ts, so that its
// statement runs before every other module's (for the activation time the API reports).
export const loadStart = performance.now();
