import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { calibrationPayload, draftFromCalibration, emptyDraft, evaluateDraft } from '../src/core/calibration';
import {
  applyHomography,
  checkPairs,
  distanceM,
  fitCalibration,
  rectangleWorldPoints,
  type Mat3,
} from '../src/core/homography';
import { metricGrid, niceStep } from '../src/core/metric_grid';
import { invert3 } from '../src/core/linalg';
import type { Calibration, Point } from '../src/types';

// The shared clip's calibration (pipelines/calibration), fitted by roadwatch-calibrate through
// the pipeline's parse_calibration. Found from the working directory upwards: the tests run
// bundled from a temp dir, so import.meta.url does not lead back to the repository.
function golden(): Required<Pick<Calibration, 'image_points' | 'world_points'>> & { homography: Mat3 } {
  const path = join('pipelines', 'calibration', 'highway-640x360.json');
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, path))) return JSON.parse(readFileSync(join(dir, path), 'utf8'));
    if (dirname(dir) === dir) throw new Error(`${path} not found above ${process.cwd()}`);
  }
}

const close = (a: Point | null, b: Point, tolerance: number) =>
  assert.ok(a && Math.hypot(a[0] - b[0], a[1] - b[1]) <= tolerance, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);

// A camera looking down a road: world (x across, y along, metres) → image px; the road's
// x = 0 runs up the middle (u = 320) to the horizon at v = 100 px.
const WORLD_TO_IMAGE: Mat3 = [
  [40, 19.2, 320],
  [0, 6, 340],
  [0, 0.06, 1],
];
const imageOf = (p: Point) => applyHomography(WORLD_TO_IMAGE, p)!;

test('the fit of the golden pairs maps them as the stored homography does (within 0.05 m)', () => {
  const g = golden();
  const result = fitCalibration(g.image_points, g.world_points);
  assert.ok(result.ok);
  assert.equal(g.image_points.length, 11);
  let worst_m = 0;
  for (const p of g.image_points) {
    const ours = applyHomography(result.fit.image_to_world, p)!;
    const stored = applyHomography(g.homography, p)!;
    worst_m = Math.max(worst_m, Math.hypot(ours[0] - stored[0], ours[1] - stored[1]));
  }
  // Same algorithm as parse_calibration: equal to rounding (measured 4e-14 m).
  assert.ok(worst_m < 0.05, `worst ${worst_m} m`);
  assert.ok(worst_m < 1e-9, `worst ${worst_m} m`);
  assert.equal(result.fit.image_to_world[2][2], 1);
});

test('the golden reprojection error is the README figure (RMS 3.67 px, 0.17 m)', () => {
  const g = golden();
  const result = fitCalibration(g.image_points, g.world_points);
  assert.ok(result.ok);
  // Measured 3.6731 px and 0.16512 m; the README rounds to 3.67 px and 0.17 m.
  assert.ok(Math.abs(result.fit.rms_px - 3.67) < 0.005, `${result.fit.rms_px} px`);
  assert.ok(Math.abs(result.fit.rms_m - 0.17) < 0.005, `${result.fit.rms_m} m`);
});

test('a synthetic homography is recovered from exactly 4 and from more pairs', () => {
  const expected = invert3(WORLD_TO_IMAGE)!;
  const scaled = expected.map((row) => row.map((v) => v / expected[2][2]));
  for (const world of [rectangleWorldPoints(3.5, 12), [...rectangleWorldPoints(7, 30), [3.5, 15], [1, 4], [6, 22]] as Point[]]) {
    const result = fitCalibration(world.map(imageOf), world);
    assert.ok(result.ok);
    result.fit.image_to_world.flat().forEach((v, i) => assert.ok(Math.abs(v - scaled.flat()[i]) <= 1e-9 * Math.abs(scaled.flat()[i]) + 1e-12));
    assert.ok(result.fit.rms_m < 1e-9 && result.fit.rms_px < 1e-9);
    close(applyHomography(result.fit.world_to_image, [2, 50]), imageOf([2, 50]), 1e-6);
    // h22 = 1 makes w positive at the image origin, which is sky on this camera.
    assert.equal(result.fit.ground_sign, -1);
  }
});

