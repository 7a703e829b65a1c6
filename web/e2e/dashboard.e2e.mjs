// End-to-end test of the dashboard: headless Chromium (playwright-core) drives the four pages
// against a real roadwatch-server (started, with Redis and PostgreSQL, by
// tests/server/system/test_dashboard.py) while the sample clip plays. Every wait is on a
// condition with a deadline, never a fixed sleep. Exits 0 when every check passed; writes
// screenshots and summary.json (the figures, and what the harness checks in the database) to
// RW_E2E_ARTIFACTS.
//
// Environment: RW_E2E_BASE_URL (http://127.0.0.1:PORT), RW_E2E_ARTIFACTS (a directory),
// RW_E2E_CLIP (the clip to upload), RW_E2E_CALIBRATION and RW_E2E_ZONES (the clip's shipped
// calibration and zones, pipelines/{calibration,zones}/highway-640x360.json).
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (test_dashboard.py sets it)`);
  return value;
}

const BASE = env('RW_E2E_BASE_URL');
const ARTIFACTS = env('RW_E2E_ARTIFACTS');
const CLIP = env('RW_E2E_CLIP');
const CALIBRATION = JSON.parse(readFileSync(env('RW_E2E_CALIBRATION'), 'utf8'));
const ZONES = JSON.parse(readFileSync(env('RW_E2E_ZONES'), 'utf8'));

const SPEED_LIMIT_KMH = 130;
// A lane-wide rectangle on the road (metres, the shipped calibration's world frame: x across,
// y along the road), and the sizes typed for it: double the truth, so every speed doubles.
const TRUE_RECT_M = [[0, 0], [3.65, 0], [3.65, 27], [0, 27]];
const TYPED_WIDTH_M = 7.3;
const TYPED_LENGTH_M = 54;
// A corner of the frame no vehicle drives through: once saved, nothing is in the ROI.
const EMPTY_ROI_PX = [[2, 2], [60, 2], [60, 40], [2, 40]];
// Records this many frames after the save are past the apply latency (config poll + pipeline).
const APPLY_MARGIN_FRAMES = 60;
// Frames wanted after the margin, so that "after" is a real sample (the clip has 341).
const MIN_FRAMES_AFTER = 40;
const SPEED_RATIO_MIN = 1.6;

const T_SHORT = 15_000;
const T_RUN = 90_000; // the clip plays in 12-20 s; a loaded 2-core machine is slower

const consoleErrors = [];
// While the harness has the server down, Chromium itself logs the refused connections of the
// pages' polls and reconnect attempts: those (and only those) are expected then.
const outageErrors = [];
const OUTAGE_ERROR = /ERR_CONNECTION_REFUSED|WebSocket connection to .* failed/;
let serverDown = false;
const summary = { base_url: BASE, steps: [], console_errors: consoleErrors, outage_console_errors: outageErrors };
const t0 = Date.now();

function log(message) {
  console.log(`[e2e +${((Date.now() - t0) / 1000).toFixed(1)}s] ${message}`);
}

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

function watchErrors(page, name) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = `${name}: console.error: ${msg.text()} (${msg.location().url})`;
    (serverDown && OUTAGE_ERROR.test(msg.text()) ? outageErrors : consoleErrors).push(text);
  });
  page.on('pageerror', (err) => consoleErrors.push(`${name}: uncaught: ${err.message}`));
}

async function screenshot(page, file) {
  await page.screenshot({ path: join(ARTIFACTS, file), fullPage: true });
  log(`screenshot ${file}`);
}

async function api(method, path, body) {
  const resp = await fetch(`${BASE}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await resp.text();
  if (!resp.ok) throw new Error(`${method} ${path}: HTTP ${resp.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** The inverse of a 3×3 matrix (adjugate / determinant). */
function invert3(m) {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const A = e * i - f * h, B = f * g - d * i, C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    [A / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [C / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

function project(m, [x, y]) {
  const w = m[2][0] * x + m[2][1] * y + m[2][2];
  return [(m[0][0] * x + m[0][1] * y + m[0][2]) / w, (m[1][0] * x + m[1][1] * y + m[1][2]) / w];
}

/** Polls `fn` (async) every 100 ms until it returns something truthy; fails after `timeoutMs`. */
async function until(fn, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs / 1000} s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function median(values) {
  const s = [...values].sort((p, q) => p - q);
  if (s.length === 0) return null;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Clicks image pixel (x, y) of a CSS-scaled canvas: its content box at clientWidth/width. */
async function clickImagePx(canvas, [x, y]) {
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.evaluate((c) => {
    const r = c.getBoundingClientRect();
    return { left: r.left + c.clientLeft, top: r.top + c.clientTop, sx: c.clientWidth / c.width, sy: c.clientHeight / c.height };
  });
  await canvas.page().mouse.click(box.left + x * box.sx, box.top + y * box.sy);
}

async function step(name, page, fn) {
  log(`step: ${name}`);
  const started = Date.now();
  try {
    await fn();
  } catch (err) {
    if (page) await page.screenshot({ path: join(ARTIFACTS, `failed-${name}.png`), fullPage: true }).catch(() => {});
    throw new Error(`step "${name}": ${err.message}`);
  }
  summary.steps.push({ name, seconds: (Date.now() - started) / 1000 });
}

// ---------------------------------------------------------------------------------------------

async function uploadAndRegister(page) {
  await page.goto(`${BASE}/#/sources`);
  await byTestId(page, 'upload-file').waitFor({ state: 'attached', timeout: T_SHORT });
  const rowIds = () => page.$$eval('[data-testid="source-row"]', (rows) => rows.map((r) => r.dataset.sourceId));
  const before = await rowIds();

  await byTestId(page, 'upload-file').setInputFiles(CLIP);
  await byTestId(page, 'upload-name').fill('e2e highway');
  await byTestId(page, 'upload-speed-limit').fill(String(SPEED_LIMIT_KMH));
  // Watch the progress bar from before the click: on loopback the upload takes milliseconds.
  const progressDone = page.waitForFunction(
    () => Number(document.querySelector('[data-testid="upload-progress"]')?.value) >= 1,
    null,
    { polling: 'raf', timeout: T_SHORT },
  );
  await byTestId(page, 'upload-submit').click();
  await progressDone;
  const id = await (
    await page.waitForFunction(
      (known) => {
        const row = [...document.querySelectorAll('[data-testid="source-row"]')].find((r) => !known.includes(r.dataset.sourceId));
        return row ? row.dataset.sourceId : null;
      },
      before,
      { timeout: T_SHORT },
    )
  ).jsonValue();
  const sourceId = Number(id);
  check(Number.isInteger(sourceId) && sourceId > 0, `source-row data-source-id "${id}" is not an id`);
  const row = page.locator(`[data-testid="source-row"][data-source-id="${id}"]`);
  check((await byTestId(row, 'source-name').innerText()).includes('e2e highway'), 'the new row names the upload');
  check((await byTestId(row, 'source-state').innerText()).trim() === 'idle', 'a new source is idle');
  const stored = await api('GET', `/api/videos/${sourceId}`);
  check(stored.name === 'e2e highway' && stored.speed_limit_kmh === SPEED_LIMIT_KMH,
    `the upload form sent name and limit: ${JSON.stringify({ name: stored.name, limit: stored.speed_limit_kmh })}`);

  const knownNow = await rowIds();
  await byTestId(page, 'camera-name').fill('gate');
  await byTestId(page, 'camera-uri').fill('rtsp://127.0.0.1:9/none');
  await byTestId(page, 'camera-submit').click();
  const cameraId = Number(
    await (
      await page.waitForFunction(
        (known) => {
          const row = [...document.querySelectorAll('[data-testid="source-row"]')].find((r) => !known.includes(r.dataset.sourceId));
          return row ? row.dataset.sourceId : null;
        },
        knownNow,
        { timeout: T_SHORT },
      )
    ).jsonValue(),
  );
  const cameraRow = page.locator(`[data-testid="source-row"][data-source-id="${cameraId}"]`);
  check((await byTestId(cameraRow, 'source-name').innerText()).includes('gate'), 'the camera row names it');
  check((await byTestId(cameraRow, 'source-kind').innerText()).toLowerCase().includes('camera'), 'the camera row says camera');
  await screenshot(page, 'sources.png');
  summary.source_id = sourceId;
  summary.camera_id = cameraId;
  return sourceId;
}

