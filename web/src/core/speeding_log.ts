// The live page's speeding log: live speeding events appear at once, and the persisted rows of
// /api/violations (written a moment later, with the snapshot) are attached to them. Append-only:
// rows never disappear or change places; newest on top.
import type { AnalyticsEvent, Violation } from '../types';

export interface SpeedingEntry {
  /** Stable for the entry's lifetime (the page's DOM key). */
  key: string;
  track_id: number;
  label: string;
  zone: string;
  frame_number: number;
  speed_kmh: number;
  limit_kmh: number;
  occurred_at_ms: number;
  /** The persisted row, once known. */
  violation_id: number | null;
  snapshot_url: string | null;
  /** Local clock when the entry appeared: bounds how long the page looks for its row. */
  added_at_ms: number;
}

// A live event and its row carry the same track, zone and frame number; the row's time is
// when Redis took the event, within a second or so of the record's. A replay of the same clip
// repeats track, zone and frame, but at least a clip's length later.
const SAME_EVENT_MS = 5_000;
// The oldest rows go past this, so that a page left open for days stays small.
const MAX_ENTRIES = 500;
/** How long after an entry appears the page keeps fetching its persisted row and snapshot. */
export const ROW_WAIT_MS = 15_000;

/** Delay before fetch attempt `attempt` (0-based) of the rows: 0.5, 1, 2, 4, 4 ... s. */
export function rowRetryDelayMs(attempt: number): number {
  return Math.min(4_000, 500 * 2 ** attempt);
}

export class SpeedingLog {
  private readonly list: SpeedingEntry[] = [];
  private nextKey = 1;

  /** Newest first. */
  get entries(): readonly SpeedingEntry[] {
    return this.list;
  }

  /**
   * Adds a live speeding event seen in a record with `timestamp_ms`; null when it is not a
   * speeding event or already in the log.
   */
  addEvent(event: AnalyticsEvent, timestamp_ms: number, now_ms: number): SpeedingEntry | null {
    if (event.type !== 'speeding' || event.track_id === undefined || event.speed_kmh === undefined) return null;
    const zone = event.zone ?? '';
    const frame_number = event.frame_number ?? -1;
    if (this.list.some((e) => sameEvent(e, event.track_id!, zone, frame_number, timestamp_ms))) return null;
    return this.insert({
      key: `e${this.nextKey++}`,
      track_id: event.track_id,
      label: event.label ?? '',
      zone,
      frame_number,
      speed_kmh: event.speed_kmh,
      limit_kmh: event.limit_kmh ?? 0,
      occurred_at_ms: timestamp_ms,
      violation_id: null,
      snapshot_url: null,
      added_at_ms: now_ms,
    });
  }

  /**
   * Merges rows of /api/violations: attaches each to its entry (by id, else to the live event
   * it records) or adds it. Returns the entries that are new or whose row or snapshot changed.
   */
  addViolations(rows: readonly Violation[], now_ms: number): SpeedingEntry[] {
    const changed: SpeedingEntry[] = [];
    for (const row of rows) {
      const known =
        this.list.find((e) => e.violation_id === row.id) ??
        this.list.find((e) => e.violation_id === null && sameEvent(e, row.track_id, row.zone, row.frame_number, row.occurred_at_ms));
      if (!known) {
        const entry = this.insert({
          key: `v${row.id}`,
          track_id: row.track_id,
          label: row.label,
          zone: row.zone,
          frame_number: row.frame_number,
          speed_kmh: row.speed_kmh,
          limit_kmh: row.limit_kmh,
          occurred_at_ms: row.occurred_at_ms,
          violation_id: row.id,
          snapshot_url: row.snapshot_url,
          added_at_ms: now_ms,
        });
        if (entry) changed.push(entry);
      } else if (known.violation_id !== row.id || known.snapshot_url !== row.snapshot_url) {
        known.violation_id = row.id;
        known.snapshot_url = row.snapshot_url;
        changed.push(known);
      }
    }
    return changed;
  }

  /** Entries still waiting for their persisted row or its snapshot. */
  awaitingRows(now_ms: number): SpeedingEntry[] {
    return this.list.filter((e) => (e.violation_id === null || e.snapshot_url === null) && now_ms - e.added_at_ms < ROW_WAIT_MS);
  }

  // By time, newest first; an entry as old as others goes below them, so existing rows never
  // move relative to each other. Null when the entry is older than everything a full log keeps.
  private insert(entry: SpeedingEntry): SpeedingEntry | null {
    let at = this.list.findIndex((e) => e.occurred_at_ms < entry.occurred_at_ms);
    if (at < 0) at = this.list.length;
    if (at >= MAX_ENTRIES) return null;
    this.list.splice(at, 0, entry);
    this.list.length = Math.min(this.list.length, MAX_ENTRIES);
    return entry;
  }
}

function sameEvent(entry: SpeedingEntry, track_id: number, zone: string, frame_number: number, at_ms: number): boolean {
  return (
    entry.track_id === track_id &&
    entry.zone === zone &&
    entry.frame_number === frame_number &&
    Math.abs(entry.occurred_at_ms - at_ms) <= SAME_EVENT_MS
  );
}
