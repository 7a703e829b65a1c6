// The calibration card: method (rectangle of known size, or points with typed world
// coordinates), the point rows, and the live reprojection error of the fit.
import { RECTANGLE_CORNERS, draftWorldPoints, type CalibrationDraft, type CalibrationMode, type DraftState } from '../core/calibration';
import { rectangleWorldPoints } from '../core/homography';
import { h, replace } from '../dom';
import type { Point } from '../types';

export interface DraftStore {
  get(): CalibrationDraft;
  set(draft: CalibrationDraft): void;
}

export interface CalibrationPanel {
  element: HTMLElement;
  /** Shows the draft after any change (clicks and drags on the canvas included). */
  update(state: DraftState): void;
}

const numberValue = (input: HTMLInputElement) => (input.value.trim() === '' ? NaN : Number(input.value));
const fixed = (v: number) => (Number.isFinite(v) ? String(v) : '');
const pixels = (p: Point) => `${p[0].toFixed(1)}, ${p[1].toFixed(1)} px`;

function pointRow(store: DraftStore, index: number): HTMLElement {
  const d = store.get();
  const world = d.world_m[index] ?? [NaN, NaN];
  const edit = (axis: 0 | 1) => (e: Event) => {
    const current = store.get();
    const world_m = current.world_m.map((p, i): Point => (i !== index ? p : axis === 0 ? [numberValue(e.target as HTMLInputElement), p[1]] : [p[0], numberValue(e.target as HTMLInputElement)]));
    store.set({ ...current, world_m });
  };
  const remove = () => {
    const current = store.get();
    store.set({ ...current, image_px: current.image_px.filter((_, i) => i !== index), world_m: current.world_m.filter((_, i) => i !== index) });
  };
  const n = index + 1;
  return h(
    'li',
    { testid: 'calib-point', class: 'calib-point' },
    h('span', { class: 'mono calib-point-px' }, `${n}: ${pixels(d.image_px[index])}`),
    h('input', { type: 'number', step: 'any', value: fixed(world[0]), testid: 'calib-world-x', 'aria-label': `Point ${n} x (m)`, placeholder: 'x m', oninput: edit(0) }),
    h('input', { type: 'number', step: 'any', value: fixed(world[1]), testid: 'calib-world-y', 'aria-label': `Point ${n} y (m)`, placeholder: 'y m', oninput: edit(1) }),
    h('button', { type: 'button', class: 'ghost', testid: 'calib-point-remove', 'aria-label': `Remove point ${n}`, onclick: remove }, '✕'),
  );
}

export function calibrationPanel(store: DraftStore, extras: Node[]): CalibrationPanel {
  const mode = h(
    'select',
    { testid: 'calib-mode' },
    h('option', { value: 'rectangle' }, 'Rectangle of known size'),
    h('option', { value: 'points' }, 'Points with world coordinates'),
  );
  const width = h('input', { type: 'number', min: '0', step: 'any', testid: 'calib-width-m' });
  const length = h('input', { type: 'number', min: '0', step: 'any', testid: 'calib-length-m' });
  const rectangle = h(
    'div',
    { class: 'stack' },
    h('p', { class: 'muted' }, `Click the corners of a rectangle on the road in order: ${RECTANGLE_CORNERS.join(', ')}. Lane width × dash period works well.`),
    h('div', { class: 'row' }, h('label', {}, 'Width across (m)', width), h('label', {}, 'Length along (m)', length)),
  );
  const pointsHint = h('p', { class: 'muted' }, 'Click a point on the road, then type where it is in metres: x across the road, y along it.');
  const rows = h('ol', { class: 'calib-points' });
  const problem = h('p', { class: 'muted', role: 'status' });
  const error = h('p', { testid: 'calib-error', class: 'mono' });
  const clear = h('button', { type: 'button', testid: 'calib-clear' }, 'Clear calibration');
  // Point rows are rebuilt only when points come or go (not while typing: it would lose focus).
  let shown = '';

  mode.addEventListener('change', () => {
    const d = store.get();
    const next = mode.value as CalibrationMode;
    // Going to points keeps the rectangle's corners as typed points; back keeps 4 clicks.
    store.set(
      next === 'points'
        ? { ...d, mode: next, world_m: draftWorldPoints(d) }
        : { ...d, mode: next, image_px: d.image_px.slice(0, 4), world_m: [] },
    );
  });
  const size = () => store.set({ ...store.get(), width_m: numberValue(width), length_m: numberValue(length) });
  width.addEventListener('input', size);
  length.addEventListener('input', size);
  clear.addEventListener('click', () => store.set({ ...store.get(), image_px: [], world_m: [], stored: null }));

  const element = h(
    'section',
    { class: 'card stack', 'aria-labelledby': 'calib-heading' },
    h('h2', { id: 'calib-heading' }, 'Calibration'),
    h('label', {}, 'Method', mode),
    rectangle,
    pointsHint,
    rows,
    problem,
    error,
    h('div', { class: 'row' }, clear),
    extras,
  );

  function update(state: DraftState): void {
    const d = store.get();
    mode.value = d.mode;
    rectangle.hidden = d.mode !== 'rectangle';
    pointsHint.hidden = d.mode !== 'points';
    if (document.activeElement !== width) width.value = fixed(d.width_m);
    if (document.activeElement !== length) length.value = fixed(d.length_m);
    const key = `${d.mode}:${d.image_px.length}`;
    if (d.mode === 'rectangle') {
      shown = key;
      const world = rectangleWorldPoints(d.width_m, d.length_m);
      replace(rows, d.image_px.map((p, i) => h('li', { testid: 'calib-point', class: 'mono' }, `${RECTANGLE_CORNERS[i]}: ${pixels(p)} → ${world[i].join(', ')} m`)));
    } else if (key !== shown) {
      shown = key;
      replace(rows, d.image_px.map((_, i) => pointRow(store, i)));
    } else {
      // Same rows: refresh the pixel positions (drags) in place.
      rows.querySelectorAll('.calib-point-px').forEach((el, i) => (el.textContent = `${i + 1}: ${pixels(d.image_px[i])}`));
    }
    problem.textContent = state.kind === 'invalid' ? state.error : state.kind === 'empty' ? 'No calibration: speeds need one.' : '';
    if (state.kind === 'fit') {
      error.textContent = `RMS ${state.fit.rms_m.toFixed(2)} m · ${state.fit.rms_px.toFixed(1)} px`;
      error.dataset['rmsM'] = String(state.fit.rms_m);
      error.dataset['rmsPx'] = String(state.fit.rms_px);
    } else {
      error.textContent = state.kind === 'homography' ? 'Stored homography without point pairs (no error to show)' : 'RMS —';
      delete error.dataset['rmsM'];
      delete error.dataset['rmsPx'];
    }
  }
  return { element, update };
}