/** The run starts with known settings: the shipped calibration, ROI and line (see the brief). */
async function presetShippedSettings(sourceId) {
  const roi = ZONES.zones.find((z) => z.name === 'roi').polygon;
  const body = {
    calibration: { image_points: CALIBRATION.image_points, world_points: CALIBRATION.world_points },
    roi: { roi_polygon: roi },
    lines: ZONES.lines,
  };
  const patched = await api('PATCH', `/api/videos/${sourceId}`, body);
  check(patched.live_update?.status === 'not_running', `PATCH before the start: ${JSON.stringify(patched.live_update)}`);
}

async function openLive(page, sourceId) {
  await page.goto(`${BASE}/#/live/${sourceId}`);
  await byTestId(page, 'live-canvas').waitFor({ timeout: T_SHORT });
  await page.waitForFunction(() => document.querySelector('[data-testid="conn-state"]')?.textContent.trim() === 'open', null, {
    timeout: T_SHORT,
  });
}

/** Calibration (rectangle, doubled sizes) and an empty-corner ROI, drawn but not saved. */
async function prepareCalibration(page, sourceId) {
  await page.goto(`${BASE}/#/calibrate/${sourceId}`);
  const canvas = page.locator('[data-testid="calib-canvas"][data-ready="true"]');
  await canvas.waitFor({ timeout: T_SHORT });
  log('calib-canvas ready');
  const size = await canvas.evaluate((c) => [c.width, c.height]);
  check(size[0] === 640 && size[1] === 360, `calib-canvas is ${size} px, the frame is 640×360`);

  const toWorld = CALIBRATION.homography; // image → world
  const toImage = invert3(toWorld);
  const rectPx = TRUE_RECT_M.map((p) => project(toImage, p));
  summary.calibration_clicks_px = rectPx.map(([x, y]) => [Number(x.toFixed(2)), Number(y.toFixed(2))]);

  await byTestId(page, 'tool-calibration').click();
  check((await byTestId(page, 'tool-calibration').getAttribute('aria-pressed')) === 'true', 'tool-calibration is pressed');
  await byTestId(page, 'calib-mode').selectOption('rectangle');
  await byTestId(page, 'calib-clear').click();
  for (const p of rectPx) await clickImagePx(canvas, p);
  log('calibration corners clicked');
  await byTestId(page, 'calib-width-m').fill(String(TYPED_WIDTH_M));
  await byTestId(page, 'calib-length-m').fill(String(TYPED_LENGTH_M));
  const rms = await (
    await page.waitForFunction(
      () => {
        const v = document.querySelector('[data-testid="calib-error"]')?.getAttribute('data-rms-m');
        return v !== null && v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null;
      },
      null,
      { timeout: T_SHORT },
    )
  ).jsonValue();
  summary.calibration_rms_m = rms;
  log(`calib-error data-rms-m ${rms}`);
  check(rms < 0.1, `calib-error data-rms-m = ${rms}: 4 points of a rectangle fit exactly`);

  await byTestId(page, 'tool-roi').click();
  check((await byTestId(page, 'tool-roi').getAttribute('aria-pressed')) === 'true', 'tool-roi is pressed');
  await byTestId(page, 'roi-clear').click();
  for (const p of EMPTY_ROI_PX) await clickImagePx(canvas, p);
  log('ROI clicked');
  await screenshot(page, 'calibrate.png');
}

