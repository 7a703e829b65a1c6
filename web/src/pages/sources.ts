// Sources: every video and camera with its session's live state (refreshed every 2 s),
// start/stop/delete, links to the other pages, and the upload and camera forms.
import { ApiError, deleteSource, errorMessage, isActiveSession, listSources, registerCamera, startSource, stopSource, uploadVideo } from '../api';
import { formatBytes, formatDuration, formatKmh, formatMs } from '../core/format';
import { h, replace } from '../dom';
import { rememberSource, type MountPage } from '../page';
import { routeHash } from '../route';
import type { Source } from '../types';

const REFRESH_MS = 2000;
const isActive = (source: Source) => isActiveSession(source.session);

interface RowActions {
  start(row: SourceRow): void;
  stop(row: SourceRow): void;
  remove(row: SourceRow): void;
}

/** One table row, built once and updated in place so that focus and clicks survive refreshes. */
class SourceRow {
  readonly tr: HTMLTableRowElement;
  source: Source;
  private busy = false;
  private readonly name = h('span', { testid: 'source-name' });
  private readonly detail = h('div', { class: 'muted small' });
  private readonly kind = h('td', { testid: 'source-kind', 'data-label': 'Kind' });
  private readonly state = h('span', { testid: 'source-state' });
  private readonly since = h('div', { class: 'muted small' });
  private readonly fps = h('td', { class: 'num', testid: 'source-fps', 'data-label': 'FPS' });
  private readonly latency = h('td', { class: 'num', testid: 'source-latency', 'data-label': 'Latency' });
  private readonly frames = h('td', { class: 'num', testid: 'source-frames', 'data-label': 'Frames' });
  private readonly errors = h('td', { class: 'errors', testid: 'source-errors', 'data-label': 'Errors' });
  private readonly startButton: HTMLButtonElement;
  private readonly stopButton: HTMLButtonElement;
  private readonly deleteButton: HTMLButtonElement;

  constructor(source: Source, actions: RowActions) {
    this.source = source;
    const id = source.id;
    const remember = () => rememberSource(id);
    this.startButton = h('button', { type: 'button', class: 'primary', testid: 'source-start', onclick: () => actions.start(this) }, 'Start');
    this.stopButton = h('button', { type: 'button', testid: 'source-stop', onclick: () => actions.stop(this) }, 'Stop');
    this.deleteButton = h('button', { type: 'button', class: 'danger', testid: 'source-delete', onclick: () => actions.remove(this) }, 'Delete');
    const link = (testid: string, href: string, text: string) => h('a', { href, testid, onclick: remember }, text);
    this.tr = h(
      'tr',
      { testid: 'source-row', 'data-source-id': id },
      h('td', { 'data-label': 'Source' }, h('div', {}, this.name, this.detail)),
      this.kind,
      h('td', { 'data-label': 'Session' }, h('div', {}, this.state, this.since)),
      this.fps,
      this.latency,
      this.frames,
      this.errors,
      h(
        'td',
        { class: 'actions-cell' },
        h(
          'div',
          { class: 'row actions' },
          this.startButton,
          this.stopButton,
          link('source-live', routeHash('live', id), 'Live'),
          link('source-calibrate', routeHash('calibrate', id), 'Calibration & zones'),
          link('source-history', routeHash('history', null, { source: String(id) }), 'History'),
          this.deleteButton,
        ),
      ),
    );
    this.update(source);
  }

  update(source: Source): void {
    this.source = source;
    const s = source.session;
    this.name.textContent = source.name;
    const facts = [`#${source.id}`, source.kind === 'camera' ? (source.uri ?? '') : formatBytes(source.size_bytes)];
    if (source.speed_limit_kmh !== null) facts.push(`limit ${formatKmh(source.speed_limit_kmh)}`);
    this.detail.textContent = facts.filter(Boolean).join(' · ');
    this.kind.textContent = source.kind;
    const state = s?.state ?? 'idle';
    this.state.textContent = state;
    this.state.className = `badge state-${s ? s.state : 'stopped'}`;
    const startedMs = s?.started_at ? Date.parse(s.started_at) : NaN;
    this.since.textContent = s && isActive(source) && Number.isFinite(startedMs) ? `for ${formatDuration(Date.now() - startedMs)}` : '';
    this.fps.textContent = s?.fps != null ? s.fps.toFixed(1) : '—';
    this.latency.textContent = formatMs(s?.latency_ms);
    this.frames.textContent = s?.frames != null ? String(s.frames) : '—';
    const why = s ? s.last_error || s.reason : '';
    replace(this.errors, h('div', {}, String(s?.errors ?? 0), why && h('div', { class: 'muted small why' }, why)));
    this.errors.title = why;
    this.syncButtons();
  }

