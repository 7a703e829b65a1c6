// History: traffic volumes by class, the speed distribution and violations over time for one
// source (or all), CSV export, and the latest violations with their snapshots. The selection
// lives in the hash (#/history?source=3&window=5min) so that a reload keeps it.
import { errorMessage, fetchObjectUrl, listSources, listViolations, queryString, request, timeSeries } from '../api';
import { renderChart } from '../charts_svg';
import { histogram, stackedBars, xTickBudget } from '../core/charts';
import { formatDateTime, formatKmh, localOffsetMin } from '../core/format';
import {
  WINDOWS,
  classColours,
  drawnLimit,
  fillSeries,
  hasSpeeds,
  p85Text,
  parseWindow,
  speedsSummary,
  timeLabel,
  timeTickIndices,
  violationsSummary,
  volumesSummary,
  windowTitle,
  type FilledSeries,
  type SpeedDistribution,
  type WindowName,
} from '../core/history_data';
import { h, replace } from '../dom';
import { rememberSource, type MountPage } from '../page';
import { routeHash } from '../route';
import type { Source, Violation } from '../types';

const REFRESH_MS = 10_000;
const VIOLATIONS_SHOWN = 50;
const CHART_HEIGHT_PX = 220;
const NO_TRAFFIC = 'No traffic recorded for this source and window yet.';
const COLOURS = { speeds: '#5cb8ff', p85: '#ffd166', limit: '#ff7b7b', violations: '#ff7b7b' };
// Download links read their blob after click() returns; the URL is revoked a little later.
const DOWNLOAD_REVOKE_MS = 5_000;


function positiveId(text: string | null): number | null {
  return text && /^[1-9][0-9]*$/.test(text) ? Number(text) : null;
}

interface Loaded {
  series: FilledSeries | null;
  range: { from: string; to: string } | null;
  speeds: SpeedDistribution | null;
  /** Why there is no speed distribution when the server could not give one. */
}

function chartCard(title: string, ...extra: HTMLElement[]) {
  const holder = h('div', { class: 'chart-holder' });
  const card = h('section', { class: 'card stack tight' }, h('h2', {}, title), ...extra, holder);
  return { card, holder };
}

const emptyNote = (testid: string, text: string) => h('p', { class: 'muted chart-empty', testid }, text);

