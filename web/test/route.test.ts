import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRoute, routeHash } from '../src/route';

test('parseRoute reads page, source id and query', () => {
  const r = parseRoute('#/history/3?window=1hour');
  assert.equal(r.page, 'history');
  assert.equal(r.sourceId, 3);
  assert.equal(r.query.get('window'), '1hour');
});

test('parseRoute falls back to sources and ignores a bad id', () => {
  assert.equal(parseRoute('').page, 'sources');
  assert.equal(parseRoute('#/nowhere/2').page, 'sources');
  assert.equal(parseRoute('#/live/0').sourceId, null);
  assert.equal(parseRoute('#/live/x1').sourceId, null);
});

test('routeHash round-trips', () => {
  const hash = routeHash('calibrate', 7, { tool: 'roi' });
  assert.equal(hash, '#/calibrate/7?tool=roi');
  const r = parseRoute(hash);
  assert.deepEqual([r.page, r.sourceId, r.query.get('tool')], ['calibrate', 7, 'roi']);
});
