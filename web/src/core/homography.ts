// Road-plane homography from clicked image points and their ground positions (metres), fitted
// as the pipeline fits it (rw::geometry::parse_calibration: normalised DLT, image → world,
// row-major, h22 = 1), so the error shown here is the error the pipeline will report.
import type { Point } from '../types';
import { invert3, multiply3, smallestEigenvector, type Mat3 } from './linalg';

export type { Mat3 } from './linalg';

export interface HomographyFit {
  image_to_world: Mat3;
  world_to_image: Mat3;
  /** RMS distance of image→world of the image points from the world points. */
  rms_m: number;
  /** RMS distance of world→image of the world points from the clicked image points. */
  rms_px: number;
  /** Sign of image→world's w on the ground's side of the horizon (a homography's sign is arbitrary). */
  ground_sign: 1 | -1;
}

export type FitResult = { ok: true; fit: HomographyFit } | { ok: false; error: string };

export const MIN_PAIRS = 4;
// A triangle whose height is under 1 % of its longest side counts as a line: clicks are good
// to a pixel or two, so flatter triples pin nothing down.
const COLLINEAR_RATIO = 0.01;
// Two points closer than this fraction of the points' extent are the same point.
const DUPLICATE_RATIO = 1e-3;

/** The homogeneous image of p: [x, y, w]. */
export function project(h: Mat3, p: Point): [number, number, number] {
  const [x, y] = p;
  return [0, 1, 2].map((r) => h[r][0] * x + h[r][1] * y + h[r][2]) as [number, number, number];
}

/** h applied to p; null at the horizon (w = 0) or when it overflows. */
export function applyHomography(h: Mat3, p: Point): Point | null {
  const [x, y, w] = project(h, p);
  const q: Point = [x / w, y / w];
  return Number.isFinite(q[0]) && Number.isFinite(q[1]) ? q : null;
}

/**
 * Ground distance in metres between two image points; null when one is at or beyond the
 * horizon. groundSign: the sign of w on the ground's side (HomographyFit.ground_sign); 0 when
 * unknown, then the two points only have to be on the same side.
 */
export function distanceM(imageToWorld: Mat3, a_px: Point, b_px: Point, groundSign = 0): number | null {
  const a = project(imageToWorld, a_px);
  const b = project(imageToWorld, b_px);
  const side = groundSign || Math.sign(a[2]);
  if (!(a[2] * side > 0 && b[2] * side > 0)) return null;
  const d = Math.hypot(a[0] / a[2] - b[0] / b[2], a[1] / a[2] - b[1] / b[2]);
  return Number.isFinite(d) ? d : null;
}

/** World corners for the rectangle mode's clicks near-left, near-right, far-right, far-left. */
export function rectangleWorldPoints(width_m: number, length_m: number): Point[] {
  return [
    [0, 0],
    [width_m, 0],
    [width_m, length_m],
    [0, length_m],
  ];
}

// Hartley: centroid to the origin, mean distance from it √2.
function normalising(points: Point[]): Mat3 {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const mean = points.reduce((s, p) => s + Math.hypot(p[0] - mx, p[1] - my), 0) / n;
  const s = Math.SQRT2 / mean;
  return [
    [s, 0, -s * mx],
    [0, s, -s * my],
    [0, 0, 1],
  ];
}

/**
 * Normalised DLT over all pairs (least squares on the algebraic error): the null vector of
 * the 2n×9 system, taken as the smallest eigenvector of AᵀA. Callers check the input first
 * (checkPairs); the result may be singular for degenerate input.
 */
export function fitHomography(from: Point[], to: Point[]): Mat3 {
  const tFrom = normalising(from);
  const tTo = normalising(to);
  const ata = Array.from({ length: 9 }, () => new Array<number>(9).fill(0));
  from.forEach((p0, i) => {
    const [x, y] = applyHomography(tFrom, p0)!;
    const [u, v] = applyHomography(tTo, to[i])!;
    // The two rows of the cross product (to × H from) = 0, as parse_calibration writes them.
    const rows = [
      [-x, -y, -1, 0, 0, 0, u * x, u * y, u],
      [0, 0, 0, -x, -y, -1, v * x, v * y, v],
    ];
    for (const row of rows) for (let r = 0; r < 9; r++) for (let c = 0; c < 9; c++) ata[r][c] += row[r] * row[c];
  });
  const h = smallestEigenvector(ata);
  const normalised = [h.slice(0, 3), h.slice(3, 6), h.slice(6, 9)];
  const result = multiply3(multiply3(invert3(tTo)!, normalised), tFrom);
  // h22 = 1 reads best, unless the image origin lies on the horizon (h22 ~ 0).
  const norm = Math.hypot(...result.flat());
  const scale = Math.abs(result[2][2]) > 1e-9 * norm ? result[2][2] : norm;
  return result.map((row) => row.map((v) => v / scale));
}

