import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnalyticsWindow, buildOverlay, objectLabel, overlayScalePx, speedingTracksOf, type OverlaySource } from '../src/core/overlay';
import type { AnalyticsData, TrackedObject } from '../src/types';

function record(frame_number: number, objects: TrackedObject[] = [], extra: Partial<AnalyticsData> = {}): AnalyticsData {
  return {
    video_id: 3,
    frame_number,
    timestamp: 1730000000000 + frame_number * 33,
    frame_size: { w: 640, h: 360 },
    stats: {},
    speeding_vehicles: [],
    objects,
    events: [],
    ...extra,
  };
}

const car = (over: Partial<TrackedObject> = {}): TrackedObject => ({
  track_id: 12,
  class_id: 2,
  label: 'car',
  confidence: 0.9,
  bbox: { x: 0.25, y: 0.5, w: 0.1, h: 0.2 },
  zones: ['roi'],
  ...over,
});

const SOURCE: OverlaySource = {
  roi: { roi_polygon: [[100, 200], [300, 200], [300, 350]] },
  lines: [{ name: 'count', points: [[0, 180], [640, 180]] }],
  speed_limit_kmh: 60,
};

test('objectLabel: id, class, rounded speed, optional ± error', () => {
  assert.equal(objectLabel(car({ speed_kmh: 86.6 })), '#12 car 87 km/h');
  assert.equal(objectLabel(car({ speed_kmh: 86.4, speed_err_kmh: 2.6 })), '#12 car 86 ±3 km/h');
  assert.equal(objectLabel(car()), '#12 car');
  assert.equal(objectLabel(car({ track_id: undefined, label: 'truck' })), 'truck');
});

test('boxes are the normalised bbox times the canvas size', () => {
  const overlay = buildOverlay(record(1, [car({ speed_kmh: 50 })]), { w: 1280, h: 720 }, SOURCE);
  assert.deepEqual(overlay.boxes, [{ x_px: 320, y_px: 360, w_px: 128, h_px: 144, label: '#12 car 50 km/h', state: 'normal' }]);
});

test('ROI and lines are scaled from the source frame to the canvas', () => {
  const same = buildOverlay(record(1), { w: 640, h: 360 }, SOURCE);
  assert.deepEqual(same.roi, [[100, 200], [300, 200], [300, 350]]);
  assert.deepEqual(same.lines, [{ name: 'count', a: [0, 180], b: [640, 180] }]);
  const double = buildOverlay(record(1), { w: 1280, h: 720 }, SOURCE);
  assert.deepEqual(double.roi, [[200, 400], [600, 400], [600, 700]]);
  assert.deepEqual(double.lines, [{ name: 'count', a: [0, 360], b: [1280, 360] }]);
  // No record yet: the frame is taken to be the canvas size.
  assert.deepEqual(buildOverlay(null, { w: 640, h: 360 }, SOURCE).roi, [[100, 200], [300, 200], [300, 350]]);
  assert.deepEqual(buildOverlay(null, { w: 640, h: 360 }, SOURCE).boxes, []);
});

test('without ROI or lines nothing is drawn for them', () => {
  const overlay = buildOverlay(record(1), { w: 640, h: 360 }, { roi: null, lines: null, speed_limit_kmh: null });
  assert.equal(overlay.roi, null);
  assert.deepEqual(overlay.lines, []);
});

test('state: speeding above the limit, by event or earlier flag; outside the ROI dimmed', () => {
  const objects = [
    car({ track_id: 1, speed_kmh: 61 }), // above 60
    car({ track_id: 2, speed_kmh: 60 }), // at the limit: fine
    car({ track_id: 3, speed_kmh: 40 }), // flagged by an event in this record
    car({ track_id: 4, speed_kmh: 40 }), // in speeding_vehicles
    car({ track_id: 5 }), // flagged earlier
    car({ track_id: 6, zones: [] }), // outside the ROI
    car({ track_id: 7, zones: undefined }), // no zone analytics: not "outside"
    car({ track_id: 8, zones: [], speed_kmh: 90 }), // speeding wins over outside
  ];
  const data = record(5, objects, {
    events: [{ type: 'speeding', track_id: 3, speed_kmh: 70, limit_kmh: 60, zone: 'roi', frame_number: 5 }],
    speeding_vehicles: [{ track_id: 4, bbox: { x1: 0, y1: 0, x2: 1, y2: 1 }, speed: 75 }],
  });
  const states = buildOverlay(data, { w: 640, h: 360 }, SOURCE, new Set([5])).boxes.map((b) => b.state);
  assert.deepEqual(states, ['speeding', 'normal', 'speeding', 'speeding', 'speeding', 'outside', 'normal', 'speeding']);
  // A limit of 0 (or none) means no speeding by speed alone.
  const noLimit = buildOverlay(record(5, [car({ speed_kmh: 200 })]), { w: 640, h: 360 }, { ...SOURCE, speed_limit_kmh: 0 });
  assert.equal(noLimit.boxes[0]!.state, 'normal');
});

