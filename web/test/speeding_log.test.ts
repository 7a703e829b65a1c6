import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROW_WAIT_MS, SpeedingLog, rowRetryDelayMs } from '../src/core/speeding_log';
import type { AnalyticsEvent, Violation } from '../src/types';

const T0 = 1_730_000_000_000;

const event = (track_id: number, frame_number: number, speed_kmh = 75): AnalyticsEvent => ({
  type: 'speeding',
  track_id,
  label: 'car',
  speed_kmh,
  limit_kmh: 60,
  zone: 'roi',
  frame_number,
  pts_ns: frame_number * 33_333_333,
});

const row = (id: number, track_id: number, frame_number: number, occurred_at_ms: number, snapshot = true): Violation => ({
  id,
  source_id: 3,
  session_id: 7,
  track_id,
  label: 'car',
  zone: 'roi',
  speed_kmh: 75,
  limit_kmh: 60,
  frame_number,
  pts_ns: frame_number * 33_333_333,
  occurred_at: new Date(occurred_at_ms).toISOString(),
  occurred_at_ms,
  snapshot_url: snapshot ? `/api/violations/${id}/snapshot` : null,
});

const view = (log: SpeedingLog) => log.entries.map((e) => [e.key, e.track_id, e.violation_id, e.snapshot_url]);

test('a live event adds a row at once; its persisted row attaches the snapshot', () => {
  const log = new SpeedingLog();
  const entry = log.addEvent(event(12, 300, 87.4), T0, 1000)!;
  assert.deepEqual(
    { track: entry.track_id, label: entry.label, speed: entry.speed_kmh, limit: entry.limit_kmh, zone: entry.zone, at: entry.occurred_at_ms },
    { track: 12, label: 'car', speed: 87.4, limit: 60, zone: 'roi', at: T0 },
  );
  assert.deepEqual(view(log), [['e1', 12, null, null]]);
  // The row's time is when Redis took the event: a little later.
  const changed = log.addViolations([row(41, 12, 300, T0 + 800)], 2000);
  assert.deepEqual(changed, [entry]);
  assert.deepEqual(view(log), [['e1', 12, 41, '/api/violations/41/snapshot']]);
  // The same row again changes nothing.
  assert.deepEqual(log.addViolations([row(41, 12, 300, T0 + 800)], 3000), []);
});

test('duplicates of a live event (a record sent twice) are ignored; other events are not', () => {
  const log = new SpeedingLog();
  assert.ok(log.addEvent(event(12, 300), T0, 0));
  assert.equal(log.addEvent(event(12, 300), T0 + 40, 0), null);
  assert.ok(log.addEvent(event(12, 301), T0 + 40, 0)); // another frame
  assert.ok(log.addEvent(event(13, 300), T0 + 40, 0)); // another track
  assert.equal(log.addEvent({ type: 'enter', track_id: 14, zone: 'roi' }, T0, 0), null);
  assert.equal(log.entries.length, 3);
});

test('a replay of the clip (same track, zone, frame, later) is a new row, not the old one', () => {
  const log = new SpeedingLog();
  log.addViolations([row(41, 12, 300, T0)], 0);
  const replay = log.addEvent(event(12, 300), T0 + 20_000, 0);
  assert.ok(replay);
  log.addViolations([row(42, 12, 300, T0 + 20_500), row(41, 12, 300, T0)], 0);
  assert.deepEqual(view(log), [
    ['e1', 12, 42, '/api/violations/42/snapshot'],
    ['v41', 12, 41, '/api/violations/41/snapshot'],
  ]);
});

test('rows are newest first and never move; history loads below live rows', () => {
  const log = new SpeedingLog();
  log.addViolations([row(3, 3, 30, T0 + 3000), row(2, 2, 20, T0 + 2000), row(1, 1, 10, T0 + 1000)], 0);
  assert.deepEqual(log.entries.map((e) => e.key), ['v3', 'v2', 'v1']);
  log.addEvent(event(4, 40), T0 + 4000, 0);
  assert.deepEqual(log.entries.map((e) => e.key), ['e1', 'v3', 'v2', 'v1']);
  // An older row found later goes to its place in time; the others keep their order.
  log.addViolations([row(5, 5, 15, T0 + 1500)], 0);
  assert.deepEqual(log.entries.map((e) => e.key), ['e1', 'v3', 'v2', 'v5', 'v1']);
  // Attaching rows to entries does not move them either.
  log.addViolations([row(6, 4, 40, T0 + 4100)], 0);
  assert.deepEqual(log.entries.map((e) => e.key), ['e1', 'v3', 'v2', 'v5', 'v1']);
  assert.equal(log.entries[0]!.violation_id, 6);
});

test('a row first stored without a snapshot gets it later', () => {
  const log = new SpeedingLog();
  log.addViolations([row(9, 1, 10, T0, false)], 0);
  assert.equal(log.entries[0]!.snapshot_url, null);
  const changed = log.addViolations([row(9, 1, 10, T0, true)], 0);
  assert.equal(changed.length, 1);
  assert.equal(log.entries[0]!.snapshot_url, '/api/violations/9/snapshot');
});

test('awaitingRows: entries without row or snapshot, for 15 s after they appeared', () => {
  const log = new SpeedingLog();
  log.addEvent(event(1, 10), T0, 1_000);
  log.addEvent(event(2, 20), T0 + 100, 1_000);
  log.addViolations([row(50, 1, 10, T0)], 2_000);
  assert.deepEqual(log.awaitingRows(2_000).map((e) => e.track_id), [2]);
  log.addViolations([row(51, 2, 20, T0 + 100, false)], 3_000);
  assert.deepEqual(log.awaitingRows(3_000).map((e) => e.track_id), [2]); // still no snapshot
  assert.deepEqual(log.awaitingRows(1_000 + ROW_WAIT_MS), []);
  assert.equal(ROW_WAIT_MS, 15_000);
});

test('rowRetryDelayMs: 0.5, 1, 2, 4 s, then every 4 s (about 15 s over 6 tries)', () => {
  const delays = [0, 1, 2, 3, 4, 5].map(rowRetryDelayMs);
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 4000, 4000]);
  assert.equal(delays.reduce((a, b) => a + b, 0), 15_500);
});

test('the log keeps the newest 500 rows', () => {
  const log = new SpeedingLog();
  for (let i = 0; i < 510; i++) log.addEvent(event(i, i), T0 + i * 10_000, 0);
  assert.equal(log.entries.length, 500);
  assert.equal(log.entries[0]!.track_id, 509);
  assert.equal(log.entries[499]!.track_id, 10);
  // Older than everything a full log keeps: not added.
  assert.deepEqual(log.addViolations([row(1, 1, 1, T0)], 0), []);
});