function rms(a: (Point | null)[], b: Point[]): number {
  let sum = 0;
  a.forEach((p, i) => {
    sum += p ? (p[0] - b[i][0]) ** 2 + (p[1] - b[i][1]) ** 2 : Infinity;
  });
  return Math.sqrt(sum / a.length);
}

/** Reprojection errors of the pairs through image→world (metres) and its inverse (pixels). */
export function reprojectionErrors(
  imageToWorld: Mat3,
  worldToImage: Mat3,
  image_px: Point[],
  world_m: Point[],
): { rms_m: number; rms_px: number } {
  return {
    rms_m: rms(image_px.map((p) => applyHomography(imageToWorld, p)), world_m),
    rms_px: rms(world_m.map((p) => applyHomography(worldToImage, p)), image_px),
  };
}

// Twice the triangle's area over its longest side squared: its height relative to that side.
function flatness(a: Point, b: Point, c: Point): number {
  const cross = Math.abs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
  const longest = Math.max(Math.hypot(b[0] - a[0], b[1] - a[1]), Math.hypot(c[0] - a[0], c[1] - a[1]), Math.hypot(c[0] - b[0], c[1] - b[1]));
  return longest > 0 ? cross / (longest * longest) : 0;
}

const collinear = (a: Point, b: Point, c: Point) => flatness(a, b, c) < COLLINEAR_RATIO;

// Whether some 4 of the points have no 3 on a line: what a homography needs. A handful of
// clicked points, so trying every quadruple is cheap.
function generalQuad(points: Point[]): boolean {
  const n = points.length;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      for (let k = j + 1; k < n; k++) {
        if (collinear(points[i], points[j], points[k])) continue;
        for (let l = k + 1; l < n; l++) {
          const [a, b, c, d] = [points[i], points[j], points[k], points[l]];
          if (!collinear(a, b, d) && !collinear(a, c, d) && !collinear(b, c, d)) return true;
        }
      }
  return false;
}

function pointSetProblem(points: Point[], what: string): string | null {
  if (points.some((p) => !Number.isFinite(p[0]) || !Number.isFinite(p[1]))) return `${what} must be finite numbers`;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const extent = Math.hypot(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  for (let i = 0; i < points.length; i++)
    for (let j = i + 1; j < points.length; j++) {
      if (Math.hypot(points[i][0] - points[j][0], points[i][1] - points[j][1]) <= DUPLICATE_RATIO * extent) {
        return `${what} ${i + 1} and ${j + 1} are the same point`;
      }
    }
  if (generalQuad(points)) return null;
  if (points.length === MIN_PAIRS) {
    // Name the culprit: with 4 points it is one triple.
    for (const [i, j, k] of [[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]] as const) {
      if (collinear(points[i], points[j], points[k])) {
        return `${what} ${i + 1}, ${j + 1} and ${k + 1} are (nearly) on one line; pick 4 points with no 3 in a line, such as the corners of a rectangle on the road`;
      }
    }
  }
  return `${what} need 4 among them with no 3 on one line; add points off the line(s) they are on`;
}

/** Why the pairs cannot give a homography, or null when they can. */
export function checkPairs(image_px: Point[], world_m: Point[]): string | null {
  if (image_px.length !== world_m.length) {
    return `${image_px.length} image points but ${world_m.length} world points; they must pair up`;
  }
  if (image_px.length < MIN_PAIRS) {
    return `needs at least ${MIN_PAIRS} point pairs, got ${image_px.length}`;
  }
  return pointSetProblem(image_px, 'image points') ?? pointSetProblem(world_m, 'world points');
}

/** Checks and fits the pairs; the error says what to change. */
export function fitCalibration(image_px: Point[], world_m: Point[]): FitResult {
  const problem = checkPairs(image_px, world_m);
  if (problem) return { ok: false, error: problem };
  const image_to_world = fitHomography(image_px, world_m);
  const world_to_image = invert3(image_to_world);
  if (!world_to_image || image_to_world.flat().some((v) => !Number.isFinite(v))) {
    return { ok: false, error: 'the fitted homography is singular; the points do not describe a plane' };
  }
  // Ground points in front of the camera all lie on one side of the horizon; a fit that puts
  // the horizon between them has matched the points in the wrong order.
  const signs = image_px.map((p) => Math.sign(project(image_to_world, p)[2]));
  if (signs.some((s) => s !== signs[0])) {
    return {
      ok: false,
      error: 'the fit puts the horizon between the image points: the world points are in a different order than the clicks',
    };
  }
  const errors = reprojectionErrors(image_to_world, world_to_image, image_px, world_m);
  return { ok: true, fit: { image_to_world, world_to_image, ...errors, ground_sign: signs[0] > 0 ? 1 : -1 } };
}
