import assert from 'node:assert/strict';
import { test } from 'node:test';
import { histogram, linear, niceTicks, plotArea, stackedBars, xTickBudget } from '../src/core/charts';

test('niceTicks widens to round steps of 1, 2 or 5 × 10^k', () => {
  assert.deepEqual(niceTicks(0, 137), { min: 0, max: 140, step: 20, ticks: [0, 20, 40, 60, 80, 100, 120, 140] });
  assert.deepEqual(niceTicks(-13, 47).ticks, [-20, -10, 0, 10, 20, 30, 40, 50]);
  assert.deepEqual(niceTicks(100, 140).ticks, [100, 110, 120, 130, 140]);
  // No binary-fraction noise (0.30000000000000004) in the labels.
  assert.deepEqual(niceTicks(0, 0.37).ticks, [0, 0.1, 0.2, 0.3, 0.4]);
});

test('niceTicks for counts keeps whole steps and survives an empty domain', () => {
  assert.deepEqual(niceTicks(0, 3, 5, true).ticks, [0, 1, 2, 3]);
  assert.deepEqual(niceTicks(0, 0, 5, true).ticks, [0, 1]);
  assert.deepEqual(niceTicks(5, 5).ticks, [5, 5.2, 5.4, 5.6, 5.8, 6]);
});

test('linear maps the domain onto the range, flipped for y', () => {
  const y = linear([0, 8], [212, 12]);
  assert.equal(y(0), 212);
  assert.equal(y(8), 12);
  assert.equal(y(2), 162);
});

test('plot area and tick budget follow the margins', () => {
  assert.deepEqual(plotArea({ width_px: 458, height_px: 238 }), { x: 44, y: 12, width: 400, height: 200 });
  assert.deepEqual(plotArea({ width_px: 458, height_px: 260 }, true), { x: 44, y: 34, width: 400, height: 200 });
  assert.equal(xTickBudget(458), 5);
  assert.equal(xTickBudget(200), 2);
});

// Plot 400 × 200 px at (44, 12); four slots of 100 px (bars 64 px at most, centred); totals
// 4, 0, 8, 2 → y axis 0..8, 25 px per vehicle.
const stacked = stackedBars({
  width_px: 458,
  height_px: 238,
  series: [
    { label: 'car', colour: '#c', values: [3, 0, 5, 2] },
    { label: 'truck', colour: '#t', values: [1, 0, 3, 0] },
  ],
  slot_titles: ['t0', 't1', 't2', 't3'],
  x_ticks: [{ index: 0, label: '00:00' }, { index: 2, label: '00:10' }],
});

test('stacked bars: one segment per non-zero value, stacked bottom-up', () => {
  const round = (v: number) => Math.round(v * 1000) / 1000;
  assert.deepEqual(
    stacked.bars.map((b) => [b.title, round(b.x), round(b.y), round(b.width), round(b.height), b.colour]),
    [
      ['t0 · car: 3', 62, 137, 64, 75, '#c'],
      ['t0 · truck: 1', 62, 112, 64, 25, '#t'],
      ['t2 · car: 5', 262, 87, 64, 125, '#c'],
      ['t2 · truck: 3', 262, 12, 64, 75, '#t'],
      ['t3 · car: 2', 362, 162, 64, 50, '#c'],
    ],
  );
  assert.equal(stacked.points, 3, 'the empty slot draws no bar');
});

test('stacked bars: a column is as high as its total on the y axis', () => {
  const column = stacked.bars.filter((b) => b.title.startsWith('t2'));
  const height = column.reduce((a, b) => a + b.height, 0);
  assert.equal(height, 200); // 8 vehicles = the axis maximum = the plot height
  assert.deepEqual(
    stacked.y_ticks.map((t) => [t.label, t.pos_px]),
    [['0', 212], ['2', 162], ['4', 112], ['6', 62], ['8', 12]],
  );
  assert.deepEqual(stacked.x_ticks, [{ pos_px: 94, label: '00:00' }, { pos_px: 294, label: '00:10' }]);
});

test('stacked bars: many slots get 80 % of their band, very narrow ones all of it', () => {
  const bars = (slots: number) =>
    stackedBars({ width_px: 458, height_px: 238, series: [{ label: 'v', colour: '#v', values: new Array(slots).fill(1) }], slot_titles: new Array(slots).fill(''), x_ticks: [] }).bars;
  assert.deepEqual(bars(40).slice(0, 2).map((b) => [b.x, b.width]), [[45, 8], [55, 8]]);
  const dense = bars(200)[1];
  assert.deepEqual([dense?.x, dense?.width], [46, 2]);
});

const bins = [
  { from: 100, to: 110, count: 4, title: 'a' },
  { from: 110, to: 120, count: 6, title: 'b' },
  { from: 120, to: 130, count: 5, title: 'c' },
  { from: 130, to: 140, count: 2, title: 'd' },
];

test('histogram: bins on a linear speed axis, 1 px apart', () => {
  // Plot 400 px wide from x = 44; 100..140 km/h → 10 px per km/h; y axis 0..6 over 200 px.
  const model = histogram({ width_px: 458, height_px: 260, bins, colour: '#b', markers: [{ value: 131, label: 'p85', colour: '#p' }] });
  assert.deepEqual(model.x_ticks.map((t) => [t.label, t.pos_px]), [['100', 44], ['110', 144], ['120', 244], ['130', 344], ['140', 444]]);
  const b = model.bars[1];
  assert.ok(b);
  assert.deepEqual([b.x, b.y, b.width, b.height], [144, 34, 99, 200]);
  assert.equal(model.points, 4);
  assert.deepEqual(model.markers, [{ x_px: 354, label: 'p85', colour: '#p', row: 0, anchor: 'start' }]);
});

test('histogram: markers widen the axis and crowded labels take the second row', () => {
  const close = histogram({
    width_px: 458, height_px: 260, bins, colour: '#b',
    markers: [{ value: 131, label: 'p85', colour: '#p' }, { value: 125, label: 'limit', colour: '#l' }],
  });
  assert.deepEqual(close.markers.map((m) => [m.label, m.x_px, m.row]), [['limit', 294, 0], ['p85', 354, 1]]);

  const beyond = histogram({ width_px: 458, height_px: 260, bins, colour: '#b', markers: [{ value: 150, label: 'limit', colour: '#l' }] });
  assert.equal(beyond.x_ticks.at(-1)?.label, '150');
  assert.deepEqual(beyond.markers.map((m) => [m.x_px, m.anchor]), [[444, 'end']]);
  assert.equal(beyond.bars[0]?.width, 79); // 8 px per km/h now
});

test('histogram: empty bins draw nothing', () => {
  const model = histogram({ width_px: 458, height_px: 238, bins: [{ from: 50, to: 60, count: 0, title: '' }, ...bins.slice(0, 1)], colour: '#b', markers: [] });
  assert.equal(model.points, 1);
  assert.equal(model.plot.y, 12);
});
