// History data for the charts: the server's sparse time-series buckets (windows without
// traffic are absent) become dense per-class series, plus the speed-distribution shape,
// summaries and time-axis labels.
import type { TimeSeries } from '../types';
import { formatClock, formatDateTime, formatDay, formatKmh } from './format';

export const WINDOWS = [
  { name: '1min', ms: 60_000 },
  { name: '5min', ms: 300_000 },
  { name: '15min', ms: 900_000 },
  { name: '1hour', ms: 3_600_000 },
  { name: '1day', ms: 86_400_000 },
] as const;
export type WindowName = (typeof WINDOWS)[number]['name'];
const DEFAULT_WINDOW: WindowName = '5min';

/** A window name from the URL, or the default when it is missing or unknown. */
export function parseWindow(text: string | null | undefined): WindowName {
  return WINDOWS.find((w) => w.name === text)?.name ?? DEFAULT_WINDOW;
}

export function windowMs(window: WindowName): number {
  return WINDOWS.find((w) => w.name === window)?.ms ?? 300_000;
}

export interface ClassSeries {
  label: string;
  values: number[];
  total: number;
}

export interface FilledSeries {
  window: WindowName;
  step_ms: number;
  /** One start per window from the first bucket with traffic to the last one. */
  starts_ms: number[];
  /** Known vehicle classes first (stable colours and order), then the rest by volume. */
  classes: ClassSeries[];
  vehicles: number[];
  violations: number[];
  total_vehicles: number;
  total_violations: number;
}

const CLASS_ORDER = ['car', 'truck', 'bus', 'motorcycle', 'bicycle', 'person'];
// The server answers at most 2000 windows; more slots would mean a malformed answer.
const MAX_SLOTS = 2000;