test('degenerate pairs are refused with a reason', () => {
  const world = rectangleWorldPoints(3.5, 12);
  const image = world.map(imageOf);
  assert.match(checkPairs(image.slice(0, 3), world.slice(0, 3))!, /at least 4 point pairs, got 3/);
  assert.match(checkPairs(image, world.slice(0, 3))!, /pair up/);
  assert.match(checkPairs([image[0], image[1], image[2], image[0]], world)!, /image points 1 and 4 are the same point/);
  assert.match(checkPairs(image, [[0, 0], [1, 0], [2, 0], [0, 5]])!, /world points 1, 2 and 3 are \(nearly\) on one line/);
  // Five points, four of them on one line: no 4 in general position.
  const line: Point[] = [[0, 0], [0, 5], [0, 10], [0, 15], [3, 4]];
  assert.match(checkPairs(line.map(imageOf), line)!, /need 4 among them with no 3 on one line/);
  assert.equal(checkPairs(image, world), null);
  const failed = fitCalibration(image, [[0, 0], [0, 0], [3, 3], [0, 5]]);
  assert.ok(!failed.ok && /world points 1 and 2 are the same point/.test(failed.error));
});

test('corners clicked out of order put the horizon between them and are refused', () => {
  const world = rectangleWorldPoints(3.5, 12);
  const image = world.map(imageOf);
  // far-left and far-right swapped: a bow-tie against the rectangle.
  const result = fitCalibration([image[0], image[1], image[3], image[2]], world);
  assert.ok(!result.ok);
  assert.match(result.error, /horizon between the image points/);
});

test('distances between image points are ground metres', () => {
  const result = fitCalibration(rectangleWorldPoints(3.5, 12).map(imageOf), rectangleWorldPoints(3.5, 12));
  assert.ok(result.ok);
  const h = result.fit.image_to_world;
  const ground = result.fit.ground_sign;
  assert.ok(Math.abs(distanceM(h, imageOf([0, 0]), imageOf([3, 4]), ground)! - 5) < 1e-9);
  assert.ok(Math.abs(distanceM(h, imageOf([1, 10]), imageOf([1, 40]))! - 30) < 1e-9);
  // Above the horizon (v < 100 px) is not ground.
  assert.equal(distanceM(h, imageOf([0, 0]), [320, 50], ground), null);
  assert.equal(distanceM(h, [300, 50], [320, 50], ground), null);
  // The golden clip: dash centres 1 and 5 are 36 m apart along x = 0.
  const g = golden();
  const d = distanceM(g.homography, g.image_points[0], g.image_points[4], 1)!;
  assert.ok(Math.abs(d - 36) < 0.5, `${d} m`);
});

