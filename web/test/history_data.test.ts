import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, formatDateTime, formatDuration, formatKmh, formatMs } from '../src/core/format';
import {
  classColours,
  drawnLimit,
  fillSeries,
  hasSpeeds,
  p85Text,
  parseWindow,
  speedsSummary,
  timeLabel,
  timeTickIndices,
  volumesSummary,
  windowTitle,
  type SpeedDistribution,
} from '../src/core/history_data';
import type { TimeBucket, TimeSeries } from '../src/types';

const T0 = Date.UTC(2024, 9, 27, 14, 0); // 2024-10-27 14:00 UTC
const MIN = 60_000;

function bucket(start_ms: number, by_class: Record<string, number>, violations = 0): TimeBucket {
  const vehicles = Object.values(by_class).reduce((a, b) => a + b, 0);
  return { start: new Date(start_ms).toISOString(), start_ms, vehicles, by_class, mean_speed_kmh: null, p85_speed_kmh: null, violations };
}

function series(window: string, buckets: TimeBucket[]): TimeSeries {
  return { source: 1, window, from: '', to: '', buckets };
}

test('fillSeries zero-fills the windows without traffic between buckets', () => {
  // Unsorted on purpose; 14:05 and 14:10 had no traffic, so the server sent no bucket.
  const filled = fillSeries(series('5min', [bucket(T0 + 15 * MIN, { car: 2, bus: 1, van: 4 }, 1), bucket(T0, { truck: 1, car: 3 }, 2)]));
  assert.deepEqual(filled.starts_ms, [T0, T0 + 5 * MIN, T0 + 10 * MIN, T0 + 15 * MIN]);
  assert.deepEqual(
    filled.classes.map((c) => [c.label, c.values, c.total]),
    [
      ['car', [3, 0, 0, 2], 5],
      ['truck', [1, 0, 0, 0], 1],
      ['bus', [0, 0, 0, 1], 1],
      ['van', [0, 0, 0, 4], 4],
    ],
  );
  assert.deepEqual(filled.vehicles, [4, 0, 0, 7]);
  assert.deepEqual(filled.violations, [2, 0, 0, 1]);
  assert.equal(filled.total_vehicles, 11);
  assert.equal(filled.total_violations, 3);
  assert.equal(filled.step_ms, 5 * MIN);
});

test('fillSeries: daily windows, a single bucket and no bucket at all', () => {
  const day = 86_400_000;
  const days = fillSeries(series('1day', [bucket(T0 - 14 * 60 * MIN, { car: 1 }), bucket(T0 - 14 * 60 * MIN + 3 * day, { car: 2 })]));
  assert.deepEqual(days.classes[0]?.values, [1, 0, 0, 2]);
  assert.deepEqual(fillSeries(series('1hour', [bucket(T0, { car: 9 })])).vehicles, [9]);
  const none = fillSeries(series('15min', []));
  assert.deepEqual([none.starts_ms, none.classes, none.total_vehicles, none.window], [[], [], 0, '15min']);
});

test('parseWindow keeps known windows and defaults to 5min', () => {
  assert.equal(parseWindow('1day'), '1day');
  assert.equal(parseWindow('2min'), '5min');
  assert.equal(parseWindow(null), '5min');
});

test('time ticks fall on round local times', () => {
  const starts = Array.from({ length: 288 }, (_, i) => Date.UTC(2024, 9, 27) + i * 5 * MIN); // one day of 5 min windows
  // Every 3 h at UTC...
  assert.deepEqual(timeTickIndices(starts, 5 * MIN, 8, 0), [0, 36, 72, 108, 144, 180, 216, 252]);
  // ...and at UTC+1 the local 03:00 is 02:00 UTC (index 24), local midnight 23:00 UTC (index 276).
  assert.deepEqual(timeTickIndices(starts, 5 * MIN, 8, 60), [24, 60, 96, 132, 168, 204, 240, 276]);
  // UTC+5:30 puts no hourly window on a round hour: evenly spaced instead.
  const hours = Array.from({ length: 48 }, (_, i) => Date.UTC(2024, 9, 27) + i * 60 * MIN);
  assert.deepEqual(timeTickIndices(hours, 60 * MIN, 6, 330), [0, 8, 16, 24, 32, 40]);
  assert.deepEqual(timeTickIndices([], 60 * MIN, 6, 0), []);
});

