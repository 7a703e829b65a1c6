// The calibration being edited, between the server's JSON (docs/api.md "calibration") and the
// editor: clicked image points plus either a rectangle of known size or typed world points.
import type { Calibration, Point } from '../types';
import { fitCalibration, rectangleWorldPoints, type HomographyFit, type Mat3 } from './homography';

export type CalibrationMode = 'rectangle' | 'points';

export interface CalibrationDraft {
  mode: CalibrationMode;
  image_px: Point[];
  /** Points mode: one per image point; NaN where the operator has not typed it yet. */
  world_m: Point[];
  /** Rectangle mode: the rectangle's size across (x) and along (y) the road. */
  width_m: number;
  length_m: number;
  /** A stored calibration with a homography and no point pairs: sent back as it is until cleared. */
  stored: Calibration | null;
}

export type DraftState =
  | { kind: 'empty' }
  | { kind: 'homography'; image_to_world: Mat3; stored: Calibration }
  | { kind: 'invalid'; error: string }
  | { kind: 'fit'; fit: HomographyFit; world_m: Point[] };

const METRES_PER_FOOT = 0.3048; // as parse_calibration converts "units": "feet"
export const RECTANGLE_CORNERS = ['near-left', 'near-right', 'far-right', 'far-left'] as const;

export function emptyDraft(mode: CalibrationMode = 'rectangle'): CalibrationDraft {
  return { mode, image_px: [], world_m: [], width_m: 3.5, length_m: 12, stored: null };
}

/** A stored calibration as a draft, in metres; 4 points on a rectangle from (0, 0) open in rectangle mode. */
export function draftFromCalibration(c: Calibration | null): CalibrationDraft {
  if (!c) return emptyDraft();
  const scale = unitScale(c);
  const image_px = (c.image_points ?? []).map((p): Point => [p[0], p[1]]);
  const world_m = (c.world_points ?? []).map((p): Point => [p[0] * scale, p[1] * scale]);
  const stored = image_px.length === 0 && c.homography ? c : null;
  const far = world_m.length === 4 ? world_m[2] : null;
  if (far && far[0] > 0 && far[1] > 0) {
    const rectangle = rectangleWorldPoints(far[0], far[1]);
    if (rectangle.every((p, i) => p[0] === world_m[i][0] && p[1] === world_m[i][1])) {
      return { mode: 'rectangle', image_px, world_m: [], width_m: far[0], length_m: far[1], stored };
    }
  }
  return { ...emptyDraft(image_px.length > 0 ? 'points' : 'rectangle'), image_px, world_m, stored };
}

const unitScale = (c: Calibration) => (c.units === 'feet' ? METRES_PER_FOOT : 1);

/** How many image points the mode takes (rectangle: its 4 corners). */
export function pointLimit(mode: CalibrationMode): number {
  return mode === 'rectangle' ? 4 : Infinity;
}

/** The world points paired with the draft's image points (NaN where not typed). */
export function draftWorldPoints(d: CalibrationDraft): Point[] {
  return d.mode === 'rectangle' ? rectangleWorldPoints(d.width_m, d.length_m).slice(0, d.image_px.length) : d.world_m;
}

/** What the draft amounts to: nothing, a kept homography, an error to show, or a fit. */
export function evaluateDraft(d: CalibrationDraft): DraftState {
  if (d.image_px.length === 0) {
    if (!d.stored?.homography) return { kind: 'empty' };
    // Feet scale the world rows (as parse_calibration's diag(s, s, 1)).
    const image_to_world = d.stored.homography.map((row, r) => row.map((v) => (r < 2 ? v * unitScale(d.stored!) : v)));
    return { kind: 'homography', image_to_world, stored: d.stored };
  }
  if (d.mode === 'rectangle') {
    if (!(d.width_m > 0 && d.length_m > 0)) return { kind: 'invalid', error: 'the rectangle needs a width and a length above 0 m' };
    if (d.image_px.length < 4) {
      return { kind: 'invalid', error: `click the rectangle's ${RECTANGLE_CORNERS[d.image_px.length]} corner (${d.image_px.length} of 4 set)` };
    }
  }
  const world_m = draftWorldPoints(d);
  const missing = world_m.findIndex((p) => !Number.isFinite(p[0]) || !Number.isFinite(p[1]));
  if (missing >= 0) return { kind: 'invalid', error: `point ${missing + 1} needs its world x and y in metres` };
  const result = fitCalibration(d.image_px, world_m);
  return result.ok ? { kind: 'fit', fit: result.fit, world_m } : { kind: 'invalid', error: result.error };
}

/**
 * The PATCH value: the pairs and our fit (image → world, row-major: the pipeline uses a given
 * homography as is, so it runs exactly what the operator saw), null to clear, or an error.
 */
export function calibrationPayload(d: CalibrationDraft): { ok: true; value: Calibration | null } | { ok: false; error: string } {
  const state = evaluateDraft(d);
  switch (state.kind) {
    case 'empty':
      return { ok: true, value: null };
    case 'homography':
      return { ok: true, value: state.stored };
    case 'invalid':
      return { ok: false, error: `Calibration: ${state.error}` };
    case 'fit':
      return { ok: true, value: { image_points: d.image_px, world_points: state.world_m, homography: state.fit.image_to_world } };
  }
}
