// Readable contrast (WCAG 2.x relative luminance): every text colour of styles.css against
// every surface it is drawn on, read from the stylesheet itself so a palette change is checked.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const css = readFileSync('styles.css', 'utf8'); // web.unit runs in web/
const palette = new Map([...css.matchAll(/--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6});/g)].map((m) => [m[1]!, m[2]!]));

function colour(name: string): string {
  const value = palette.get(name);
  assert.ok(value, `styles.css defines --${name}`);
  return value;
}

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

function ratio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

test('the contrast formula gives the known answers', () => {
  assert.equal(ratio('#ffffff', '#000000'), 21);
  assert.equal(ratio('#777777', '#777777'), 1);
  assert.ok(Math.abs(ratio('#767676', '#ffffff') - 4.54) < 0.01); // the classic AA grey
});

test('body text is at least 7:1 and muted text and states at least 4.5:1 on every surface', () => {
  const surfaces = ['bg', 'panel', 'panel-2'];
  for (const surface of surfaces) {
    assert.ok(ratio(colour('text'), colour(surface)) >= 7, `text on --${surface}`);
    for (const fg of ['muted', 'accent', 'ok', 'warn', 'bad']) {
      const r = ratio(colour(fg), colour(surface));
      assert.ok(r >= 4.5, `--${fg} on --${surface}: ${r.toFixed(2)}:1`);
    }
  }
  assert.ok(ratio(colour('accent-text'), colour('accent')) >= 4.5, 'primary button label');
});

test('alert and notice boxes keep body text readable', () => {
  for (const box of ['alert', 'notice']) {
    const bg = new RegExp(`\\.${box} \\{[^}]*background: (#[0-9a-fA-F]{6})`).exec(css)?.[1];
    assert.ok(bg, `.${box} has a background colour`);
    assert.ok(ratio(colour('text'), bg) >= 7, `text on .${box} (${bg})`);
  }
});
