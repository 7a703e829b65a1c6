// Calibration & zones (#/calibrate/ID): the source's first frame with its calibration points,
// metric grid, ROI and counting lines, edited with the mouse, and saved with one PATCH that
// the running pipeline picks up without a restart.
import { errorMessage, fetchObjectUrl, framePath, getSource, patchSource, type SourceSettings } from '../api';
import { calibrationPayload, draftFromCalibration, evaluateDraft, pointLimit, type CalibrationDraft, type DraftState } from '../core/calibration';
import { cssToImagePx, lineProblem, moveVertex, nearestVertex, nextLineName, polygonProblem, withoutLast } from '../core/editor';
import { distanceM } from '../core/homography';
import { metricGrid, niceStep, type GridLine } from '../core/metric_grid';
import { h, replace } from '../dom';
import { rememberSource, type MountPage } from '../page';
import { routeHash } from '../route';
import type { CountingLine, LiveUpdate, Point, Source } from '../types';
import { calibrationPanel } from './calibrate_calibration';
import { drawOverlay } from './calibrate_draw';
import { sessionCard } from './calibrate_session';

type Tool = 'calibration' | 'roi' | 'line' | 'measure';

const TOOLS: { tool: Tool; label: string; hint: string }[] = [
  { tool: 'calibration', label: 'Calibration points', hint: 'Click to add a calibration point; drag a point to move it.' },
  { tool: 'roi', label: 'ROI', hint: 'Click to add ROI vertices; drag one to move it; Backspace removes the last.' },
  { tool: 'line', label: 'Counting line', hint: 'Click the two ends of a line; Escape cancels a half-drawn one.' },
  { tool: 'measure', label: 'Measure', hint: 'Click two points on the road to measure the distance between them.' },
];
const POLL_MS = 2000;
const HIT_RADIUS_CSS = 10;