/** A WebSocket of the test's own in the page: every analytics record of the source. */
async function startCollector(page, sourceId) {
  await page.evaluate(
    ({ url, channel }) =>
      new Promise((resolve, reject) => {
        const store = { records: [] };
        window.__rwE2E = store;
        const ws = new WebSocket(url);
        ws.onopen = () => ws.send(JSON.stringify({ action: 'subscribe', channel }));
        ws.onmessage = (e) => {
          const msg = JSON.parse(e.data);
          if (msg.type === 'subscription_ack' && msg.status === 'subscribed') resolve();
          else if (msg.type === 'analytics') store.records.push(msg.data);
        };
        ws.onerror = () => reject(new Error('the collector WebSocket failed'));
      }),
    { url: `${BASE.replace(/^http/, 'ws')}/ws/client/stream`, channel: `analytics_metrics_${sourceId}` },
  );
}

const lastFrame = (page) => page.evaluate(() => Math.max(-1, ...window.__rwE2E.records.map((r) => r.frame_number)));

/** Live: frames advance, the connection is open and the vehicle count rises (before the save). */
async function liveFlowing(page) {
  await page.waitForFunction(
    () => {
      const s = (window.__rwLive ??= { last: null, increases: 0, minTotal: Infinity, maxTotal: -Infinity });
      const n = Number(document.querySelector('[data-testid="live-canvas"]')?.dataset.frameNumber);
      if (Number.isFinite(n)) {
        if (s.last !== null && n > s.last) s.increases++;
        s.last = n;
      }
      const total = Number.parseInt(document.querySelector('[data-testid="stat-total"]')?.textContent ?? '', 10);
      if (Number.isFinite(total)) {
        s.minTotal = Math.min(s.minTotal, total);
        s.maxTotal = Math.max(s.maxTotal, total);
      }
      const open = document.querySelector('[data-testid="conn-state"]')?.textContent.trim() === 'open';
      return open && s.increases >= 3 && s.maxTotal > 0 && s.maxTotal > s.minTotal;
    },
    null,
    { polling: 50, timeout: T_RUN },
  );
  summary.live = await page.evaluate(() => ({ ...window.__rwLive }));
  await screenshot(page, 'live.png');
}