test('time labels: HH:MM up to hourly windows, dates for daily ones', () => {
  const t = Date.UTC(2024, 9, 27, 3, 5);
  assert.equal(timeLabel(t, '5min', 0), '03:05');
  assert.equal(timeLabel(t, '1hour', 120), '05:05');
  assert.equal(timeLabel(t, '1min', -240), '23:05');
  assert.equal(timeLabel(Date.UTC(2024, 9, 27), '1day', -300), '27 Oct'); // the server's UTC day
  assert.equal(windowTitle(t, '15min', 0), '2024-10-27 03:05');
  assert.equal(windowTitle(Date.UTC(2024, 9, 27), '1day', 120), '2024-10-27');
});

test('summaries name the totals and the span', () => {
  const filled = fillSeries(series('5min', [bucket(T0, { car: 3, truck: 1 }), bucket(T0 + 5 * MIN, { car: 2 })]));
  assert.equal(
    volumesSummary(filled, 0),
    'Vehicles by class per 5min window, 2024-10-27 14:00 – 2024-10-27 14:10: 6 vehicles (car 5, truck 1)',
  );
});

test('class colours: fixed for known classes, spares in turn for the others', () => {
  const filled = fillSeries(series('5min', [bucket(T0, { car: 1, van: 2, tram: 1, bus: 1 })]));
  assert.deepEqual(filled.classes.map((c) => c.label), ['car', 'bus', 'van', 'tram']);
  assert.deepEqual(classColours(filled.classes), ['#5cb8ff', '#5fd38d', '#f28fc0', '#c8d46e']);
});

const distribution: SpeedDistribution = {
  source: 1, from: null, to: null, bin_kmh: 10, vehicles: 17, mean_speed_kmh: 110.24, p85_speed_kmh: 130.6,
  bins: [{ from_kmh: 100, to_kmh: 110, vehicles: 17 }],
};

test('speed distribution helpers', () => {
  assert.equal(p85Text(131), '85th percentile: 131 km/h');
  assert.equal(p85Text(130.6), '85th percentile: 131 km/h');
  assert.equal(p85Text(null), '85th percentile: —');
  assert.equal(hasSpeeds(distribution), true);
  assert.equal(hasSpeeds({ ...distribution, vehicles: 0, bins: [] }), false);
  assert.equal(hasSpeeds(null), false);
  assert.deepEqual([drawnLimit(120), drawnLimit(0), drawnLimit(null), drawnLimit(undefined)], [120, null, null, null]);
  assert.equal(
    speedsSummary(distribution, 120),
    'Speed distribution in 10 km/h bins: 17 vehicles with a measured speed, mean 110 km/h, 85th percentile 131 km/h, speed limit 120 km/h',
  );
});

test('format: speeds, latencies, durations, sizes and times', () => {
  assert.deepEqual([formatKmh(131), formatKmh(110.24, 1), formatKmh(null), formatKmh(NaN)], ['131 km/h', '110.2 km/h', '—', '—']);
  assert.deepEqual([formatMs(41.4), formatMs(1234), formatMs(null)], ['41 ms', '1.2 s', '—']);
  assert.deepEqual(
    [formatDuration(45_000), formatDuration(200_000), formatDuration(7_500_000), formatDuration((3 * 24 + 4) * 3_600_000), formatDuration(-5)],
    ['45 s', '3 min 20 s', '2 h 05 min', '3 d 4 h', '0 s'],
  );
  assert.deepEqual(
    [formatBytes(512), formatBytes(713_688), formatBytes(12.3 * 1024 ** 2), formatBytes(1.2 * 1024 ** 3), formatBytes(null)],
    ['512 B', '697 KiB', '12.3 MiB', '1.20 GiB', '—'],
  );
  assert.equal(formatDateTime('2024-10-27T03:33:20.123Z', 0), '2024-10-27 03:33:20');
  assert.equal(formatDateTime('2024-10-27T03:33:20.123Z', 120), '2024-10-27 05:33:20');
  assert.equal(formatDateTime(Date.UTC(2024, 9, 27, 3, 33, 20), -240), '2024-10-26 23:33:20');
  assert.equal(formatDateTime('not a time', 0), '—');
});