export const mountCalibrate: MountPage = (root, route) => {
  const id = route.sourceId;
  if (!id) {
    root.append(
      h('h1', {}, 'Calibration & zones'),
      h('p', { class: 'notice' }, 'Pick a source first: ', h('a', { href: routeHash('sources') }, 'Sources'), ' → Calibrate.'),
    );
    return () => {};
  }
  rememberSource(id);
  let disposed = false;
  let source: Source | null = null;
  let image: HTMLImageElement | null = null;
  let tool: Tool = 'calibration';
  let draft: CalibrationDraft = draftFromCalibration(null);
  let roi: Point[] = [];
  let lines: CountingLine[] = [];
  let pendingLine: Point | null = null;
  let measure: Point[] = [];
  let drag: { target: 'roi' | 'calibration'; index: number } | null = null;
  let note = ''; // why the last click did nothing, shown under the canvas

  const title = h('h1', {}, 'Calibration & zones');
  const pageAlert = h('div', { class: 'alert', role: 'alert' });
  const canvas = h('canvas', { testid: 'calib-canvas', tabIndex: 0, 'aria-label': 'Frame: click to place points for the selected tool' });
  const toolHint = h('p', { class: 'muted', role: 'status' });

  const sessions = sessionCard(
    () => source,
    (error) => {
      if (!disposed) pageAlert.textContent = error;
    },
  );
  let pollFailed = false;

  const toolButtons = TOOLS.map(({ tool: t, label }) =>
    h('button', { type: 'button', testid: `tool-${t}`, 'aria-pressed': 'false', onclick: () => selectTool(t) }, label),
  );

  const gridToggle = h('input', { type: 'checkbox', testid: 'calib-grid', checked: true, onchange: () => render() });
  const measureResult = h('p', { testid: 'measure-result', role: 'status' }, 'Measure: pick the Measure tool and click two points.');
  const panel = calibrationPanel(
    {
      get: () => draft,
      set: (d) => {
        draft = d;
        render();
      },
    },
    [h('label', { class: 'check' }, gridToggle, 'Metric grid'), measureResult],
  );

  const roiInfo = h('p', { role: 'status' });
  const lineName = h('input', { type: 'text', testid: 'line-name', maxLength: 255 });
  const lineProblemText = h('p', { role: 'status' });
  const lineRows = h('ul', { class: 'line-rows' });
  const speedLimit = h('input', { type: 'number', min: '0', max: '300', step: 'any', testid: 'speed-limit' });
  const saveButton = h('button', { type: 'button', class: 'primary', testid: 'config-save', onclick: () => void save() }, 'Save');
  const saveStatus = h('div', { testid: 'save-status', role: 'status' });

  root.append(
    title,
    pageAlert,
    h(
      'div',
      { class: 'grid-2 calibrate' },
      h('div', { class: 'stack' }, h('div', { class: 'canvas-wrap' }, canvas), toolHint),
      h(
        'div',
        { class: 'stack' },
        sessions.element,
        h('section', { class: 'card stack', 'aria-label': 'Tools' }, h('div', { class: 'row', role: 'group', 'aria-label': 'Tool' }, toolButtons)),
        panel.element,
        h(
          'section',
          { class: 'card stack', 'aria-labelledby': 'roi-heading' },
          h('h2', { id: 'roi-heading' }, 'Region of interest'),
          roiInfo,
          h(
            'div',
            { class: 'row' },
            h('button', { type: 'button', testid: 'roi-undo', onclick: () => undoRoi() }, 'Undo last vertex'),
            h('button', { type: 'button', testid: 'roi-clear', onclick: () => ((roi = []), render()) }, 'Clear ROI'),
          ),
        ),
        h(
          'section',
          { class: 'card stack', 'aria-labelledby': 'lines-heading' },
          h('h2', { id: 'lines-heading' }, 'Counting lines'),
          h('label', {}, 'Name of the next line', lineName),
          lineProblemText,
          lineRows,
        ),
        h(
          'section',
          { class: 'card stack', 'aria-label': 'Save' },
          h('label', {}, 'Speed limit (km/h)', speedLimit),
          h('div', { class: 'row' }, saveButton),
          saveStatus,
        ),
      ),
    ),
  );

  function selectTool(t: Tool): void {
    tool = t;
    pendingLine = null;
    render();
  }

  function undoRoi(): void {
    roi = withoutLast(roi);
    render();
  }

  const scale = () => (canvas.clientWidth > 0 ? canvas.width / canvas.clientWidth : 1);

  // The image → world map in use: the live fit, or a stored homography.
  function calibrationState(): { state: DraftState; grid: GridLine[]; measureLabel: string } {
    const state = evaluateDraft(draft);
    const map = state.kind === 'fit' ? state.fit.image_to_world : state.kind === 'homography' ? state.image_to_world : null;
    let grid: GridLine[] = [];
    if (state.kind === 'fit' && gridToggle.checked && image) {
      const xs = state.world_m.map((p) => p[0]);
      const ys = state.world_m.map((p) => p[1]);
      // The rectangle's own sides make the most telling grid; typed points get round steps.
      const [step_x_m, step_y_m] =
        draft.mode === 'rectangle'
          ? [draft.width_m, draft.length_m]
          : [niceStep((Math.max(...xs) - Math.min(...xs)) / 4 || 1), niceStep((Math.max(...ys) - Math.min(...ys)) / 4 || 1)];
      grid = metricGrid(state.fit.world_to_image, state.world_m, {
        step_x_m,
        step_y_m,
        frame_w_px: canvas.width,
        frame_h_px: canvas.height,
        horizon_margin_px: 0.02 * canvas.height,
      });
    }
    let measureLabel = '';
    if (measure.length === 2) {
      const d = map ? distanceM(map, measure[0], measure[1], state.kind === 'fit' ? state.fit.ground_sign : 0) : null;
      measureLabel = !map ? 'needs a calibration' : d === null ? 'beyond the horizon' : `${d.toFixed(2)} m`;
    }
    return { state, grid, measureLabel };
  }

  function render(): void {
    const { state, grid, measureLabel } = calibrationState();
    panel.update(state);
    toolButtons.forEach((b, i) => b.setAttribute('aria-pressed', String(TOOLS[i].tool === tool)));
    toolHint.textContent = [TOOLS.find((t) => t.tool === tool)!.hint, pendingLine ? 'First end set.' : '', note].filter(Boolean).join(' ');
    measureResult.textContent = measure.length === 2 ? `Measured: ${measureLabel}` : 'Measure: pick the Measure tool and click two points.';

    const roiError = polygonProblem(roi);
    roiInfo.textContent = roiError ?? (roi.length ? `${roi.length} vertices.` : 'No ROI: the whole frame counts.');
    roiInfo.className = roiError && roi.length >= 3 ? 'alert' : 'muted';

    replace(
      lineRows,
      lines.map((line, i) =>
        h(
          'li',
          { testid: 'line-row', class: 'row' },
          h('span', { class: 'mono' }, `${line.name}: ${line.points.map((p) => p.map((v) => v.toFixed(0)).join(',')).join(' → ')}`),
          h('span', { class: 'spacer' }),
          h('button', { type: 'button', class: 'ghost', testid: 'line-remove', 'aria-label': `Remove line ${line.name}`, onclick: () => ((lines = lines.filter((_, k) => k !== i)), render()) }, 'Remove'),
        ),
      ),
    );
    if (!lineName.value) lineName.value = nextLineName(lines);

    const ctx = canvas.getContext('2d');
    if (!image || !ctx) return;
    drawOverlay(ctx, { image, scale: scale(), grid, roi, lines, pendingLine, calibration_px: draft.image_px, measure, measureLabel });
  }

  async function poll(): Promise<void> {
    try {
      const fresh = await getSource(id!);
      if (disposed) return;
      source = fresh;
      sessions.show(fresh.session);
      if (pollFailed) pageAlert.textContent = '';
      pollFailed = false;
    } catch (err) {
      if (disposed) return;
      pollFailed = true;
      pageAlert.textContent = `Could not refresh the session: ${errorMessage(err)}`;
    }
  }

  // The PATCH body, or why the edits cannot be saved (the server would refuse or misread them).
  function settings(): { ok: true; value: SourceSettings } | { ok: false; error: string } {
    const roiError = polygonProblem(roi);
    if (roiError) return { ok: false, error: `ROI: ${roiError}` };
    const calibration = calibrationPayload(draft);
    if (!calibration.ok) return calibration;
    const speed_limit = speedLimit.value.trim() === '' ? null : Number(speedLimit.value);
    if (speed_limit !== null && !(speed_limit >= 0 && speed_limit <= 300)) {
      return { ok: false, error: 'Speed limit: km/h from 0 (no speeding events) to 300' };
    }
    return { ok: true, value: { roi: roi.length ? roi : null, lines: lines.length ? lines : null, calibration: calibration.value, speed_limit } };
  }

  function showSaveStatus(status: LiveUpdate['status'] | 'error', text: string): void {
    saveStatus.dataset['status'] = status;
    saveStatus.className = status === 'applied' || status === 'not_running' ? 'notice' : 'alert';
    saveStatus.setAttribute('role', status === 'applied' || status === 'not_running' ? 'status' : 'alert');
    saveStatus.textContent = text;
  }

  async function save(): Promise<void> {
    if (!source) return;
    const body = settings();
    if (!body.ok) {
      showSaveStatus('error', `Not saved: ${body.error}`);
      return;
    }
    saveButton.disabled = true;
    try {
      const answer = await patchSource(source, body.value);
      if (disposed) return;
      const { live_update: live, ...fresh } = answer;
      source = fresh;
      const version = `config v${fresh.config_version}`;
      if (!live || live.status === 'not_running') showSaveStatus('not_running', `Saved (${version}); the source is not running, its next start uses it.`);
      else if (live.status === 'applied') showSaveStatus('applied', `Saved and applied to the running pipeline (${version}).`);
      else showSaveStatus('failed', `Saved (${version}), but the running pipeline did not take it: ${live.error?.message ?? 'no reason given'}. The next start uses it.`);
      if (live?.session) sessions.show(live.session);
    } catch (err) {
      if (!disposed) showSaveStatus('error', `Not saved: ${errorMessage(err)}`);
    } finally {
      saveButton.disabled = false;
    }
  }

  function imagePoint(e: PointerEvent): Point {
    const [x, y] = cssToImagePx([e.offsetX, e.offsetY], [canvas.clientWidth, canvas.clientHeight], [canvas.width, canvas.height]);
    // Drags captured outside the canvas stay on the frame.
    return [Math.min(Math.max(x, 0), canvas.width), Math.min(Math.max(y, 0), canvas.height)];
  }

  function press(p: Point): void {
    const radius_px = HIT_RADIUS_CSS * scale();
    if (tool === 'roi') {
      const i = nearestVertex(roi, p, radius_px);
      if (i >= 0) drag = { target: 'roi', index: i };
      else roi = [...roi, p];
    } else if (tool === 'calibration') {
      const i = nearestVertex(draft.image_px, p, radius_px);
      if (i >= 0) drag = { target: 'calibration', index: i };
      else if (draft.image_px.length < pointLimit(draft.mode)) {
        draft = { ...draft, image_px: [...draft.image_px, p], world_m: draft.mode === 'points' ? [...draft.world_m, [NaN, NaN]] : draft.world_m };
      } else note = 'All 4 corners are set: drag one to move it, or clear the calibration.';
    } else if (tool === 'line') {
      if (!pendingLine) pendingLine = p;
      else {
        const line: CountingLine = { name: lineName.value.trim(), points: [pendingLine, p] };
        const problem = lineProblem(line, lines);
        lineProblemText.textContent = problem ?? '';
        lineProblemText.className = problem ? 'alert' : '';
        if (!problem) {
          lines = [...lines, line];
          lineName.value = nextLineName(lines);
        }
        pendingLine = null;
      }
    } else {
      measure = measure.length >= 2 ? [p] : [...measure, p];
    }
  }

  canvas.addEventListener('pointerdown', (e) => {
    if (!image || e.button !== 0) return;
    note = '';
    press(imagePoint(e));
    if (drag) canvas.setPointerCapture(e.pointerId);
    render();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!image) return;
    const p = imagePoint(e);
    if (!drag) {
      const points = tool === 'roi' ? roi : tool === 'calibration' ? draft.image_px : [];
      canvas.style.cursor = nearestVertex(points, p, HIT_RADIUS_CSS * scale()) >= 0 ? 'grab' : 'crosshair';
      return;
    }
    if (drag.target === 'roi') roi = moveVertex(roi, drag.index, p);
    else draft = { ...draft, image_px: moveVertex(draft.image_px, drag.index, p) };
    render();
  });
  const release = () => (drag = null);
  canvas.addEventListener('pointerup', release);
  canvas.addEventListener('pointercancel', release);

  const onKey = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement | null;
    if (target && (target.matches('input, textarea, select') || target.isContentEditable)) return;
    if (e.key === 'Escape') {
      pendingLine = null;
      measure = [];
      drag = null;
      render();
    } else if (e.key === 'Backspace' && tool === 'roi' && roi.length) {
      e.preventDefault();
      undoRoi();
    }
  };
  document.addEventListener('keydown', onKey);
  // Strokes are sized in CSS px: redraw when the canvas is shown at another size.
  window.addEventListener('resize', render);

  async function load(): Promise<void> {
    try {
      source = await getSource(id!);
      if (disposed) return;
      title.textContent = `Calibration & zones: ${source.name}`;
      sessions.show(source.session);
      draft = draftFromCalibration(source.calibration);
      roi = source.roi?.roi_polygon.map((p): Point => [p[0], p[1]]) ?? [];
      lines = source.lines ?? [];
      lineName.value = nextLineName(lines);
      speedLimit.value = source.speed_limit_kmh === null ? '' : String(source.speed_limit_kmh);
      render();
      const url = await fetchObjectUrl(framePath(source));
      const img = new Image();
      img.onload = () => {
        URL.revokeObjectURL(url);
        if (disposed) return;
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        image = img;
        canvas.dataset['ready'] = 'true';
        render();
      };
      img.onerror = () => {
        URL.revokeObjectURL(url);
        if (!disposed) pageAlert.textContent = 'The first frame could not be decoded as an image.';
      };
      img.src = url;
    } catch (err) {
      if (!disposed) pageAlert.textContent = `Could not load source ${id}: ${errorMessage(err)}`;
    }
  }

  render();
  void load();
  const timer = window.setInterval(() => void poll(), POLL_MS);
  return () => {
    disposed = true;
    window.clearInterval(timer);
    document.removeEventListener('keydown', onKey);
    window.removeEventListener('resize', render);
  };
};
