// A metric grid on the road plane drawn into the frame, as roadwatch-calibrate's --grid-m
// check draws it (tools/calibrate/ground_grid.cpp): lines x = k·step (along the road) and
// y = k·step (across it) around the calibration points, cut at the horizon and the frame.
import type { Point } from '../types';
import { invert3, type Mat3 } from './linalg';

export interface GridLine {
  /** true: the line x = value_m (runs along the road); false: y = value_m. */
  along: boolean;
  value_m: number;
  from_px: Point;
  to_px: Point;
}

export interface GridSpec {
  step_x_m: number;
  step_y_m: number;
  frame_w_px: number;
  frame_h_px: number;
  /** Near the horizon the ground is too compressed to read: stop this far below it. */
  horizon_margin_px: number;
}

const MAX_LINES = 500;

// n·p + c >= 0 is the kept side.
type HalfPlane = { n: Point; c: number };

// Liang–Barsky clip of a→b to the intersection of half-planes.
function clip(a: Point, b: Point, planes: HalfPlane[]): [Point, Point] | null {
  let t0 = 0;
  let t1 = 1;
  const d: Point = [b[0] - a[0], b[1] - a[1]];
  for (const { n, c } of planes) {
    const atA = n[0] * a[0] + n[1] * a[1] + c;
    const rate = n[0] * d[0] + n[1] * d[1];
    if (rate === 0) {
      if (atA < 0) return null;
      continue;
    }
    const t = -atA / rate;
    if (rate > 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 >= t1) return null;
  }
  return [
    [a[0] + t0 * d[0], a[1] + t0 * d[1]],
    [a[0] + t1 * d[0], a[1] + t1 * d[1]],
  ];
}

const w = (h: Mat3, p: Point) => h[2][0] * p[0] + h[2][1] * p[1] + h[2][2];
const apply = (h: Mat3, p: Point): Point => {
  const s = w(h, p);
  return [(h[0][0] * p[0] + h[0][1] * p[1] + h[0][2]) / s, (h[1][0] * p[0] + h[1][1] * p[1] + h[1][2]) / s];
};

/**
 * The image of the ground segment a→b that is in front of the camera, inside the frame and
 * below the horizon margin; null when none of it is. seen_m is a ground point the camera sees
 * (it tells which side of the horizon is the ground). Straight: a homography maps lines to
 * lines once the part behind the camera is cut off.
 */
export function projectGroundSegment(worldToImage: Mat3, seen_m: Point, a_m: Point, b_m: Point, spec: GridSpec): [Point, Point] | null {
  const h = w(worldToImage, seen_m) < 0 ? worldToImage.map((row) => row.map((v) => -v)) : worldToImage;
  // w is linear along the segment: cut where it turns non-positive (a tiny floor keeps the
  // cut end finite; the horizon margin below trims the far part anyway).
  const floor = 1e-9 * Math.max(Math.abs(w(h, a_m)), Math.abs(w(h, b_m)));
  const front = clip(a_m, b_m, [{ n: [h[2][0], h[2][1]], c: h[2][2] - floor }]);
  const inverse = invert3(h);
  if (!front || !inverse) return null;
  const planes: HalfPlane[] = [
    { n: [1, 0], c: 0 },
    { n: [-1, 0], c: spec.frame_w_px },
    { n: [0, 1], c: 0 },
    { n: [0, -1], c: spec.frame_h_px },
  ];
  // The horizon is the image line where the inverse's w vanishes; positive on the ground side.
  const norm = Math.hypot(inverse[2][0], inverse[2][1]);
  if (norm > 0) planes.push({ n: [inverse[2][0] / norm, inverse[2][1] / norm], c: inverse[2][2] / norm - spec.horizon_margin_px });
  return clip(apply(h, front[0]), apply(h, front[1]), planes);
}

/** Round step ≥ x: 1, 2 or 5 × 10^k metres. */
export function niceStep(x_m: number): number {
  const decade = 10 ** Math.floor(Math.log10(x_m));
  return [1, 2, 5, 10].map((f) => f * decade).find((s) => s >= x_m * (1 - 1e-9)) ?? 10 * decade;
}

/** The box the grid covers: the points grown by a quarter of their size and at least one step, snapped to steps. */
export function gridBox(world_m: Point[], step_x_m: number, step_y_m: number): { x0: number; y0: number; x1: number; y1: number } {
  const xs = world_m.map((p) => p[0]);
  const ys = world_m.map((p) => p[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const mx = Math.max(0.25 * (maxX - minX), step_x_m);
  const my = Math.max(0.25 * (maxY - minY), step_y_m);
  return {
    x0: Math.floor((minX - mx) / step_x_m) * step_x_m,
    x1: Math.ceil((maxX + mx) / step_x_m) * step_x_m,
    y0: Math.floor((minY - my) / step_y_m) * step_y_m,
    y1: Math.ceil((maxY + my) / step_y_m) * step_y_m,
  };
}

/** The visible grid lines around the world points: x lines first, each in increasing value. */
export function metricGrid(worldToImage: Mat3, world_m: Point[], spec: GridSpec): GridLine[] {
  if (!(spec.step_x_m > 0 && spec.step_y_m > 0) || world_m.length === 0) return [];
  const box = gridBox(world_m, spec.step_x_m, spec.step_y_m);
  const nx = Math.round((box.x1 - box.x0) / spec.step_x_m);
  const ny = Math.round((box.y1 - box.y0) / spec.step_y_m);
  if (nx + ny + 2 > MAX_LINES) return [];
  const lines: GridLine[] = [];
  const add = (along: boolean, value_m: number, a: Point, b: Point) => {
    const seg = projectGroundSegment(worldToImage, world_m[0], a, b, spec);
    if (seg) lines.push({ along, value_m, from_px: seg[0], to_px: seg[1] });
  };
  for (let k = 0; k <= nx; k++) {
    const x = box.x0 + k * spec.step_x_m;
    add(true, x, [x, box.y0], [x, box.y1]);
  }
  for (let k = 0; k <= ny; k++) {
    const y = box.y0 + k * spec.step_y_m;
    add(false, y, [box.x0, y], [box.x1, y]);
  }
  return lines;
}