  setBusy(busy: boolean): void {
    this.busy = busy;
    this.syncButtons();
  }

  private syncButtons(): void {
    const active = isActive(this.source);
    this.startButton.disabled = this.busy || active;
    this.stopButton.disabled = this.busy || !active;
    this.deleteButton.disabled = this.busy;
  }
}

export const mountSources: MountPage = (root) => {
  let alive = true;
  let loading = false;
  const listAlert = h('div', { class: 'alert', role: 'alert', testid: 'sources-error' });
  const actionAlert = h('div', { class: 'alert', role: 'alert', testid: 'source-action-error' });
  const tbody = h('tbody');
  const table = h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'sources cards-narrow' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'Source'),
          h('th', {}, 'Kind'),
          h('th', {}, 'Session'),
          h('th', { class: 'num' }, 'FPS'),
          h('th', { class: 'num' }, 'Latency'),
          h('th', { class: 'num' }, 'Frames'),
          h('th', {}, 'Errors'),
          h('th', {}, 'Actions'),
        ),
      ),
      tbody,
    ),
  );
  const empty = h('p', { class: 'muted', testid: 'sources-empty', hidden: true }, 'No sources yet: upload a video or register a camera below.');
  const rows = new Map<number, SourceRow>();

  function show(sources: Source[]): void {
    const ids = new Set(sources.map((s) => s.id));
    for (const [id, row] of rows) {
      if (ids.has(id)) continue;
      row.tr.remove();
      rows.delete(id);
    }
    sources.forEach((source, i) => {
      let row = rows.get(source.id);
      if (row) row.update(source);
      else rows.set(source.id, (row = new SourceRow(source, actions)));
      // Move only rows out of place: a moved node loses the keyboard focus.
      const at = tbody.children[i] ?? null;
      if (at !== row.tr) tbody.insertBefore(row.tr, at);
    });
    empty.hidden = sources.length > 0;
    table.hidden = sources.length === 0;
  }

  async function refresh(): Promise<void> {
    if (loading) return;
    loading = true;
    try {
      const sources = await listSources();
      if (!alive) return;
      show(sources);
      listAlert.textContent = '';
    } catch (err) {
      if (alive) listAlert.textContent = `Cannot load the sources: ${errorMessage(err)}`;
    } finally {
      loading = false;
    }
  }

  async function act(row: SourceRow, what: string, call: () => Promise<void>): Promise<void> {
    actionAlert.textContent = '';
    row.setBusy(true);
    try {
      await call();
    } catch (err) {
      if (alive) actionAlert.textContent = `${what} “${row.source.name}” failed: ${errorMessage(err)}`;
    } finally {
      row.setBusy(false);
    }
    if (alive) void refresh();
  }

  const actions: RowActions = {
    start: (row) => {
      rememberSource(row.source.id);
      void act(row, 'Start', async () => {
        const { session } = await startSource(row.source);
        row.update({ ...row.source, session });
      });
    },
    stop: (row) =>
      void act(row, 'Stop', async () => {
        const { session } = await stopSource(row.source);
        row.update({ ...row.source, session });
      }),
    remove: (row) => {
      const question = `Delete “${row.source.name}”? Its sessions, violations and counts are deleted too${
        row.source.kind === 'video' ? ', and the uploaded file' : ''
      }.`;
      if (!window.confirm(question)) return;
      void act(row, 'Delete', () => deleteSource(row.source));
    },
  };

  const upload = uploadForm(() => void refresh());
  root.append(
    h(
      'div',
      { class: 'stack' },
      h('h1', {}, 'Sources'),
      listAlert,
      actionAlert,
      h('section', { class: 'card', 'aria-label': 'All sources' }, empty, table),
      h('div', { class: 'grid-cards' }, upload.el, cameraForm(() => void refresh())),
    ),
  );
  table.hidden = true;
  void refresh();
  const timer = window.setInterval(() => void refresh(), REFRESH_MS);
  return () => {
    alive = false;
    window.clearInterval(timer);
    upload.abort();
  };
};

function speedLimitInput(testid: string): HTMLInputElement {
  return h('input', { type: 'number', min: 0, max: 300, step: 'any', inputMode: 'decimal', testid });
}

