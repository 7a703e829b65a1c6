// Live view (#/live/ID): frames from the WebSocket drawn on a canvas at the display rate with
// the overlay drawn from the frame's own analytics record, live stats, and the append-only
// speeding log with snapshots of the persisted violations.
import { ApiError, errorMessage, fetchObjectUrl, getSource, isActiveSession, listSources, listViolations, startSource, streamUrl } from '../api';
import { h, replace } from '../dom';
import { rememberSource, type MountPage } from '../page';
import { routeHash } from '../route';
import type { AnalyticsData, Source } from '../types';
import type { FrameMessage } from '../core/frame_message';
import {
  AnalyticsWindow,
  BOX_COLOURS,
  LINE_COLOUR,
  ROI_COLOUR,
  buildOverlay,
  overlayScalePx,
  type FramePosition,
  type Overlay,
  type SizePx,
} from '../core/overlay';
import { formatKmh } from '../core/format';
import { SpeedingLog, rowRetryDelayMs, type SpeedingEntry } from '../core/speeding_log';
import { StreamClient, type ConnState } from '../core/stream';

const POLL_MS = 2_000;
const ROWS_PER_FETCH = 25;
const PLACEHOLDER = 'Waiting for frames — start the source on the Sources page';


export const mountLive: MountPage = (root, route) => {
  if (route.sourceId === null) return mountPicker(root);
  return mountViewer(root, route.sourceId);
};

/** Without an id: the sources to choose from. */
function mountPicker(root: HTMLElement): () => void {
  const alert = h('div', { class: 'alert', role: 'alert' });
  const list = h('ul', { class: 'live-picker' });
  root.append(h('section', { class: 'stack' }, h('h1', {}, 'Live'), h('p', { class: 'muted' }, 'Choose a source to watch.'), alert, list));
  let alive = true;
  listSources().then(
    (sources) => {
      if (!alive) return;
      if (sources.length === 0) {
        replace(list, h('li', {}, 'No sources yet. ', h('a', { href: routeHash('sources') }, 'Add one on the Sources page'), '.'));
        return;
      }
      replace(
        list,
        sources.map((s) =>
          h('li', {}, h('a', { href: routeHash('live', s.id), testid: 'live-pick' }, s.name), ' ', h('span', { class: 'muted' }, `${s.kind} · ${s.session?.state ?? 'idle'}`)),
        ),
      );
    },
    (err) => alive && (alert.textContent = errorMessage(err)),
  );
  return () => {
    alive = false;
  };
}