/** Live: a persisted violation's thumbnail, opened full size in the snapshot dialog. */
async function liveSnapshot(page) {
  const thumbs = page.locator('[data-testid="speeding-row"] img[data-testid="speeding-thumb"]');
  const loaded = await (
    await page.waitForFunction(
      () => {
        const all = [...document.querySelectorAll('[data-testid="speeding-row"] img[data-testid="speeding-thumb"]')];
        const i = all.findIndex((img) => img.complete && img.naturalWidth > 0);
        return i >= 0 ? i + 1 : null; // 1-based: 0 would read as "not yet"
      },
      null,
      { polling: 100, timeout: T_RUN },
    )
  ).jsonValue();
  summary.speeding_rows_live = await byTestId(page, 'speeding-row').count();
  await thumbs.nth(loaded - 1).click();
  await page.waitForFunction(
    () => {
      const d = document.querySelector('[data-testid="snapshot-dialog"]');
      const img = d?.querySelector('[data-testid="snapshot-full"]');
      return d?.open && img?.complete && img.naturalWidth > 0;
    },
    null,
    { timeout: T_SHORT },
  );
  await screenshot(page, 'live-snapshot.png');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('[data-testid="snapshot-dialog"]').open, null, { timeout: T_SHORT });
}

/** Start, collect, save while running; returns the analysis of the records. */
async function runAndReconfigure(calPage, livePage, sourceId) {
  await startCollector(calPage, sourceId);
  await byTestId(calPage, 'calib-start').click();
  const flowing = liveFlowing(livePage);
  flowing.catch(() => {}); // handled where it is awaited; not an unhandled rejection meanwhile
  await calPage.waitForFunction(
    () => {
      const r = window.__rwE2E.records;
      return r.some((d) => d.frame_number >= 20) && r.some((d) => d.objects.some((o) => typeof o.speed_kmh === 'number'));
    },
    null,
    { polling: 100, timeout: T_RUN },
  );
  // The vehicle count only rises while the shipped ROI holds: Live must see that before the save.
  await flowing;

  const savedAt = await lastFrame(calPage);
  const before = (await api('GET', `/api/videos/${sourceId}`)).session;
  await byTestId(calPage, 'config-save').click();
  const status = await (
    await calPage.waitForFunction(
      () => {
        // Set once the PATCH is answered (applied | not_running | failed | error).
        return document.querySelector('[data-testid="save-status"]')?.getAttribute('data-status') || null;
      },
      null,
      { timeout: T_SHORT },
    )
  ).jsonValue();
  const statusText = await byTestId(calPage, 'save-status').innerText();
  check(status === 'applied', `save-status data-status = ${status} ("${statusText}"), want applied`);
  const answeredBy = await lastFrame(calPage);
  // "applied": the supervisor handed the settings over; the pipeline's status (about once a
  // second) then reports the version it runs.
  const saved = await api('GET', `/api/videos/${sourceId}`);
  const version = saved.config_version;
  check(statusText.includes(`config v${version}`), `save-status names config v${version}: "${statusText}"`);
  // The source embeds its live session: the pipeline reports the version it runs about once a
  // second, from the same process (no restart).
  const applied = await until(async () => {
    const session = (await api('GET', `/api/videos/${sourceId}`)).session;
    return session.config_version === version ? session : null;
  }, T_SHORT, `session ${before.id} reports config v${version}`);
  check(applied.id === before.id && applied.pid === before.pid && applied.restarts === 0,
    `the save restarted the pipeline: before ${JSON.stringify(before)}, after ${JSON.stringify(applied)}`);
  const runsBy = await lastFrame(calPage);
  Object.assign(summary, {
    save_status_text: statusText,
    saved_at_frame: savedAt,
    save_answered_by_frame: answeredBy,
    session_runs_config_by_frame: runsBy,
    config_version: version,
    saved_calibration: saved.calibration,
    saved_roi: saved.roi,
    saved_lines: saved.lines,
    saved_speed_limit_kmh: saved.speed_limit_kmh,
  });

  const snapshot = liveSnapshot(livePage);
  snapshot.catch(() => {}); // likewise
  // Every record up to the end of the clip (its last record carries end_of_stream).
  await calPage.waitForFunction(
    () => window.__rwE2E.records.some((d) => d.events.some((e) => e.type === 'end_of_stream')),
    null,
    { polling: 200, timeout: T_RUN },
  );
  const records = await calPage.evaluate(() => window.__rwE2E.records);
  await snapshot;
  return analyse(records, savedAt, Math.max(savedAt + APPLY_MARGIN_FRAMES, runsBy));
}