function uploadForm(onUploaded: () => void): { el: HTMLElement; abort: () => void } {
  const file = h('input', { type: 'file', accept: 'video/*,.mp4,.mkv,.webm,.avi,.ts,.mov', required: true, testid: 'upload-file' });
  const name = h('input', { type: 'text', maxLength: 255, testid: 'upload-name', placeholder: 'the file name' });
  const limit = speedLimitInput('upload-speed-limit');
  const progress = h('progress', { max: 1, value: 0, testid: 'upload-progress' });
  const progressText = h('span', { class: 'muted', testid: 'upload-progress-text', 'aria-live': 'polite' });
  const progressRow = h('div', { class: 'stack tight progress-row', hidden: true }, progress, progressText);
  const submit = h('button', { type: 'submit', class: 'primary', testid: 'upload-submit' }, 'Upload');
  const cancel = h('button', { type: 'button', testid: 'upload-cancel', disabled: true }, 'Cancel');
  const alert = h('div', { class: 'alert', role: 'alert', testid: 'upload-error' });
  const notice = h('div', { class: 'notice', role: 'status', testid: 'upload-done' });
  let current: { abort: () => void } | null = null;
  // The name follows the chosen file until the operator types one.
  let autoName = '';

  file.addEventListener('change', () => {
    const picked = file.files?.[0];
    if (picked && (name.value === '' || name.value === autoName)) name.value = autoName = picked.name;
  });

  const setProgress = (fraction: number, total: number) => {
    progress.value = fraction;
    progressText.textContent = `${Math.round(fraction * 100)}% · ${formatBytes(fraction * total)} of ${formatBytes(total)}`;
  };

  async function send(e: Event): Promise<void> {
    e.preventDefault();
    const picked = file.files?.[0];
    if (!picked || current) return;
    alert.textContent = '';
    notice.textContent = '';
    progressRow.hidden = false;
    setProgress(0, picked.size);
    submit.disabled = true;
    cancel.disabled = false;
    const upload = uploadVideo(picked, { name: name.value.trim(), speed_limit: limit.value }, (f) => setProgress(f, picked.size));
    current = upload;
    try {
      const source = await upload.done;
      notice.textContent = `Uploaded “${source.name}” as source #${source.id}.`;
      form.reset();
      autoName = '';
      onUploaded();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'aborted') {
        notice.textContent = 'Upload cancelled; nothing was stored.';
        progressRow.hidden = true;
      } else {
        alert.textContent = `Upload failed: ${errorMessage(err)}`;
      }
    } finally {
      current = null;
      submit.disabled = false;
      cancel.disabled = true;
    }
  }

  cancel.addEventListener('click', () => current?.abort());
  const form = h(
    'form',
    { class: 'card stack', 'aria-labelledby': 'upload-title', onsubmit: (e: Event) => void send(e) },
    h('h2', { id: 'upload-title' }, 'Upload a video'),
    h('label', {}, 'Video file', file),
    h('label', {}, 'Name', name),
    h('label', {}, 'Speed limit (km/h, optional)', limit),
    h('div', { class: 'row' }, submit, cancel),
    progressRow,
    alert,
    notice,
  );
  return { el: form, abort: () => current?.abort() };
}

function cameraForm(onRegistered: () => void): HTMLElement {
  const name = h('input', { type: 'text', required: true, maxLength: 255, testid: 'camera-name' });
  const uri = h('input', { type: 'text', required: true, placeholder: 'rtsp://user:password@host:554/stream', autocapitalize: 'off', testid: 'camera-uri', class: 'mono' });
  const limit = speedLimitInput('camera-speed-limit');
  const submit = h('button', { type: 'submit', class: 'primary', testid: 'camera-submit' }, 'Register camera');
  const alert = h('div', { class: 'alert', role: 'alert', testid: 'camera-error' });
  const notice = h('div', { class: 'notice', role: 'status', testid: 'camera-done' });

  async function send(e: Event): Promise<void> {
    e.preventDefault();
    alert.textContent = '';
    notice.textContent = '';
    submit.disabled = true;
    try {
      const settings = { name: name.value.trim(), uri: uri.value.trim() };
      const source = await registerCamera(limit.value === '' ? settings : { ...settings, speed_limit: Number(limit.value) });
      notice.textContent = `Registered camera “${source.name}” as source #${source.id}.`;
      form.reset();
      onRegistered();
    } catch (err) {
      alert.textContent = `Cannot register the camera: ${errorMessage(err)}`;
    } finally {
      submit.disabled = false;
    }
  }

  const form = h(
    'form',
    { class: 'card stack', 'aria-labelledby': 'camera-title', onsubmit: (e: Event) => void send(e) },
    h('h2', { id: 'camera-title' }, 'Register a camera'),
    h('label', {}, 'Name', name),
    h('label', {}, 'URI', uri),
    h('label', {}, 'Speed limit (km/h, optional)', limit),
    h('div', { class: 'row' }, submit),
    alert,
    notice,
  );
  return form;
}
