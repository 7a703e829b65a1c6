// Display formatting shared by the pages: speeds, durations, sizes and
// times. Times take the UTC offset as a parameter (default: the browser's) so that tests
// give the same answer in every time zone.
const DASH = '—';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const isNumber = (value: number | null | undefined): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** "131 km/h"; a dash when unknown. */
export function formatKmh(kmh: number | null | undefined, digits = 0): string {
  return isNumber(kmh) ? `${kmh.toFixed(digits)} km/h` : DASH;
}

/** A short latency: "41 ms", "1.2 s". */
export function formatMs(ms: number | null | undefined): string {
  if (!isNumber(ms)) return DASH;
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A duration in its two largest units: "45 s", "3 min 20 s", "2 h 05 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${String(min % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Binary sizes: "512 B", "697 KiB", "12.3 MiB", "1.20 GiB" (three significant digits). */
export function formatBytes(bytes: number | null | undefined): string {
  if (!isNumber(bytes)) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${value} B`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** The browser's offset from UTC at `ms`, in minutes (UTC+2 → 120). */
export function localOffsetMin(ms: number): number {
  return -new Date(ms).getTimezoneOffset();
}

/** The wall-clock fields of `ms` at a UTC offset. */
function wallClock(ms: number, offsetMin: number): Date {
  return new Date(ms + offsetMin * 60_000);
}

const two = (n: number) => String(n).padStart(2, '0');

/** "14:05". */
export function formatClock(ms: number, offsetMin = localOffsetMin(ms)): string {
  const d = wallClock(ms, offsetMin);
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
}

/** "27 Oct". */
export function formatDay(ms: number, offsetMin = localOffsetMin(ms)): string {
  const d = wallClock(ms, offsetMin);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

/** "2024-10-27 03:33:20": an API time (ISO or ms) for tables and tooltips. */
export function formatDateTime(time: string | number, offsetMin?: number): string {
  const ms = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(ms)) return DASH;
  const d = wallClock(ms, offsetMin ?? localOffsetMin(ms));
  return (
    `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`
  );
}
