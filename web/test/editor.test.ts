import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cssToImagePx,
  forwardArrow,
  lineProblem,
  moveVertex,
  nearestVertex,
  nextLineName,
  polygonProblem,
  segmentsIntersect,
  withoutLast,
} from '../src/core/editor';
import type { CountingLine, Point } from '../src/types';

test('a CSS position maps to image pixels by the canvas scale', () => {
  // A 1280×720 frame shown 640×360 CSS px wide.
  assert.deepEqual(cssToImagePx([100, 50], [640, 360], [1280, 720]), [200, 100]);
  assert.deepEqual(cssToImagePx([390, 0], [390, 219.375], [640, 360]), [640, 0]);
});

test('the nearest vertex within the radius is picked for dragging', () => {
  const points: Point[] = [[0, 0], [100, 0], [104, 3]];
  assert.equal(nearestVertex(points, [103, 2], 10), 2);
  assert.equal(nearestVertex(points, [98, 1], 10), 1);
  assert.equal(nearestVertex(points, [50, 50], 10), -1);
  assert.equal(nearestVertex([], [0, 0], 10), -1);
});

test('moving and undoing leave the other vertices alone', () => {
  const points: Point[] = [[0, 0], [10, 0], [10, 10]];
  assert.deepEqual(moveVertex(points, 1, [20, 5]), [[0, 0], [20, 5], [10, 10]]);
  assert.deepEqual(points[1], [10, 0]);
  assert.deepEqual(withoutLast(points), [[0, 0], [10, 0]]);
  assert.deepEqual(withoutLast([]), []);
});

test('segments intersect when they cross or touch', () => {
  assert.ok(segmentsIntersect([0, 0], [10, 10], [0, 10], [10, 0]));
  assert.ok(segmentsIntersect([0, 0], [10, 0], [5, 0], [5, 5]));
  assert.ok(!segmentsIntersect([0, 0], [10, 0], [0, 1], [10, 1]));
  assert.ok(!segmentsIntersect([0, 0], [4, 4], [5, 5], [9, 9]));
});

test('ROI polygons: empty is no ROI, fewer than 3 or crossing edges are refused', () => {
  assert.equal(polygonProblem([]), null);
  assert.equal(polygonProblem([[0, 0], [100, 0], [100, 80], [0, 80]]), null);
  assert.match(polygonProblem([[0, 0], [100, 0]])!, /at least 3 vertices, has 2/);
  assert.match(polygonProblem([[0, 0], [100, 100], [100, 0], [0, 100]])!, /edges 1–2 and 3–4 cross/);
  assert.match(polygonProblem([[0, 0], [100, 0], [100, 0], [0, 80]])!, /vertices 2 and 3 are the same point/);
  assert.match(polygonProblem([[0, 0], [50, 0], [100, 0]])!, /no area/);
  // A concave (non-convex) outline is fine.
  assert.equal(polygonProblem([[0, 0], [100, 0], [100, 80], [50, 20], [0, 80]]), null);
});

test('lines follow the server rules', () => {
  const count: CountingLine = { name: 'count', points: [[0, 0], [10, 0]] };
  assert.equal(lineProblem(count, []), null);
  assert.match(lineProblem(count, [count])!, /"count" exists/);
  assert.match(lineProblem({ ...count, name: 'roi' }, [])!, /"roi" is the ROI zone's/);
  assert.match(lineProblem({ ...count, name: '  ' }, [])!, /needs a name/);
  assert.match(lineProblem({ name: 'x', points: [[3, 3], [3, 3]] }, [])!, /two distinct points/);
  assert.equal(nextLineName([]), 'line 1');
  assert.equal(nextLineName([{ ...count, name: 'line 1' }, { ...count, name: 'line 3' }]), 'line 2');
});

test('the +1 arrow points from the right of a→b to its left on screen', () => {
  // a→b to the right: its left (screen y down) is up.
  assert.deepEqual(forwardArrow({ name: 'l', points: [[0, 100], [200, 100]] }, 20), [[100, 100], [100, 80]]);
  // Drawn top to bottom: +1 is left to right on screen (rw::zones convention).
  assert.deepEqual(forwardArrow({ name: 'l', points: [[50, 0], [50, 100]] }, 10), [[50, 50], [60, 50]]);
});