test('the metric grid of a scale-and-shift camera is known', () => {
  // image = 10 · world + (100, 50): no horizon.
  const h: Mat3 = [
    [10, 0, 100],
    [0, 10, 50],
    [0, 0, 1],
  ];
  const spec = { step_x_m: 1, step_y_m: 1, frame_w_px: 640, frame_h_px: 360, horizon_margin_px: 5 };
  const lines = metricGrid(h, [[0, 0], [4, 0], [4, 2], [0, 2]], spec);
  // Box: x −1..5 and y −1..3 (a quarter of the extent, at least one step, on each side).
  assert.deepEqual(lines.filter((l) => l.along).map((l) => l.value_m), [-1, 0, 1, 2, 3, 4, 5]);
  assert.deepEqual(lines.filter((l) => !l.along).map((l) => l.value_m), [-1, 0, 1, 2, 3]);
  assert.deepEqual([lines[0].from_px, lines[0].to_px], [[90, 40], [90, 80]]);
  // Clipped at the frame: a camera shifted left leaves x = −1 m outside.
  const shifted = metricGrid([[10, 0, 5], [0, 10, 50], [0, 0, 1]], [[0, 0], [4, 0], [4, 2], [0, 2]], spec);
  assert.deepEqual(shifted.filter((l) => l.along).map((l) => l.value_m), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(shifted.find((l) => !l.along)!.from_px, [0, 40]);
});

test('the perspective grid stops short of the horizon and follows the golden points', () => {
  // Out to 500 m, where the road is 8 px below the horizon (v = 100 px).
  const spec = { step_x_m: 1, step_y_m: 50, frame_w_px: 640, frame_h_px: 360, horizon_margin_px: 10 };
  const lines = metricGrid(WORLD_TO_IMAGE, rectangleWorldPoints(3.5, 400), spec);
  const ends = lines.flatMap((l) => [l.from_px, l.to_px]);
  assert.ok(lines.length > 5);
  for (const p of ends) assert.ok(p[1] >= 110 - 1e-9 && p[1] <= 360 && p[0] >= 0 && p[0] <= 640, JSON.stringify(p));
  // The lines along the road are cut at the margin.
  assert.ok(Math.abs(Math.min(...ends.map((p) => p[1])) - 110) < 1e-6);
  const g = golden();
  const inverse = invert3(g.homography)!;
  const centre = metricGrid(inverse, g.world_points, { ...spec, step_x_m: 3.65, step_y_m: 9 }).find((l) => l.along && l.value_m === 0)!;
  // The dash centres (x = 0) lie on the grid line x = 0 to within the fit's error.
  const [a, b] = [centre.from_px, centre.to_px];
  for (const p of g.image_points.slice(0, 5)) {
    const off_px = Math.abs((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])) / Math.hypot(b[0] - a[0], b[1] - a[1]);
    assert.ok(off_px < 4, `${off_px} px`);
  }
  assert.deepEqual([0.3, 1, 1.5, 4, 7, 12].map(niceStep), [0.5, 1, 2, 5, 10, 20]);
});

test('calibration drafts round-trip the server JSON', () => {
  const world = rectangleWorldPoints(3.5, 12);
  const image = world.map(imageOf);
  const rect = draftFromCalibration({ image_points: image, world_points: world });
  assert.deepEqual([rect.mode, rect.width_m, rect.length_m], ['rectangle', 3.5, 12]);
  const payload = calibrationPayload(rect);
  assert.ok(payload.ok && payload.value);
  assert.deepEqual(payload.value.world_points, world);
  assert.equal(payload.value.homography![2][2], 1);

  const g = golden();
  const points = draftFromCalibration({ ...g, units: 'feet' });
  assert.equal(points.mode, 'points');
  assert.deepEqual(points.world_m[1], [0, 9 * 0.3048]);

  const half = { ...emptyDraft(), image_px: image.slice(0, 2) };
  assert.deepEqual(evaluateDraft(half), { kind: 'invalid', error: "click the rectangle's far-right corner (2 of 4 set)" });
  const typed = { ...emptyDraft('points'), image_px: image, world_m: [...world.slice(0, 3), [NaN, 12] as Point] };
  assert.deepEqual(evaluateDraft(typed), { kind: 'invalid', error: 'point 4 needs its world x and y in metres' });
  assert.deepEqual(calibrationPayload(emptyDraft()), { ok: true, value: null });

  // A homography without pairs is kept as stored (feet scale its world rows for drawing).
  const stored = { homography: g.homography, units: 'feet' } as unknown as Calibration;
  const kept = evaluateDraft(draftFromCalibration(stored));
  assert.ok(kept.kind === 'homography');
  assert.equal(kept.image_to_world[0][2], g.homography[0][2] * 0.3048);
  assert.deepEqual(calibrationPayload(draftFromCalibration(stored)), { ok: true, value: stored });
});