/** Figures of the records before the save (frames ≤ savedAt) and after it (≥ afterFrom). */
function analyse(records, savedAt, afterFrom) {
  const frames = records.map((d) => d.frame_number);
  const last = Math.max(...frames);
  const before = records.filter((d) => d.frame_number <= savedAt);
  const after = records.filter((d) => d.frame_number >= afterFrom);
  const speeds = (rs) => rs.flatMap((d) => d.objects.filter((o) => typeof o.speed_kmh === 'number').map((o) => o.speed_kmh));
  const speeding = records.flatMap((d) => d.events.filter((e) => e.type === 'speeding'));
  const result = {
    records: records.length,
    first_frame: Math.min(...frames),
    last_frame: last,
    frames_before: before.length,
    after_from_frame: afterFrom,
    frames_after: after.length,
    in_roi_before_positive: before.filter((d) => d.stats.current_in_roi > 0).length,
    in_roi_after_max: Math.max(0, ...after.map((d) => d.stats.current_in_roi)),
    speed_samples_before: speeds(before).length,
    speed_samples_after: speeds(after).length,
    median_speed_before_kmh: median(speeds(before)),
    median_speed_after_kmh: median(speeds(after)),
    speeding_events: speeding.map((e) => ({ track_id: e.track_id, frame_number: e.frame_number, speed_kmh: e.speed_kmh, zone: e.zone })),
  };
  result.speed_ratio = result.median_speed_before_kmh ? result.median_speed_after_kmh / result.median_speed_before_kmh : null;
  summary.analytics = result;
  log(`analytics: ${JSON.stringify({ ...result, speeding_events: speeding.length })}`);

  check(records.length === last + 1, `a record per frame: ${records.length} records, last frame ${last}`);
  check(after.length >= MIN_FRAMES_AFTER,
    `the clip ended too soon after the save: saved at frame ${savedAt}, last frame ${last}, ` +
      `${after.length} records from frame ${afterFrom} on (want ${MIN_FRAMES_AFTER})`);
  check(result.in_roi_before_positive * 2 > before.length,
    `before the save current_in_roi > 0 in most records (${result.in_roi_before_positive} of ${before.length})`);
  const inRoi = after.filter((d) => d.stats.current_in_roi !== 0).map((d) => d.frame_number);
  check(inRoi.length === 0, `current_in_roi != 0 after the empty-corner ROI applied, frames ${inRoi.slice(0, 10)}`);
  check(result.speed_samples_before > 0 && result.speed_samples_after > 0,
    `speeds before (${result.speed_samples_before}) and after (${result.speed_samples_after}) the save`);
  check(result.speed_ratio >= SPEED_RATIO_MIN,
    `median speed ${result.median_speed_before_kmh} → ${result.median_speed_after_kmh} km/h ` +
      `(×${result.speed_ratio?.toFixed(2)}), want ≥ ×${SPEED_RATIO_MIN} with doubled distances`);
  check(speeding.length > 0, 'speeding events at the 130 km/h limit');
  return result;
}

