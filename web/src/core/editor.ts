// Editing the ROI polygon and counting lines on the frame: hit-testing, moving and removing
// vertices, the checks the pipeline's zone parser makes (and a self-intersection check it
// does not make, since a figure-eight ROI is never what the operator meant).
import type { CountingLine, Point } from '../types';

/** Image pixel under a CSS position on a canvas scaled to clientW×clientH CSS pixels. */
export function cssToImagePx(offset_css: Point, client_css: Point, canvas_px: Point): Point {
  return [(offset_css[0] * canvas_px[0]) / client_css[0], (offset_css[1] * canvas_px[1]) / client_css[1]];
}

/** Index of the vertex nearest to p within radius_px (for dragging), or -1. */
export function nearestVertex(points: Point[], p: Point, radius_px: number): number {
  let best = -1;
  let bestDistance = radius_px;
  points.forEach((q, i) => {
    const d = Math.hypot(q[0] - p[0], q[1] - p[1]);
    if (d <= bestDistance) {
      best = i;
      bestDistance = d;
    }
  });
  return best;
}

export function moveVertex(points: Point[], index: number, to: Point): Point[] {
  return points.map((p, i) => (i === index ? to : p));
}

/** Undo for a polygon being clicked in: drop the last vertex. */
export function withoutLast<T>(items: T[]): T[] {
  return items.slice(0, -1);
}

const cross = (o: Point, a: Point, b: Point) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);

/** Whether the closed segments a-b and c-d share a point. */
export function segmentsIntersect(a: Point, b: Point, c: Point, d: Point): boolean {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  // Touching: an end on the other segment.
  const on = (p: Point, q: Point, r: Point) =>
    cross(p, q, r) === 0 && Math.min(p[0], q[0]) <= r[0] && r[0] <= Math.max(p[0], q[0]) && Math.min(p[1], q[1]) <= r[1] && r[1] <= Math.max(p[1], q[1]);
  return on(c, d, a) || on(c, d, b) || on(a, b, c) || on(a, b, d);
}

/** Why the ROI polygon is unusable, or null. An empty polygon means "no ROI" and is fine. */
export function polygonProblem(points: Point[]): string | null {
  if (points.length === 0) return null;
  if (points.length < 3) return `the ROI needs at least 3 vertices, has ${points.length}; add more or clear it`;
  const n = points.length;
  for (let i = 0; i < n; i++) {
    const [a, b] = [points[i], points[(i + 1) % n]];
    if (a[0] === b[0] && a[1] === b[1]) return `ROI vertices ${i + 1} and ${((i + 1) % n) + 1} are the same point`;
  }
  for (let i = 0; i < n; i++) {
    // Edges that share a vertex touch by construction; test the others.
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue;
      if (segmentsIntersect(points[i], points[(i + 1) % n], points[j], points[(j + 1) % n])) {
        return `the ROI's edges ${i + 1}–${((i + 1) % n) + 1} and ${j + 1}–${((j + 1) % n) + 1} cross; drag a vertex so the outline does not cross itself`;
      }
    }
  }
  const area2 = points.reduce((sum, p, i) => sum + cross([0, 0], p, points[(i + 1) % n]), 0);
  if (area2 === 0) return 'the ROI has no area (its vertices are on one line)';
  return null;
}

/** Why a counting line cannot be added next to `others`, or null (the server's rules). */
export function lineProblem(line: CountingLine, others: CountingLine[]): string | null {
  const name = line.name.trim();
  if (!name) return 'a line needs a name';
  if (name === 'roi') return 'the name "roi" is the ROI zone\'s; name the line otherwise';
  if (others.some((l) => l.name === name)) return `a line named "${name}" exists; names must be unique`;
  const [a, b] = line.points;
  if (a[0] === b[0] && a[1] === b[1]) return 'a line needs two distinct points';
  return null;
}

/** The lowest free default name: "line 1", "line 2", ... */
export function nextLineName(lines: CountingLine[]): string {
  for (let k = 1; ; k++) if (!lines.some((l) => l.name === `line ${k}`)) return `line ${k}`;
}

/**
 * The arrow for a line's +1 direction, from its middle: the pipeline counts +1 from the right
 * of a→b to its left as seen on screen (y down), i.e. along (d.y, −d.x).
 */
export function forwardArrow(line: CountingLine, length_px: number): [Point, Point] {
  const [a, b] = line.points;
  const middle: Point = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  const len = Math.hypot(b[0] - a[0], b[1] - a[1]) || 1;
  return [middle, [middle[0] + ((b[1] - a[1]) / len) * length_px, middle[1] - ((b[0] - a[0]) / len) * length_px]];
}
