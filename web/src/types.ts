// The server's JSON shapes (docs/api.md), as the dashboard uses them.
export type Point = [number, number];

export interface CountingLine {
  name: string;
  points: [Point, Point];
}

export interface Calibration {
  image_points?: Point[];
  world_points?: Point[];
  homography?: number[][];
  units?: string;
}

export type SessionState = 'starting' | 'running' | 'reconnecting' | 'stopped' | 'failed';

export interface Session {
  id: number;
  source_id: number;
  kind: 'video' | 'camera';
  state: SessionState;
  desired_state: string;
  reason: string;
  fps: number | null;
  latency_ms: number | null;
  frames: number | null;
  errors: number | null;
  restarts: number;
  last_error: string;
  pid: number | null;
  started_at: string | null;
  stopped_at: string | null;
  config_version: number;
}

export interface Source {
  id: number;
  kind: 'video' | 'camera';
  name: string;
  uri?: string;
  size_bytes: number | null;
  fps: number | null;
  roi: { roi_polygon: Point[] } | null;
  lines: CountingLine[] | null;
  calibration: Calibration | null;
  speed_limit_kmh: number | null;
  config_version: number;
  created_at: string;
  updated_at: string;
  session: Session | null;
}

export interface LiveUpdate {
  status: 'applied' | 'not_running' | 'failed';
  session?: Session;
  error?: { code: string; message: string };
}

export interface Violation {
  id: number;
  source_id: number;
  session_id: number;
  track_id: number;
  label: string;
  zone: string;
  speed_kmh: number;
  limit_kmh: number;
  frame_number: number;
  pts_ns: number;
  occurred_at: string;
  occurred_at_ms: number;
  snapshot_url: string | null;
}

export interface TimeBucket {
  start: string;
  start_ms: number;
  vehicles: number;
  by_class: Record<string, number>;
  mean_speed_kmh: number | null;
  p85_speed_kmh: number | null;
  violations: number;
}

export interface TimeSeries {
  source: number | null;
  window: string;
  from: string;
  to: string;
  buckets: TimeBucket[];
}

/** A roadwatch/1 object as carried in analytics messages (bbox normalised to 0..1). */
export interface TrackedObject {
  track_id?: number;
  class_id: number;
  label: string;
  confidence: number;
  bbox: { x: number; y: number; w: number; h: number };
  speed_kmh?: number;
  speed_err_kmh?: number;
  world?: { x: number; y: number };
  zones?: string[];
}

export interface AnalyticsEvent {
  type: 'enter' | 'exit' | 'line_cross' | 'speeding' | 'end_of_stream' | string;
  track_id?: number;
  label?: string;
  zone?: string;
  line?: string;
  direction?: string;
  speed_kmh?: number;
  limit_kmh?: number;
  frame_number?: number;
  pts_ns?: number;
}

export interface AnalyticsStats {
  total_vehicles?: number;
  current_in_roi?: number;
  speeding_count?: number;
  by_class?: Record<string, number>;
  line_counts?: Record<string, { forward: number; backward: number }>;
}

export interface AnalyticsData {
  video_id: number;
  frame_number: number;
  timestamp: number;
  pts_ns?: number;
  frame_size: { w: number; h: number };
  stats: AnalyticsStats;
  speeding_vehicles: unknown[];
  objects: TrackedObject[];
  events: AnalyticsEvent[];
}