async function history(page, sourceId) {
  await page.goto(`${BASE}/#/history?source=${sourceId}&window=1min`);
  for (const chart of ['chart-volumes', 'chart-speeds', 'chart-violations']) {
    await page.waitForFunction((id) => Number(document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-points')) > 0, chart, {
      timeout: T_SHORT,
    });
  }
  // The page always shows a p85 line ("85th percentile: —" without speeds): it must carry the
  // server's figure.
  const speeds = await api('GET', `/api/analytics/speeds?source=${sourceId}`);
  check(typeof speeds.p85_speed_kmh === 'number', `the server has a p85 speed: ${JSON.stringify(speeds)}`);
  const p85Shown = `${speeds.p85_speed_kmh.toFixed(0)} km/h`;
  await page.waitForFunction((want) => (document.querySelector('[data-testid="p85-value"]')?.textContent ?? '').includes(want), p85Shown, {
    timeout: T_SHORT,
  });
  const shown = await page.evaluate(() => ({
    p85_text: document.querySelector('[data-testid="p85-value"]').textContent.trim(),
    points: Object.fromEntries(
      ['chart-volumes', 'chart-speeds', 'chart-violations'].map((id) => [id, Number(document.querySelector(`[data-testid="${id}"]`).getAttribute('data-points'))]),
    ),
  }));
  summary.history = { p85_api_kmh: speeds.p85_speed_kmh, ...shown };
  await screenshot(page, 'history.png');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: T_SHORT }), byTestId(page, 'csv-timeseries').click()]);
  const csv = readFileSync(await download.path(), 'utf8');
  summary.history.csv_file = download.suggestedFilename();
  summary.history.csv_first_line = csv.split('\n')[0];
  check(csv.startsWith('bucket_start,label,vehicles'), `csv-timeseries downloads the time series CSV: ${csv.slice(0, 80)}`);
}

async function keyboard(page, sourceId) {
  // A fresh document, so that focus starts at its top (a hash change keeps the old focus point).
  await page.goto('about:blank');
  await page.goto(`${BASE}/#/sources`);
  await page.locator(`[data-testid="source-row"][data-source-id="${sourceId}"]`).waitFor({ timeout: T_SHORT });
  // The run is over: the row offers start again, and says stopped.
  await page.waitForFunction(
    (id) => document.querySelector(`[data-testid="source-row"][data-source-id="${id}"] [data-testid="source-state"]`)?.textContent.trim() === 'stopped',
    sourceId,
    { timeout: T_SHORT },
  );
  const want = new Set(['upload-file', 'upload-submit', 'source-start']);
  const reached = [];
  for (let i = 0; i < 100 && want.size > 0; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName);
    reached.push(id);
    want.delete(id);
  }
  summary.keyboard_focus_order = reached;
  check(want.size === 0, `Tab never reached ${[...want]} (focus went ${reached.join(' → ')})`);
}