/** Dense series: every window between the first and the last bucket, zero where absent. */
export function fillSeries(series: TimeSeries): FilledSeries {
  const window = parseWindow(series.window);
  const step_ms = windowMs(window);
  const buckets = [...series.buckets].sort((a, b) => a.start_ms - b.start_ms);
  const first = buckets[0]?.start_ms ?? 0;
  const last = buckets[buckets.length - 1]?.start_ms ?? first;
  const slots = buckets.length === 0 ? 0 : Math.min(MAX_SLOTS, Math.round((last - first) / step_ms) + 1);
  const zeros = () => new Array<number>(slots).fill(0);
  const vehicles = zeros();
  const violations = zeros();
  const byClass = new Map<string, number[]>();
  for (const bucket of buckets) {
    const i = Math.round((bucket.start_ms - first) / step_ms);
    if (i >= slots) continue;
    vehicles[i] = (vehicles[i] ?? 0) + bucket.vehicles;
    violations[i] = (violations[i] ?? 0) + bucket.violations;
    for (const [label, count] of Object.entries(bucket.by_class)) {
      let values = byClass.get(label);
      if (!values) byClass.set(label, (values = zeros()));
      values[i] = (values[i] ?? 0) + count;
    }
  }
  const classes = [...byClass].map(([label, values]) => ({ label, values, total: sum(values) }));
  classes.sort((a, b) => classRank(a.label) - classRank(b.label) || b.total - a.total || a.label.localeCompare(b.label));
  return {
    window,
    step_ms,
    starts_ms: Array.from({ length: slots }, (_, i) => first + i * step_ms),
    classes,
    vehicles,
    violations,
    total_vehicles: sum(vehicles),
    total_violations: sum(violations),
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function classRank(label: string): number {
  const i = CLASS_ORDER.indexOf(label);
  return i < 0 ? CLASS_ORDER.length : i;
}

// Fixed colours for the usual classes (legible on the dark panel); others take the spares.
const CLASS_COLOURS: Record<string, string> = {
  car: '#5cb8ff',
  truck: '#ffc857',
  bus: '#5fd38d',
  motorcycle: '#ff9f6b',
  bicycle: '#c59bff',
  person: '#7fe0d6',
};
const SPARE_COLOURS = ['#f28fc0', '#c8d46e', '#9ab0ff', '#e0b48a'];

/** The colour of a class; `spareIndex` picks among the spares for unknown labels. */
function classColour(label: string, spareIndex: number): string {
  return CLASS_COLOURS[label] ?? SPARE_COLOURS[spareIndex % SPARE_COLOURS.length] ?? '#aeb9c6';
}

/** Colours for the classes of a series, in its order. */
export function classColours(classes: ClassSeries[]): string[] {
  let spare = 0;
  return classes.map((c) => (c.label in CLASS_COLOURS ? classColour(c.label, 0) : classColour(c.label, spare++)));
}

// Round tick spacings for a time axis, smallest first.
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TICK_SPACINGS_MS = [
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY,
];

/**
 * The windows to label on a time axis: at round times (every 3 h, say) in the given UTC
 * offset, at most `maxTicks`; evenly spaced windows when no round spacing fits.
 */
export function timeTickIndices(starts_ms: number[], step_ms: number, maxTicks: number, offsetMin: number): number[] {
  const n = starts_ms.length;
  if (n === 0 || maxTicks < 1) return [];
  const offset_ms = offsetMin * MINUTE;
  for (const spacing of TICK_SPACINGS_MS) {
    if (spacing < step_ms || spacing % step_ms !== 0) continue;
    const indices = starts_ms.flatMap((start, i) => (mod(start + offset_ms, spacing) === 0 ? [i] : []));
    if (indices.length > 0 && indices.length <= maxTicks) return indices;
  }
  const every = Math.ceil(n / maxTicks);
  return starts_ms.flatMap((_, i) => (i % every === 0 ? [i] : []));
}

const mod = (a: number, b: number) => ((a % b) + b) % b;

/**
 * An axis label for a window start: "14:05" up to hourly windows, "27 Oct" for daily ones
 * (days are the server's UTC days, so they are labelled in UTC).
 */
export function timeLabel(ms: number, window: WindowName, offsetMin: number): string {
  return window === '1day' ? formatDay(ms, 0) : formatClock(ms, offsetMin);
}

/** A window as a tooltip names it: "2024-10-27 14:05" ("2024-10-27" for days). */
export function windowTitle(ms: number, window: WindowName, offsetMin: number): string {
  const text = formatDateTime(ms, window === '1day' ? 0 : offsetMin);
  return window === '1day' ? text.slice(0, 10) : text.slice(0, 16);
}

/** "car 100, truck 20". */
function classBreakdown(classes: ClassSeries[]): string {
  return classes.map((c) => `${c.label} ${c.total}`).join(', ');
}

/** The span the series covers, for captions: "2024-10-27 14:00 – 2024-10-27 16:00". */
export function rangeText(series: FilledSeries, offsetMin: number): string {
  const first = series.starts_ms[0];
  const last = series.starts_ms[series.starts_ms.length - 1];
  if (first === undefined || last === undefined) return '';
  return `${windowTitle(first, series.window, offsetMin)} – ${windowTitle(last + series.step_ms, series.window, offsetMin)}`;
}

export function volumesSummary(series: FilledSeries, offsetMin: number): string {
  const breakdown = series.classes.length ? ` (${classBreakdown(series.classes)})` : '';
  return (
    `Vehicles by class per ${series.window} window, ${rangeText(series, offsetMin)}: ` +
    `${series.total_vehicles} vehicles${breakdown}`
  );
}

export function violationsSummary(series: FilledSeries, offsetMin: number): string {
  const worst = Math.max(0, ...series.violations);
  return (
    `Speeding violations per ${series.window} window, ${rangeText(series, offsetMin)}: ` +
    `${series.total_violations} in all, at most ${worst} in one window`
  );
}

/** GET /api/analytics/speeds: vehicle passages with a speed, binned; empty bins absent. */
export interface SpeedBin {
  from_kmh: number;
  to_kmh: number;
  vehicles: number;
}

export interface SpeedDistribution {
  source: number | null;
  from: string | null;
  to: string | null;
  bin_kmh: number;
  vehicles: number;
  mean_speed_kmh: number | null;
  p85_speed_kmh: number | null;
  bins: SpeedBin[];
}

export const hasSpeeds = (d: SpeedDistribution | null): d is SpeedDistribution =>
  d !== null && d.vehicles > 0 && d.bins.some((b) => b.vehicles > 0);

/** "85th percentile: 131 km/h". */
export function p85Text(p85_kmh: number | null): string {
  return `85th percentile: ${formatKmh(p85_kmh)}`;
}

/** A speed limit worth drawing: 0 means "no speeding events" and null "none set". */
export const drawnLimit = (limit_kmh: number | null | undefined): number | null =>
  typeof limit_kmh === 'number' && limit_kmh > 0 ? limit_kmh : null;

export function speedsSummary(d: SpeedDistribution, limit_kmh: number | null): string {
  const parts = [
    `${d.vehicles} vehicles with a measured speed`,
    `mean ${formatKmh(d.mean_speed_kmh)}`,
    `85th percentile ${formatKmh(d.p85_speed_kmh)}`,
  ];
  if (limit_kmh !== null) parts.push(`speed limit ${formatKmh(limit_kmh)}`);
  return `Speed distribution in ${d.bin_kmh} km/h bins: ${parts.join(', ')}`;
}