function mountViewer(root: HTMLElement, sourceId: number): () => void {
  rememberSource(sourceId);
  let source: Source | null = null;
  let disposed = false;
  const timers = new Set<number>();
  const later = (fn: () => void, ms: number): number => {
    const id = window.setTimeout(() => {
      timers.delete(id);
      fn();
    }, ms);
    timers.add(id);
    return id;
  };

  // Errors by origin, so that one part recovering clears only its own message.
  const alert = h('div', { class: 'alert', role: 'alert' });
  const errors = new Map<string, string>();
  const setError = (origin: string, message: string | null) => {
    if (message) errors.set(origin, message);
    else errors.delete(origin);
    alert.textContent = [...errors.values()].join(' · ');
  };

  // Header: source, session, connection.
  const title = h('h1', {}, `Live — source ${sourceId}`);
  const sessionBadge = h('span', { class: 'badge state-stopped', testid: 'live-session-state' }, 'idle');
  const sessionInfo = h('span', { class: 'muted mono', testid: 'live-session-info' });
  const connBadge = h('span', { class: 'badge conn-closed', testid: 'conn-state', title: 'live stream connection' }, 'closed');
  const startButton = h('button', { type: 'button', class: 'primary', testid: 'live-start', hidden: true, onclick: () => void start() }, 'Start');
  const overlayToggle = h('input', { type: 'checkbox', checked: true, testid: 'overlay-toggle', onchange: () => requestDraw() });

  // Canvas.
  const canvas = h('canvas', { testid: 'live-canvas', width: 1280, height: 720, 'aria-label': 'live video with detections' });
  const ctx = canvas.getContext('2d');
  const placeholder = h('div', { class: 'live-placeholder', testid: 'live-placeholder' }, h('p', {}, PLACEHOLDER), h('a', { href: routeHash('sources') }, 'Sources page'));

  // Stats.
  const stat = (testid: string, label: string) => {
    const value = h('div', { class: 'value', testid }, '–');
    return { value, el: h('div', { class: 'stat' }, value, h('div', { class: 'label' }, label)) };
  };
  const total = stat('stat-total', 'vehicles');
  const inRoi = stat('stat-in-roi', 'in ROI now');
  const speeding = stat('stat-speeding', 'speeding');
  const frameStat = stat('stat-frame', 'frame');
  const byClass = h('p', { testid: 'stat-by-class', class: 'mono' }, '–');
  const lineCounts = h('ul', { testid: 'stat-lines', class: 'live-lines mono' });

  // Speeding log and snapshot dialog.
  const logList = h('ul', { testid: 'speeding-log', class: 'speeding-log', 'aria-live': 'polite' });
  const fullImage = h('img', { testid: 'snapshot-full', alt: '' });
  const dialogCaption = h('p', { class: 'mono' });
  const dialog = h(
    'dialog',
    { testid: 'snapshot-dialog', 'aria-label': 'violation snapshot' },
    h('form', { method: 'dialog', class: 'stack' }, fullImage, dialogCaption, h('div', { class: 'row' }, h('button', { type: 'submit', testid: 'snapshot-close', class: 'primary' }, 'Close'))),
  );

  root.append(
    h(
      'section',
      { class: 'stack' },
      h('div', { class: 'row live-head' }, title, sessionBadge, sessionInfo, h('span', { class: 'spacer' }), startButton, h('label', { class: 'live-toggle' }, overlayToggle, 'Overlay'), h('span', { class: 'muted' }, 'stream'), connBadge),
      alert,
      h(
        'div',
        { class: 'grid-2' },
        h('div', { class: 'canvas-wrap' }, canvas, placeholder),
        h(
          'div',
          { class: 'stack' },
          h('section', { class: 'card stack', 'aria-label': 'live statistics' }, h('div', { class: 'stats' }, total.el, inRoi.el, speeding.el, frameStat.el), h('div', {}, h('h3', {}, 'By class'), byClass), h('div', {}, h('h3', {}, 'Line counts'), lineCounts)),
          h('section', { class: 'card' }, h('h2', {}, 'Speeding'), logList),
        ),
      ),
      dialog,
    ),
  );

  // --- session polling ---
  let pollTimer = 0;
  let polling = false;
  let lastPollMs = 0;
  const poll = async () => {
    if (polling) return; // the running one schedules the next
    polling = true;
    lastPollMs = Date.now();
    try {
      source = await getSource(sourceId);
      if (disposed) return;
      setError('source', null);
      showSource(source);
      requestDraw(); // ROI, lines or limit may have changed
    } catch (err) {
      if (disposed) return;
      setError('source', `Source ${sourceId}: ${errorMessage(err)}`);
      if (err instanceof ApiError && err.status === 404) return; // no such source: nothing to wait for
    } finally {
      polling = false;
    }
    if (!disposed) pollTimer = later(() => void poll(), POLL_MS);
  };
  // Records flowing while the badge still says idle or stopped: the source was started
  // elsewhere; ask now rather than at the next poll (at most twice a second).
  const pollSoonIfStale = () => {
    if (isActiveSession(source?.session) || Date.now() - lastPollMs < 500) return;
    window.clearTimeout(pollTimer);
    timers.delete(pollTimer);
    void poll();
  };
  const showSource = (s: Source) => {
    title.textContent = s.name;
    const state = s.session?.state ?? 'idle';
    sessionBadge.textContent = state;
    sessionBadge.className = `badge state-${s.session ? state : 'stopped'}`;
    const active = isActiveSession(s.session);
    const fps = active ? s.session?.fps : null; // a stopped session keeps its last values
    const latency = active ? s.session?.latency_ms : null;
    sessionInfo.textContent = [fps != null ? `${fps.toFixed(1)} fps` : '', latency != null ? `${Math.round(latency)} ms latency` : ''].filter(Boolean).join(' · ');
    startButton.hidden = active;
    if (s.speed_limit_kmh) speeding.el.title = `limit ${s.speed_limit_kmh} km/h`;
  };
  const start = async () => {
    if (!source) return;
    startButton.disabled = true;
    try {
      await startSource(source);
      setError('start', null);
      window.clearTimeout(pollTimer);
      timers.delete(pollTimer);
      void poll();
    } catch (err) {
      setError('start', `Start: ${errorMessage(err)}`);
    } finally {
      startButton.disabled = false;
    }
  };

  // --- frames: decode one at a time, draw at the display rate ---
  const records = new AnalyticsWindow();
  type Decoded = { bitmap: ImageBitmap; position: FramePosition };
  let decoding = false;
  let next: Decoded | null = null; // decoded, not drawn yet
  let shown: Decoded | null = null; // on the canvas (kept to redraw on toggles)
  let raf = 0;
  const requestDraw = () => {
    if (!raf && !disposed) raf = requestAnimationFrame(draw);
  };

  const onFrame = (frame: FrameMessage) => {
    if (decoding || frame.header.video_id !== sourceId) return; // drop, never queue
    decoding = true;
    createImageBitmap(new Blob([frame.jpeg], { type: 'image/jpeg' })).then(
      (bitmap) => {
        decoding = false;
        if (disposed) return bitmap.close();
        next?.bitmap.close();
        next = { bitmap, position: frame.header };
        setError('decode', null);
        requestDraw();
      },
      (err: unknown) => {
        decoding = false;
        if (!disposed) setError('decode', `A frame could not be decoded (${errorMessage(err)})`);
      },
    );
  };

  function draw() {
    raf = 0;
    if (next) {
      shown?.bitmap.close();
      shown = next;
      next = null;
      if (canvas.width !== shown.bitmap.width || canvas.height !== shown.bitmap.height) {
        canvas.width = shown.bitmap.width;
        canvas.height = shown.bitmap.height;
      }
      placeholder.hidden = true;
    }
    showStats(records.newest());
    if (!shown || !ctx) return;
    ctx.drawImage(shown.bitmap, 0, 0);
    if (overlayToggle.checked) {
      const size = { w: canvas.width, h: canvas.height };
      const geometry = source ?? { roi: null, lines: null, speed_limit_kmh: null };
      drawOverlay(ctx, buildOverlay(records.forFrame(shown.position), size, geometry, records.flagged), size);
    }
    canvas.dataset['frameNumber'] = String(shown.position.frame_number);
  }

  let statsShownFor: AnalyticsData | null = null;
  const showStats = (data: AnalyticsData | null) => {
    if (!data || data === statsShownFor) return;
    statsShownFor = data;
    const s = data.stats;
    total.value.textContent = String(s.total_vehicles ?? 0);
    inRoi.value.textContent = String(s.current_in_roi ?? 0);
    speeding.value.textContent = String(s.speeding_count ?? 0);
    frameStat.value.textContent = String(data.frame_number);
    const classes = Object.entries(s.by_class ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    byClass.textContent = classes.length ? classes.map(([label, n]) => `${label} ${n}`).join(' · ') : '–';
    const lines = Object.entries(s.line_counts ?? {});
    replace(lineCounts, lines.length ? lines.map(([name, c]) => h('li', {}, `${name}: ${c.forward} forward · ${c.backward} backward`)) : h('li', { class: 'muted' }, 'no counting lines'));
  };

  // --- speeding log ---
  const log = new SpeedingLog();
  const rows = new Map<string, HTMLLIElement>();
  const thumbs = new Map<string, string>(); // entry key → object URL of its snapshot
  let rowTimer = 0;
  let rowAttempt = 0;

  const renderLog = (changed: readonly SpeedingEntry[]) => {
    const keep = new Set(log.entries.map((e) => e.key));
    for (const [key, row] of rows) {
      if (keep.has(key)) continue;
      row.remove();
      rows.delete(key);
      const url = thumbs.get(key);
      if (url) URL.revokeObjectURL(url);
      thumbs.delete(key);
    }
    for (const entry of changed) {
      const row = rows.get(entry.key) ?? h('li', { testid: 'speeding-row', class: 'speeding-row' });
      rows.set(entry.key, row);
      fillRow(row, entry);
      if (entry.snapshot_url && !thumbs.has(entry.key)) void loadThumb(entry);
    }
    // Entries only ever get inserted, so this only places new rows.
    log.entries.forEach((entry, i) => {
      const row = rows.get(entry.key)!;
      if (logList.children[i] !== row) logList.insertBefore(row, logList.children[i] ?? null);
    });
  };

  const fillRow = (row: HTMLLIElement, entry: SpeedingEntry) => {
    const url = thumbs.get(entry.key);
    const time = new Date(entry.occurred_at_ms).toLocaleTimeString();
    const caption = `#${entry.track_id} ${entry.label} · ${formatKmh(entry.speed_kmh)} (limit ${Math.round(entry.limit_kmh)}) · ${time}`;
    row.dataset['trackId'] = String(entry.track_id);
    row.dataset['speedKmh'] = String(entry.speed_kmh);
    if (url) {
      row.tabIndex = 0;
      row.setAttribute('role', 'button');
      row.setAttribute('aria-label', `${caption}: show snapshot`);
      row.onclick = () => openSnapshot(url, caption);
      row.onkeydown = (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          openSnapshot(url, caption);
        }
      };
    }
    replace(
      row,
      url ? h('img', { testid: 'speeding-thumb', src: url, alt: `snapshot of track ${entry.track_id}` }) : h('div', { class: 'thumb-empty', 'aria-hidden': 'true' }),
      h(
        'div',
        {},
        h('strong', { class: 'speed' }, formatKmh(entry.speed_kmh)),
        h('span', { class: 'muted' }, ` limit ${Math.round(entry.limit_kmh)}`),
        h('div', {}, `#${entry.track_id} ${entry.label}`, entry.zone ? h('span', { class: 'muted' }, ` · ${entry.zone}`) : null),
        h('div', { class: 'muted mono' }, time, entry.violation_id === null ? ' · saving…' : url ? '' : entry.snapshot_url ? ' · loading…' : ' · no snapshot'),
      ),
    );
  };

  const loadThumb = async (entry: SpeedingEntry) => {
    thumbs.set(entry.key, ''); // loading: do not fetch twice
    try {
      const url = await fetchObjectUrl(entry.snapshot_url!);
      if (disposed || !rows.has(entry.key)) return URL.revokeObjectURL(url);
      thumbs.set(entry.key, url);
      fillRow(rows.get(entry.key)!, entry);
    } catch (err) {
      thumbs.delete(entry.key);
      if (!disposed) setError('snapshot', `Snapshot: ${errorMessage(err)}`);
    }
  };

  const openSnapshot = (url: string, caption: string) => {
    fullImage.src = url;
    fullImage.alt = `snapshot: ${caption}`;
    dialogCaption.textContent = caption;
    if (!dialog.open) dialog.showModal();
  };

  const fetchRows = async () => {
    rowTimer = 0;
    try {
      const { items } = await listViolations({ source: sourceId, limit: ROWS_PER_FETCH });
      if (disposed) return;
      setError('log', null);
      renderLog(log.addViolations(items, Date.now()));
    } catch (err) {
      if (disposed) return;
      setError('log', `Speeding log: ${errorMessage(err)}`);
    }
    // Unless a new event scheduled a fetch meanwhile.
    if (!rowTimer && log.awaitingRows(Date.now()).length > 0) rowTimer = later(() => void fetchRows(), rowRetryDelayMs(rowAttempt++));
  };
  // A new live event: its row is written shortly; look for it soon, then less often.
  const expectRows = () => {
    rowAttempt = 0;
    if (rowTimer) {
      window.clearTimeout(rowTimer);
      timers.delete(rowTimer);
    }
    rowTimer = later(() => void fetchRows(), rowRetryDelayMs(rowAttempt++));
  };

  const onAnalytics = (data: AnalyticsData) => {
    if (data.video_id !== sourceId) return;
    records.add(data);
    pollSoonIfStale();
    const added: SpeedingEntry[] = [];
    for (const event of data.events) {
      const entry = log.addEvent(event, data.timestamp, Date.now());
      if (entry) added.push(entry);
    }
    if (added.length) {
      renderLog(added);
      expectRows();
    }
    requestDraw();
  };

  // --- stream ---
  const stream = new StreamClient(streamUrl, {
    onState: (state: ConnState) => {
      connBadge.textContent = state;
      connBadge.className = `badge conn-${state}`;
    },
    onFrame,
    onAnalytics,
    onError: (code, message) => setError('stream', `Stream: ${message || code}`),
  });
  stream.subscribe(`analytics_metrics_${sourceId}`);
  stream.subscribe(`processed_frame_${sourceId}`);
  stream.connect();
  void poll();
  void fetchRows();

  return () => {
    disposed = true;
    stream.close();
    if (raf) cancelAnimationFrame(raf);
    for (const id of timers) window.clearTimeout(id);
    timers.clear();
    next?.bitmap.close();
    shown?.bitmap.close();
    for (const url of thumbs.values()) if (url) URL.revokeObjectURL(url);
    thumbs.clear();
    if (dialog.open) dialog.close();
  };
}