test('speedingTracksOf reads speeding_vehicles and speeding events only', () => {
  const data = record(5, [], {
    speeding_vehicles: [{ track_id: 4 }, { bbox: {} }],
    events: [
      { type: 'enter', track_id: 9, zone: 'roi' },
      { type: 'speeding', track_id: 3, speed_kmh: 70 },
    ],
  });
  assert.deepEqual(speedingTracksOf(data), [4, 3]);
});

test('overlayScalePx keeps strokes and captions legible', () => {
  assert.deepEqual(overlayScalePx({ w: 640, h: 360 }), { stroke_px: 2, font_px: 12 });
  assert.deepEqual(overlayScalePx({ w: 1920, h: 1080 }), { stroke_px: 5, font_px: 35 });
});

const at = (frame_number: number, pts_ns?: number) => (pts_ns === undefined ? { frame_number } : { frame_number, pts_ns });

test('AnalyticsWindow: exact record, else the newest before, else null', () => {
  const w = new AnalyticsWindow(4);
  assert.equal(w.forFrame(at(1)), null);
  for (const n of [10, 11, 13]) w.add(record(n));
  assert.equal(w.forFrame(at(11))!.frame_number, 11);
  assert.equal(w.forFrame(at(12))!.frame_number, 11);
  assert.equal(w.forFrame(at(99))!.frame_number, 13);
  assert.equal(w.forFrame(at(9)), null);
  assert.equal(w.newest()!.frame_number, 13);
  // Capacity 4: the oldest goes.
  w.add(record(14));
  w.add(record(15));
  assert.equal(w.forFrame(at(10)), null);
  assert.equal(w.forFrame(at(11))!.frame_number, 11);
});

test('AnalyticsWindow matches by pts_ns: the frame channel numbers frames differently', () => {
  // Seen live: a viewer joining a running source gets frame 40 with the pts of record 84.
  const w = new AnalyticsWindow();
  for (const n of [83, 84, 85]) w.add(record(n, [], { pts_ns: n * 33_366_666 }));
  assert.equal(w.forFrame(at(40, 84 * 33_366_666))!.frame_number, 84);
  assert.equal(w.forFrame(at(41, 84 * 33_366_666 + 1))!.frame_number, 84);
  assert.equal(w.forFrame(at(39, 82 * 33_366_666)), null);
  // A frame without pts falls back to frame numbers.
  assert.equal(w.forFrame(at(84))!.frame_number, 84);
});

test('AnalyticsWindow ignores records sent again and forgets an old run', () => {
  const w = new AnalyticsWindow(8, 2);
  w.add(record(100, [], { events: [{ type: 'speeding', track_id: 1 }] }));
  w.add(record(101, [], { events: [{ type: 'speeding', track_id: 2 }] }));
  assert.deepEqual([...w.flagged], [1, 2]);
  w.add(record(102, [], { events: [{ type: 'speeding', track_id: 3 }] }));
  assert.deepEqual([...w.flagged], [2, 3]); // bounded, oldest out
  const copy = record(100);
  w.add(copy); // a copy after a Redis reconnect
  assert.equal(w.newest()!.frame_number, 102);
  assert.notEqual(w.forFrame(at(100)), copy);
  w.add(record(0)); // a new run of the pipeline
  assert.deepEqual([...w.flagged], []);
  assert.equal(w.forFrame(at(101)), w.newest());
  assert.equal(w.newest()!.frame_number, 0);
});
