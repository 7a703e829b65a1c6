// Draws the calibration page's canvas: the frame, then the metric grid, ROI, counting lines,
// calibration points and the measurement on top, in image pixels. Sizes are given in CSS px
// and multiplied by the canvas's scale so strokes look the same however large the frame is.
import { forwardArrow } from '../core/editor';
import type { GridLine } from '../core/metric_grid';
import type { CountingLine, Point } from '../types';

export interface OverlayView {
  image: CanvasImageSource;
  /** Image pixels per CSS pixel. */
  scale: number;
  grid: GridLine[];
  roi: Point[];
  lines: CountingLine[];
  pendingLine: Point | null;
  calibration_px: Point[];
  measure: Point[];
  measureLabel: string;
}

const COLOURS = {
  grid: 'rgba(95, 211, 141, 0.75)',
  roiFill: 'rgba(92, 184, 255, 0.18)',
  roi: '#5cb8ff',
  line: '#ffc857',
  point: '#ff7b7b',
  measure: '#ffffff',
  halo: 'rgba(0, 0, 0, 0.75)',
};

function polyline(ctx: CanvasRenderingContext2D, points: Point[], close = false): void {
  ctx.beginPath();
  points.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
  if (close) ctx.closePath();
}

// Text with a dark halo: readable on asphalt and sky alike.
function label(ctx: CanvasRenderingContext2D, text: string, at: Point, colour: string, s: number): void {
  ctx.font = `600 ${13 * s}px system-ui, sans-serif`;
  // Kept inside the frame: labels near the right edge end there instead of starting there.
  const x = Math.max(0, Math.min(at[0], ctx.canvas.width - ctx.measureText(text).width - 2 * s));
  ctx.lineWidth = 3 * s;
  ctx.strokeStyle = COLOURS.halo;
  ctx.strokeText(text, x, at[1]);
  ctx.fillStyle = colour;
  ctx.fillText(text, x, at[1]);
}

function dot(ctx: CanvasRenderingContext2D, at: Point, radius: number, colour: string, s: number): void {
  ctx.beginPath();
  ctx.arc(at[0], at[1], radius, 0, 2 * Math.PI);
  ctx.fillStyle = colour;
  ctx.fill();
  ctx.lineWidth = 1.5 * s;
  ctx.strokeStyle = COLOURS.halo;
  ctx.stroke();
}

function drawGrid(ctx: CanvasRenderingContext2D, grid: GridLine[], s: number): void {
  ctx.strokeStyle = COLOURS.grid;
  ctx.lineWidth = 1 * s;
  for (const line of grid) {
    polyline(ctx, [line.from_px, line.to_px]);
    ctx.stroke();
  }
  // Value at the near (lower) end of each line.
  for (const line of grid) {
    const near = line.from_px[1] > line.to_px[1] ? line.from_px : line.to_px;
    label(ctx, `${line.along ? 'x' : 'y'} ${+line.value_m.toFixed(2)}`, [near[0] + 3 * s, near[1] - 3 * s], COLOURS.grid, s * 0.85);
  }
}

function drawRoi(ctx: CanvasRenderingContext2D, roi: Point[], s: number): void {
  if (roi.length === 0) return;
  polyline(ctx, roi, roi.length >= 3);
  if (roi.length >= 3) {
    ctx.fillStyle = COLOURS.roiFill;
    ctx.fill();
  }
  ctx.strokeStyle = COLOURS.roi;
  ctx.lineWidth = 2 * s;
  ctx.stroke();
  for (const p of roi) dot(ctx, p, 5 * s, COLOURS.roi, s);
}

function drawLine(ctx: CanvasRenderingContext2D, line: CountingLine, s: number): void {
  ctx.strokeStyle = COLOURS.line;
  ctx.lineWidth = 2.5 * s;
  polyline(ctx, line.points);
  ctx.stroke();
  // The +1 direction as an arrow from the middle, with its head.
  const [from, to] = forwardArrow(line, 24 * s);
  const angle = Math.atan2(to[1] - from[1], to[0] - from[0]);
  const head = 7 * s;
  polyline(ctx, [from, to]);
  ctx.stroke();
  polyline(ctx, [
    [to[0] - head * Math.cos(angle - 0.5), to[1] - head * Math.sin(angle - 0.5)],
    to,
    [to[0] - head * Math.cos(angle + 0.5), to[1] - head * Math.sin(angle + 0.5)],
  ]);
  ctx.stroke();
  label(ctx, line.name, [line.points[0][0] + 4 * s, line.points[0][1] - 6 * s], COLOURS.line, s);
}

function drawCalibrationPoints(ctx: CanvasRenderingContext2D, points: Point[], s: number): void {
  points.forEach((p, i) => {
    dot(ctx, p, 6 * s, COLOURS.point, s);
    label(ctx, String(i + 1), [p[0] + 8 * s, p[1] - 8 * s], COLOURS.point, s);
  });
}

function drawMeasure(ctx: CanvasRenderingContext2D, points: Point[], text: string, s: number): void {
  if (points.length === 0) return;
  ctx.strokeStyle = COLOURS.measure;
  ctx.lineWidth = 2 * s;
  ctx.setLineDash([6 * s, 4 * s]);
  polyline(ctx, points);
  ctx.stroke();
  ctx.setLineDash([]);
  for (const p of points) dot(ctx, p, 4 * s, COLOURS.measure, s);
  const last = points[points.length - 1];
  if (points.length === 2 && text) label(ctx, text, [last[0] + 8 * s, last[1] + 16 * s], COLOURS.measure, s);
}

export function drawOverlay(ctx: CanvasRenderingContext2D, view: OverlayView): void {
  const s = view.scale;
  ctx.drawImage(view.image, 0, 0);
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  drawGrid(ctx, view.grid, s);
  drawRoi(ctx, view.roi, s);
  for (const line of view.lines) drawLine(ctx, line, s);
  if (view.pendingLine) dot(ctx, view.pendingLine, 5 * s, COLOURS.line, s);
  drawCalibrationPoints(ctx, view.calibration_px, s);
  drawMeasure(ctx, view.measure, view.measureLabel, s);
}