function drawOverlay(ctx: CanvasRenderingContext2D, overlay: Overlay, size: SizePx): void {
  const { stroke_px, font_px } = overlayScalePx(size);
  ctx.save();
  ctx.lineWidth = stroke_px;
  ctx.font = `600 ${font_px}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  if (overlay.roi) {
    ctx.beginPath();
    overlay.roi.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
    ctx.closePath();
    ctx.fillStyle = 'rgba(255, 200, 87, 0.08)';
    ctx.fill();
    ctx.setLineDash([stroke_px * 4, stroke_px * 3]);
    ctx.strokeStyle = ROI_COLOUR;
    ctx.stroke();
    ctx.setLineDash([]);
  }
  for (const line of overlay.lines) {
    ctx.beginPath();
    ctx.moveTo(...line.a);
    ctx.lineTo(...line.b);
    ctx.strokeStyle = LINE_COLOUR;
    ctx.stroke();
    caption(ctx, line.name, (line.a[0] + line.b[0]) / 2, (line.a[1] + line.b[1]) / 2, LINE_COLOUR, font_px);
  }
  for (const box of overlay.boxes) {
    ctx.strokeStyle = BOX_COLOURS[box.state];
    ctx.strokeRect(box.x_px, box.y_px, box.w_px, box.h_px);
    const above = box.y_px - font_px - 6;
    caption(ctx, box.label, box.x_px, above >= 0 ? above : box.y_px, BOX_COLOURS[box.state], font_px);
  }
  ctx.restore();
}

// Dark text on a filled tag in the stroke's colour: readable on any video.
function caption(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, colour: string, font_px: number): void {
  const pad = Math.round(font_px / 4);
  ctx.fillStyle = colour;
  ctx.fillRect(x, y, ctx.measureText(text).width + 2 * pad, font_px + 2 * pad);
  ctx.fillStyle = '#06121d';
  ctx.fillText(text, x + pad, y + pad);
}
