// Chart models: scales with "nice" ticks and the geometry of stacked bars and histograms,
// as plain numbers in SVG user units (px). charts_svg.ts turns a model into elements.

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Tick {
  pos_px: number;
  label: string;
}

export interface Bar extends Rect {
  colour: string;
  /** Tooltip text. */
  title: string;
}

/** A vertical line across the plot with a label above it. */
export interface Marker {
  x_px: number;
  label: string;
  colour: string;
  /** Label row above the plot (0 or 1), so that close markers keep readable labels. */
  row: number;
  anchor: 'start' | 'end';
}

export interface ChartModel {
  width_px: number;
  height_px: number;
  plot: Rect;
  bars: Bar[];
  x_ticks: Tick[];
  y_ticks: Tick[];
  markers: Marker[];
  /** Bars (columns) with a non-zero height. */
  points: number;
}

export interface Size {
  width_px: number;
  height_px: number;
}

export interface NiceScale {
  min: number;
  max: number;
  step: number;
  ticks: number[];
}

/**
 * A domain widened to round numbers with about `count` steps of 1, 2 or 5 × 10^k
 * (0..137 → 0, 20, ..., 140). `integer` keeps steps ≥ 1 (counts of vehicles).
 */
export function niceTicks(min: number, max: number, count = 5, integer = false): NiceScale {
  if (!(max > min)) max = min + 1;
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const error = raw / power;
  const factor = error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.sqrt(2) ? 2 : 1;
  const step = integer ? Math.max(1, factor * power) : factor * power;
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const n = Math.round((hi - lo) / step);
  const ticks = Array.from({ length: n + 1 }, (_, i) => Number((lo + i * step).toFixed(decimals)));
  return { min: lo, max: hi, step, ticks };
}

/** A linear map from `domain` to `range`. */
export function linear(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (value) => r0 + (value - d0) * k;
}

const MARGIN = { right: 14, bottom: 26, left: 44 };
const TOP_PLAIN_PX = 12;
const TOP_MARKERS_PX = 34; // two label rows
const TICK_SPACING_PX = 70;
const MARKER_LABEL_PX = 90;
const MAX_BAR_PX = 64; // a few windows should not become slabs

/** The plot area inside a chart of `size`. */
export function plotArea(size: Size, withMarkers = false): Rect {
  const top = withMarkers ? TOP_MARKERS_PX : TOP_PLAIN_PX;
  return {
    x: MARGIN.left,
    y: top,
    width: Math.max(1, size.width_px - MARGIN.left - MARGIN.right),
    height: Math.max(1, size.height_px - top - MARGIN.bottom),
  };
}

/** How many x labels fit under a chart of this width. */
export function xTickBudget(width_px: number): number {
  return Math.max(2, Math.floor(plotArea({ width_px, height_px: 100 }).width / TICK_SPACING_PX));
}

const yTickCount = (plot: Rect) => Math.max(2, Math.min(6, Math.floor(plot.height / 40)));

function yAxis(plot: Rect, maxValue: number): { scale: (v: number) => number; ticks: Tick[] } {
  const nice = niceTicks(0, Math.max(maxValue, 1), yTickCount(plot), true);
  const scale = linear([0, nice.max], [plot.y + plot.height, plot.y]);
  return { scale, ticks: nice.ticks.map((v) => ({ pos_px: scale(v), label: String(v) })) };
}

export interface StackSeries {
  label: string;
  colour: string;
  values: number[];
}

export interface StackedBarsInput extends Size {
  /** Stacked bottom-up in this order; all the same length (one value per slot). */
  series: StackSeries[];
  /** Tooltip name of each slot ("2024-10-27 14:05"). */
  slot_titles: string[];
  /** The labelled slots of the x axis. */
  x_ticks: { index: number; label: string }[];
}

/** One column per slot, its series stacked; heights are proportional to the values. */
export function stackedBars(input: StackedBarsInput): ChartModel {
  const plot = plotArea(input);
  const slots = input.slot_titles.length;
  const totals = Array.from({ length: slots }, (_, i) => input.series.reduce((a, s) => a + (s.values[i] ?? 0), 0));
  const y = yAxis(plot, Math.max(0, ...totals));
  const band = plot.width / Math.max(1, slots);
  const width = Math.min(MAX_BAR_PX, band >= 4 ? band * 0.8 : band);
  const bars: Bar[] = [];
  for (let i = 0; i < slots; i++) {
    let top = plot.y + plot.height;
    for (const s of input.series) {
      const value = s.values[i] ?? 0;
      if (value <= 0) continue;
      const height = plot.y + plot.height - y.scale(value);
      top -= height;
      const title = `${input.slot_titles[i] ?? ''} · ${s.label}: ${value}`;
      bars.push({ x: plot.x + (i + 0.5) * band - width / 2, y: top, width, height, colour: s.colour, title });
    }
  }
  return {
    width_px: input.width_px,
    height_px: input.height_px,
    plot,
    bars,
    x_ticks: input.x_ticks.map((t) => ({ pos_px: plot.x + (t.index + 0.5) * band, label: t.label })),
    y_ticks: y.ticks,
    markers: [],
    points: totals.filter((t) => t > 0).length,
  };
}

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
  title: string;
}

export interface HistogramInput extends Size {
  bins: HistogramBin[];
  colour: string;
  /** Vertical markers (percentile, limit); the x domain widens to include them. */
  markers: { value: number; label: string; colour: string }[];
}

const BIN_GAP_PX = 1;

/** Bins on a linear x axis (their edges at nice ticks), markers at their values. */
export function histogram(input: HistogramInput): ChartModel {
  const plot = plotArea(input, input.markers.length > 0);
  const edges = [...input.bins.flatMap((b) => [b.from, b.to]), ...input.markers.map((m) => m.value)];
  const xNice = niceTicks(Math.min(...edges), Math.max(...edges), Math.max(2, Math.floor(plot.width / TICK_SPACING_PX)));
  const x = linear([xNice.min, xNice.max], [plot.x, plot.x + plot.width]);
  const y = yAxis(plot, Math.max(0, ...input.bins.map((b) => b.count)));
  const bars = input.bins
    .filter((b) => b.count > 0)
    .map((b) => ({
      x: x(b.from),
      y: y.scale(b.count),
      width: Math.max(1, x(b.to) - x(b.from) - BIN_GAP_PX),
      height: plot.y + plot.height - y.scale(b.count),
      colour: input.colour,
      title: b.title,
    }));
  return {
    width_px: input.width_px,
    height_px: input.height_px,
    plot,
    bars,
    x_ticks: xNice.ticks.map((v) => ({ pos_px: x(v), label: String(v) })),
    y_ticks: y.ticks,
    markers: placeMarkers(input.markers.map((m) => ({ ...m, x_px: x(m.value) })), plot),
    points: bars.length,
  };
}

/** Labels right of their line (left near the right edge); a label too close to the previous one takes the other row. */
function placeMarkers(markers: { x_px: number; label: string; colour: string }[], plot: Rect): Marker[] {
  const placed: Marker[] = [];
  for (const m of [...markers].sort((a, b) => a.x_px - b.x_px)) {
    const previous = placed[placed.length - 1];
    const crowded = previous !== undefined && m.x_px - previous.x_px < MARKER_LABEL_PX;
    placed.push({
      x_px: m.x_px,
      label: m.label,
      colour: m.colour,
      row: crowded ? 1 - previous.row : 0,
      anchor: m.x_px > plot.x + plot.width - MARKER_LABEL_PX ? 'end' : 'start',
    });
  }
  return placed;
}
