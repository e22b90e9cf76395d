// Chart colours stand out from the editor background (≥ 3 : 1, WCAG 1.4.11) in a dark and a
// light theme: Light Modern's charts.orange (the spin bars, "boost did not help") is 2.94 : 1 on white.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { contrastRatio, MIN_GRAPHIC_CONTRAST, readableOn } from '../../webview/contrast';
import { themeFrom } from '../../webview/theme';
import { DARK_THEME, LIGHT_THEME } from '../support/webviewPage';

const SERIES = ['blue', 'red', 'orange', 'green', 'yellow', 'purple'] as const;

test('contrast ratio as WCAG defines it', () => {
  assert.equal(contrastRatio('#ffffff', '#000000'), 21);
  assert.equal(contrastRatio('#777', '#777777'), 1);
  assert.equal(Number(contrastRatio('#d18616', '#ffffff')!.toFixed(2)), 2.94);
  assert.equal(contrastRatio('rgb(255, 255, 255)', '#000'), 21);
  assert.equal(contrastRatio('var(--x)', '#000'), null);
});

test('a colour that already stands out is kept; one that does not is moved just far enough', () => {
  assert.equal(readableOn('#3794ff', '#1f1f1f'), '#3794ff');
  const fixed = readableOn('#d18616', '#ffffff');
  assert.notEqual(fixed, '#d18616');
  assert.ok(contrastRatio(fixed, '#ffffff')! >= MIN_GRAPHIC_CONTRAST);
  assert.ok(contrastRatio(fixed, '#ffffff')! < 4, 'no darker than needed');
  // Dark brown on Dark Modern's grey is lightened; a translucent orange (dark brown there) is shown at full strength.
  assert.ok(contrastRatio(readableOn('#5c3b0b', '#1f1f1f'), '#1f1f1f')! >= MIN_GRAPHIC_CONTRAST);
  assert.ok(contrastRatio('#d1861640', '#1f1f1f')! < 2);
  const opaque = readableOn('#d1861640', '#1f1f1f');
  assert.equal(opaque, '#d18616');
  assert.ok(contrastRatio(opaque, '#1f1f1f')! >= MIN_GRAPHIC_CONTRAST);
  assert.equal(contrastRatio('rgba(255, 255, 255, 0)', '#000'), 1);
});

for (const [name, vars] of [['Dark Modern', DARK_THEME], ['Light Modern', LIGHT_THEME]] as const) {
  test(`every chart series colour is ≥ 3 : 1 against the editor background in ${name}`, () => {
    const t = themeFrom((v) => vars[v] ?? '');
    const bg = vars['--vscode-editor-background'];
    for (const key of SERIES) {
      const ratio = contrastRatio(t[key], bg)!;
      assert.ok(ratio >= MIN_GRAPHIC_CONTRAST, `${key} ${t[key]} on ${bg}: ${ratio.toFixed(2)} : 1`);
    }
  });
}