export const mountHistory: MountPage = (root, route) => {
  let alive = true;
  let sourceId = positiveId(route.query.get('source')) ?? route.sourceId;
  let windowName: WindowName = parseWindow(route.query.get('window'));
  let sources: Source[] = [];
  let loading = false;
  let generation = 0;
  let loaded: Loaded = { series: null, range: null, speeds: null };
  const thumbs = new Map<number, Promise<string | null>>(); // violation id → snapshot object URL
  const downloads = new Map<string, number>(); // object URL → revoke timer

  const sourceSelect = h('select', { testid: 'history-source', onchange: () => select() });
  const windowSelect = h(
    'select',
    { testid: 'history-window', onchange: () => select() },
    WINDOWS.map((w) => h('option', { value: w.name, selected: w.name === windowName }, w.name)),
  );
  const refreshButton = h('button', { type: 'button', testid: 'history-refresh', onclick: () => void load() }, 'Refresh');
  const updated = h('span', { class: 'muted', testid: 'history-updated', 'aria-live': 'polite' });
  const csvTimeseries = h('button', { type: 'button', testid: 'csv-timeseries' }, 'Time series CSV');
  const csvViolations = h('button', { type: 'button', testid: 'csv-violations' }, 'Violations CSV');
  csvTimeseries.onclick = () => void download('timeseries', csvTimeseries);
  csvViolations.onclick = () => void download('violations', csvViolations);
  const alert = h('div', { class: 'alert', role: 'alert', testid: 'history-error' });

  const volumesRange = h('p', { class: 'muted' });
  const legend = h('div', { class: 'legend', testid: 'volumes-legend' });
  const volumes = chartCard('Vehicles by class', volumesRange, legend);
  const p85 = h('strong', { testid: 'p85-value' }, p85Text(null));
  const mean = h('span', { class: 'muted', testid: 'speed-mean' });
  const speeds = chartCard('Speed distribution (km/h)', h('p', { class: 'row' }, p85, mean));
  const violationsTotal = h('p', { class: 'muted', testid: 'violations-total' });
  const violationsChart = chartCard('Speeding violations', violationsTotal);
  const tbody = h('tbody');
  const table = h(
    'table',
    { testid: 'violations-table', class: 'cards-narrow' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Time', 'Source', 'Track', 'Class'].map((t) => h('th', {}, t)),
        h('th', { class: 'num' }, 'Speed / limit'),
        h('th', {}, 'Snapshot'),
      ),
    ),
    tbody,
  );

  root.append(
    h(
      'div',
      { class: 'stack history' },
      h('h1', {}, 'History'),
      h(
        'div',
        { class: 'card row' },
        h('label', {}, 'Source', sourceSelect),
        h('label', {}, 'Window', windowSelect),
        refreshButton,
        updated,
        h('span', { class: 'spacer' }),
        csvTimeseries,
        csvViolations,
      ),
      alert,
      volumes.card,
      h('div', { class: 'grid-cards' }, speeds.card, violationsChart.card),
      h(
        'section',
        { class: 'card stack tight' },
        h('h2', {}, `Latest violations (up to ${VIOLATIONS_SHOWN})`),
        h('div', { class: 'table-wrap' }, table),
      ),
    ),
  );
  fillSourceOptions();

  function fillSourceOptions(): void {
    const known = sources.some((s) => s.id === sourceId);
    replace(
      sourceSelect,
      h('option', { value: '' }, 'All sources'),
      sources.map((s) => h('option', { value: String(s.id) }, `${s.name} (#${s.id})`)),
      sourceId !== null && !known && h('option', { value: String(sourceId) }, `Source #${sourceId}`),
    );
    sourceSelect.value = sourceId === null ? '' : String(sourceId);
  }

  /** A new selection: reflect it in the hash (without remounting) and reload from scratch. */
  function select(): void {
    sourceId = positiveId(sourceSelect.value);
    windowName = parseWindow(windowSelect.value);
    if (sourceId !== null) rememberSource(sourceId);
    const query: Record<string, string> = sourceId === null ? {} : { source: String(sourceId) };
    query['window'] = windowName;
    window.history.replaceState(null, '', routeHash('history', null, query));
    loaded = { series: null, range: null, speeds: null };
    dropThumbs(new Set());
    void load();
  }

  async function load(): Promise<void> {
    const gen = ++generation;
    loading = true;
    const errors: string[] = [];
    const source = sourceId ?? undefined;
    try {
      const [list, series] = await Promise.allSettled([listSources(), timeSeries({ ...(source ? { source } : {}), window: windowName })]);
      if (!alive || gen !== generation) return;
      if (list.status === 'fulfilled') {
        const changed = list.value.map((s) => `${s.id}:${s.name}`).join() !== sources.map((s) => `${s.id}:${s.name}`).join();
        sources = list.value;
        if (changed) fillSourceOptions();
      } else errors.push(`Sources: ${errorMessage(list.reason)}`);
      const range = series.status === 'fulfilled' ? { from: series.value.from, to: series.value.to } : null;
      if (series.status === 'rejected') errors.push(`Time series: ${errorMessage(series.reason)}`);
      // Speeds and violations over the same span as the time series.
      const scope = { ...(source ? { source } : {}), ...(range ?? {}) };
      const [dist, violations] = await Promise.allSettled([
        request<SpeedDistribution>('GET', `/api/analytics/speeds?${queryString(scope)}`),
        listViolations({ ...scope, limit: VIOLATIONS_SHOWN }),
      ]);
      if (!alive || gen !== generation) return;
      if (dist.status === 'rejected') errors.push(`Speed distribution: ${errorMessage(dist.reason)}`);
      loaded = {
        series: series.status === 'fulfilled' ? fillSeries(series.value) : null,
        range,
        speeds: dist.status === 'fulfilled' ? dist.value : null,
      };
      drawCharts();
      if (violations.status === 'fulfilled') showViolations(violations.value.items);
      else errors.push(`Violations: ${errorMessage(violations.reason)}`);
      alert.textContent = errors.join(' · ');
      updated.textContent = `Updated ${formatDateTime(Date.now()).slice(11)}`;
    } finally {
      if (gen === generation) loading = false;
    }
  }

  function chartWidth(holder: HTMLElement): number {
    return Math.max(280, Math.floor(holder.clientWidth || 640));
  }

  function drawCharts(): void {
    const { series, speeds: dist } = loaded;
    const offset = localOffsetMin(Date.now());
    drawVolumes(series, offset);
    drawViolations(series, offset);
    drawSpeeds(dist);
  }

  function timeAxis(series: FilledSeries, width_px: number, offset: number) {
    const indices = timeTickIndices(series.starts_ms, series.step_ms, xTickBudget(width_px), offset);
    return {
      slot_titles: series.starts_ms.map((ms) => windowTitle(ms, series.window, offset)),
      x_ticks: indices.map((i) => ({ index: i, label: timeLabel(series.starts_ms[i] ?? 0, series.window, offset) })),
    };
  }

  function drawVolumes(series: FilledSeries | null, offset: number): void {
    if (!series || series.total_vehicles === 0) {
      volumesRange.textContent = '';
      replace(legend);
      replace(volumes.holder, emptyNote('chart-volumes-empty', series ? NO_TRAFFIC : 'Not loaded.'));
      return;
    }
    const width_px = chartWidth(volumes.holder);
    const colours = classColours(series.classes);
    const model = stackedBars({
      width_px,
      height_px: CHART_HEIGHT_PX,
      series: series.classes.map((c, i) => ({ label: c.label, colour: colours[i] ?? '#aeb9c6', values: c.values })),
      ...timeAxis(series, width_px, offset),
    });
    volumesRange.textContent = `${series.total_vehicles} vehicles, ${series.window} windows`;
    replace(legend, series.classes.map((c, i) => h('span', {}, h('i', { style: `background:${colours[i]}` }), `${c.label} ${c.total}`)));
    replace(volumes.holder, renderChart(model, 'chart-volumes', volumesSummary(series, offset)));
  }

  function drawViolations(series: FilledSeries | null, offset: number): void {
    if (!series || series.total_vehicles === 0) {
      violationsTotal.textContent = '';
      replace(violationsChart.holder, emptyNote('chart-violations-empty', series ? NO_TRAFFIC : 'Not loaded.'));
      return;
    }
    violationsTotal.textContent = `${series.total_violations} violations among ${series.total_vehicles} vehicles`;
    if (series.total_violations === 0) {
      replace(violationsChart.holder, emptyNote('chart-violations-empty', 'No speeding violations in this period.'));
      return;
    }
    const width_px = chartWidth(violationsChart.holder);
    const model = stackedBars({
      width_px,
      height_px: CHART_HEIGHT_PX,
      series: [{ label: 'violations', colour: COLOURS.violations, values: series.violations }],
      ...timeAxis(series, width_px, offset),
    });
    replace(violationsChart.holder, renderChart(model, 'chart-violations', violationsSummary(series, offset)));
  }

  function drawSpeeds(dist: SpeedDistribution | null): void {
    const limit = drawnLimit(sources.find((s) => s.id === sourceId)?.speed_limit_kmh);
    if (!hasSpeeds(dist)) {
      p85.textContent = p85Text(null);
      mean.textContent = '';
      const why = 'No vehicle speeds recorded for this source and window yet (speeds need a calibration).';
      replace(speeds.holder, emptyNote('chart-speeds-empty', why));
      return;
    }
    p85.textContent = p85Text(dist.p85_speed_kmh);
    mean.textContent = `Mean: ${formatKmh(dist.mean_speed_kmh)} · ${dist.vehicles} vehicles${limit !== null ? ` · limit ${formatKmh(limit)}` : ''}`;
    const markers = [];
    if (dist.p85_speed_kmh !== null) markers.push({ value: dist.p85_speed_kmh, label: `p85 ${formatKmh(dist.p85_speed_kmh)}`, colour: COLOURS.p85 });
    if (limit !== null) markers.push({ value: limit, label: `limit ${formatKmh(limit)}`, colour: COLOURS.limit });
    const model = histogram({
      width_px: chartWidth(speeds.holder),
      height_px: CHART_HEIGHT_PX,
      colour: COLOURS.speeds,
      markers,
      bins: dist.bins.map((b) => ({ from: b.from_kmh, to: b.to_kmh, count: b.vehicles, title: `${b.from_kmh}–${b.to_kmh} km/h: ${b.vehicles} vehicles` })),
    });
    replace(speeds.holder, renderChart(model, 'chart-speeds', speedsSummary(dist, limit)));
  }

  function thumbnail(v: Violation): HTMLElement | string {
    if (!v.snapshot_url) return '—';
    let url = thumbs.get(v.id);
    if (!url) thumbs.set(v.id, (url = fetchObjectUrl(v.snapshot_url).catch(() => null)));
    const img = h('img', { class: 'thumb', alt: `Snapshot of track ${v.track_id} at ${formatKmh(v.speed_kmh)}`, width: 96, testid: 'violation-thumb' });
    void url.then((src) => {
      if (src && img.isConnected) img.src = src;
      else if (!src) img.replaceWith('unavailable');
    });
    return img;
  }

  function showViolations(items: Violation[]): void {
    const names = new Map(sources.map((s) => [s.id, s.name]));
    dropThumbs(new Set(items.map((v) => v.id)));
    if (items.length === 0) {
      replace(tbody, h('tr', {}, h('td', { colSpan: 6, class: 'muted' }, 'No violations recorded for this selection.')));
      return;
    }
    replace(
      tbody,
      items.map((v) =>
        h(
          'tr',
          { testid: 'violation-row', 'data-violation-id': v.id },
          h('td', { class: 'mono', 'data-label': 'Time' }, formatDateTime(v.occurred_at)),
          h('td', { 'data-label': 'Source' }, names.get(v.source_id) ?? `#${v.source_id}`),
          h('td', { class: 'num', 'data-label': 'Track' }, String(v.track_id)),
          h('td', { 'data-label': 'Class' }, v.label),
          h('td', { class: 'num', 'data-label': 'Speed / limit' }, `${formatKmh(v.speed_kmh)} / ${formatKmh(v.limit_kmh)}`),
          h('td', { 'data-label': 'Snapshot' }, thumbnail(v)),
        ),
      ),
    );
  }

  /** Revokes the snapshot URLs of violations no longer shown. */
  function dropThumbs(keep: Set<number>): void {
    for (const [id, url] of thumbs) {
      if (keep.has(id)) continue;
      thumbs.delete(id);
      void url.then((src) => src && URL.revokeObjectURL(src));
    }
  }

  async function download(data: 'timeseries' | 'violations', button: HTMLButtonElement): Promise<void> {
    const source = sourceId ?? undefined;
    // The violations export takes a time range, not a window: the span the charts show.
    const query = data === 'timeseries' ? { data, source, window: windowName } : { data, source, ...(loaded.range ?? {}) };
    button.disabled = true;
    try {
      const url = await fetchObjectUrl(`/api/analytics/export.csv?${queryString(query)}`);
      if (!alive) return URL.revokeObjectURL(url);
      // Blob URLs ignore Content-Disposition, so the server's file names are repeated here.
      const link = h('a', { href: url, download: `roadwatch-${data}.csv`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      downloads.set(url, window.setTimeout(() => (URL.revokeObjectURL(url), downloads.delete(url)), DOWNLOAD_REVOKE_MS));
    } catch (err) {
      if (alive) alert.textContent = `CSV export failed: ${errorMessage(err)}`;
    } finally {
      button.disabled = false;
    }
  }

  // Charts are drawn at their real width (legible text on a phone): redraw when it changes.
  let drawnWidth = volumes.holder.clientWidth;
  let frame = 0;
  const resize = new ResizeObserver(() => {
    if (volumes.holder.clientWidth === drawnWidth) return;
    drawnWidth = volumes.holder.clientWidth;
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(drawCharts);
  });
  resize.observe(volumes.holder);

  void load();
  const timer = window.setInterval(() => {
    if (!loading) void load();
  }, REFRESH_MS);
  return () => {
    alive = false;
    window.clearInterval(timer);
    cancelAnimationFrame(frame);
    resize.disconnect();
    dropThumbs(new Set());
    for (const [url, t] of downloads) {
      window.clearTimeout(t);
      URL.revokeObjectURL(url);
    }
  };
};
