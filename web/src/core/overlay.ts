// What the live view draws over a frame: vehicle boxes with "#12 car 87 km/h" captions, the
// ROI polygon and the counting lines, in canvas pixels. Pure: the page strokes the result.
// Frames come without burned-in overlays, so this is the only one.
import type { AnalyticsData, Point, Source, TrackedObject } from '../types';

export type BoxState = 'speeding' | 'normal' | 'outside';

export interface SizePx {
  w: number;
  h: number;
}

export interface OverlayBox {
  x_px: number;
  y_px: number;
  w_px: number;
  h_px: number;
  label: string;
  state: BoxState;
}

export interface OverlayLine {
  name: string;
  a: Point;
  b: Point;
}

export interface Overlay {
  boxes: OverlayBox[];
  /** Null without an ROI (the zone is then the whole frame: nothing to draw). */
  roi: Point[] | null;
  lines: OverlayLine[];
}

/** Stroke colours; vehicles outside the ROI are dimmed. */
export const BOX_COLOURS: Readonly<Record<BoxState, string>> = {
  speeding: '#ff4d4d',
  normal: '#5fd38d',
  outside: 'rgba(174, 185, 198, 0.6)',
};
export const ROI_COLOUR = '#ffc857';
export const LINE_COLOUR = '#5cb8ff';

export type OverlaySource = Pick<Source, 'roi' | 'lines' | 'speed_limit_kmh'>;

export function objectLabel(object: TrackedObject): string {
  const parts: string[] = [];
  if (object.track_id !== undefined) parts.push(`#${object.track_id}`);
  parts.push(object.label);
  if (object.speed_kmh !== undefined) {
    const err = object.speed_err_kmh !== undefined ? ` ±${Math.round(object.speed_err_kmh)}` : '';
    parts.push(`${Math.round(object.speed_kmh)}${err} km/h`);
  }
  return parts.join(' ');
}

/** Tracks the record reports as speeding (speeding_vehicles and speeding events). */
export function speedingTracksOf(data: AnalyticsData): number[] {
  const ids: number[] = [];
  for (const vehicle of data.speeding_vehicles as { track_id?: unknown }[]) {
    if (typeof vehicle?.track_id === 'number') ids.push(vehicle.track_id);
  }
  for (const event of data.events) {
    if (event.type === 'speeding' && event.track_id !== undefined) ids.push(event.track_id);
  }
  return ids;
}

function boxState(object: TrackedObject, limit_kmh: number | null, flagged: ReadonlySet<number>): BoxState {
  const over = limit_kmh !== null && limit_kmh > 0 && object.speed_kmh !== undefined && object.speed_kmh > limit_kmh;
  if (over || (object.track_id !== undefined && flagged.has(object.track_id))) return 'speeding';
  // No zones key: the pipeline has no zone analytics, so nothing is "outside".
  return object.zones !== undefined && object.zones.length === 0 ? 'outside' : 'normal';
}

/**
 * The overlay of `data` (null: no record yet) on a canvas of `canvas` px. ROI and lines are
 * in the source frame's pixels (data.frame_size; the canvas size when there is no record) and
 * are scaled to the canvas. `flagged`: tracks known to be speeding from earlier records.
 */
export function buildOverlay(
  data: AnalyticsData | null,
  canvas: SizePx,
  source: OverlaySource,
  flagged: ReadonlySet<number> = new Set(),
): Overlay {
  const frame = data && data.frame_size.w > 0 && data.frame_size.h > 0 ? data.frame_size : canvas;
  const sx = canvas.w / frame.w;
  const sy = canvas.h / frame.h;
  const scale = ([x, y]: Point): Point => [x * sx, y * sy];
  const flaggedNow = new Set([...flagged, ...(data ? speedingTracksOf(data) : [])]);
  const boxes = (data?.objects ?? []).map((object) => ({
    x_px: object.bbox.x * canvas.w,
    y_px: object.bbox.y * canvas.h,
    w_px: object.bbox.w * canvas.w,
    h_px: object.bbox.h * canvas.h,
    label: objectLabel(object),
    state: boxState(object, source.speed_limit_kmh, flaggedNow),
  }));
  const roi = source.roi && source.roi.roi_polygon.length >= 3 ? source.roi.roi_polygon.map(scale) : null;
  const lines = (source.lines ?? []).map((line) => ({ name: line.name, a: scale(line.points[0]), b: scale(line.points[1]) }));
  return { boxes, roi, lines };
}

/** Stroke width and caption size that stay legible on small and large frames. */
export function overlayScalePx(canvas: SizePx): { stroke_px: number; font_px: number } {
  return { stroke_px: Math.max(2, Math.round(canvas.w / 400)), font_px: Math.max(12, Math.round(canvas.w / 55)) };
}

// Records this far behind the newest one are taken for copies, not for a new run.
const RESENT_FRAMES = 8;

/** Where a frame or record is in its stream: frames and records of one frame share both. */
export interface FramePosition {
  frame_number: number;
  pts_ns?: number;
}

/**
 * The recent analytics records of one source, so that each frame is drawn with its own record
 * (records usually arrive a little before their frame). Matched by pts_ns when both carry it:
 * the frame channel numbers only the frames it published (none while nobody watched), so its
 * frame_number can run behind the record's. Also remembers which tracks have been speeding,
 * so a box stays red after the one record with the event.
 */
export class AnalyticsWindow {
  private readonly records: AnalyticsData[] = []; // oldest first
  private readonly speeding = new Set<number>();

  constructor(
    private readonly capacity = 64,
    private readonly maxFlagged = 1000,
  ) {}

  add(data: AnalyticsData): void {
    const newest = this.newest();
    if (newest && data.frame_number <= newest.frame_number) {
      // A record sent again (after a Redis reconnect) is a little behind: already here.
      if (newest.frame_number - data.frame_number < RESENT_FRAMES) return;
      // Frame numbers restart with each run of the pipeline: forget the old run.
      this.clear();
    }
    this.records.push(data);
    if (this.records.length > this.capacity) this.records.shift();
    for (const id of speedingTracksOf(data)) {
      this.speeding.delete(id); // re-insert: the Set's order is then oldest first
      this.speeding.add(id);
    }
    for (const id of this.speeding) {
      if (this.speeding.size <= this.maxFlagged) break;
      this.speeding.delete(id);
    }
  }

  /** The record of that frame, else the newest one before it, else null. */
  forFrame(frame: FramePosition): AnalyticsData | null {
    const byPts = frame.pts_ns !== undefined && this.newest()?.pts_ns !== undefined;
    const at = (d: AnalyticsData) => (byPts ? d.pts_ns ?? -1 : d.frame_number);
    const target = byPts ? frame.pts_ns! : frame.frame_number;
    for (let i = this.records.length - 1; i >= 0; i--) {
      if (at(this.records[i]!) <= target) return this.records[i]!;
    }
    return null;
  }

  newest(): AnalyticsData | null {
    return this.records[this.records.length - 1] ?? null;
  }

  get flagged(): ReadonlySet<number> {
    return this.speeding;
  }

  clear(): void {
    this.records.length = 0;
    this.speeding.clear();
  }
}