async function phoneWidth(page, file) {
  await page.setViewportSize({ width: 390, height: 844 });
  const width = await (
    await page.waitForFunction(() => document.documentElement.clientWidth === 390 && document.documentElement.scrollWidth, null, {
      timeout: T_SHORT,
    })
  ).jsonValue();
  summary[`${file}_scroll_width`] = width;
  check(width <= 391, `${file}: horizontal overflow at 390 px (scrollWidth ${width})`);
  await screenshot(page, `${file}-phone.png`);
}

// The harness kills and starts the server when asked: a request line on stdout, its answer
// "<request> done" on stdin.
const harnessAnswers = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function askHarness(request) {
  console.log(`RW_E2E_HARNESS ${request}`);
  const { value, done } = await harnessAnswers.next();
  check(!done && value.trim() === `${request} done`, `the harness answered ${JSON.stringify(value)} to ${request}`);
}

/** Live through a server crash: says reconnecting, then reconnects and subscribes again. */
async function reconnect(page, sourceId) {
  const state = () => byTestId(page, 'conn-state').innerText();
  await until(async () => (await state()) === 'open', T_SHORT, 'Live connected before the crash');
  serverDown = true;
  await askHarness('kill-server');
  await until(async () => (await state()) === 'reconnecting', T_SHORT, 'Live says reconnecting');
  await screenshot(page, 'live-reconnecting.png');
  // At least one attempt refused while the server is down, so the retry after it is tested.
  await until(() => outageErrors.some((e) => /WebSocket connection to .* failed/.test(e)), T_SHORT,
    'a reconnect attempt refused while the server is down');
  await askHarness('start-server');
  // The backoff is at most 10 s (±20 %) between attempts.
  await until(async () => (await state()) === 'open', 30_000, 'Live reconnected to the new server');
  serverDown = false;
  const channels = [`processed_frame_${sourceId}`, `analytics_metrics_${sourceId}`];
  const counts = await until(async () => {
    const status = await api('GET', '/api/websocket/status');
    const n = channels.map((c) => status.channels[c]?.subscriber_count ?? 0);
    return n.every((count) => count >= 1) ? n : null;
  }, T_SHORT, `the reconnected page subscribed again to ${channels.join(' and ')}`);
  summary.reconnect = { subscribers_after: counts, outage_console_errors: outageErrors.length };
}

// ---------------------------------------------------------------------------------------------

mkdirSync(ARTIFACTS, { recursive: true });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
let failure = null;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
  const page = await context.newPage();
  watchErrors(page, 'main');
  // Live in a window of its own (a second context): a background tab of the same window gets no
  // animation frames, so it would neither draw frames nor let Playwright act on it promptly.
  const livePage = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
  watchErrors(livePage, 'live');

  let sourceId;
  await step('sources', page, async () => {
    sourceId = await uploadAndRegister(page);
    await presetShippedSettings(sourceId);
  });
  await step('live-open', livePage, () => openLive(livePage, sourceId));
  await step('calibrate', page, () => prepareCalibration(page, sourceId));
  await step('run', page, () => runAndReconfigure(page, livePage, sourceId));
  await step('history', page, () => history(page, sourceId));
  await step('keyboard', page, () => keyboard(page, sourceId));
  await step('phone', page, async () => {
    await phoneWidth(page, 'sources');
    await phoneWidth(livePage, 'live');
  });
  await step('reconnect', livePage, () => reconnect(livePage, sourceId));
  check(consoleErrors.length === 0, `console errors or uncaught exceptions:\n  ${consoleErrors.join('\n  ')}`);
} catch (err) {
  failure = err;
} finally {
  summary.ok = failure === null;
  summary.error = failure ? failure.message : null;
  summary.seconds = (Date.now() - t0) / 1000;
  writeFileSync(join(ARTIFACTS, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await browser.close();
  await harnessAnswers.return?.();
  process.stdin.destroy(); // nothing more to read: let node exit
}
if (failure) {
  console.error(`e2e FAILED: ${failure.message}`);
  process.exit(1);
}
log('e2e passed');
