-- roadwatch schema, version 1. Applied once, in one transaction, by roadwatch-server at start
-- (schema_migrations records it). Never edit a released migration: add 002_*.sql.

-- Videos and cameras share one table (same shape: zones, calibration, speed limit) so that
-- their ids never collide: the WebSocket channels processed_frame_{id} and the Redis keys
-- roadwatch:{id}:* use this id for both kinds.
CREATE TABLE sources (
    id              SERIAL PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('video', 'camera')),
    name            VARCHAR(255) NOT NULL,
    file_path       TEXT,                 -- video: server-chosen path under the data directory
    uri             TEXT,                 -- camera: any GStreamer URI
    size_bytes      BIGINT,               -- video
    fps             REAL DEFAULT 30.0,
    roi             JSONB,                -- {"roi_polygon": [[x, y], ...]} in pixels (seed shape)
    lines           JSONB,                -- [{"name": "count", "points": [[x, y], [x, y]]}]
    calibration     JSONB,                -- homographyspeed calibration (image/world points, H)
    speed_limit_kmh REAL,                 -- NULL or 0: no speeding events
    config_version  INTEGER NOT NULL DEFAULT 0,  -- bumped by every PATCH of the above
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((kind = 'video' AND file_path IS NOT NULL) OR (kind = 'camera' AND uri IS NOT NULL))
);

-- The seed's videos table, column for column, plus ours; and cameras in the same shape.
CREATE VIEW videos AS
    SELECT id, name, file_path, roi, calibration -> 'image_points' AS calibrate_coordinates,
           calibration -> 'homography' AS homography_matrix,
           calibration -> 'camera_matrix' AS camera_matrix, fps, created_at, updated_at,
           speed_limit_kmh, calibration, lines, size_bytes
      FROM sources WHERE kind = 'video';
CREATE VIEW cameras AS
    SELECT id, name, uri, roi, calibration, lines, speed_limit_kmh, created_at, updated_at
      FROM sources WHERE kind = 'camera';

-- One row per run of a pipeline. desired_state is what the operator asked for, so that a
-- restarted server knows what should be running.
CREATE TABLE sessions (
    id            BIGSERIAL PRIMARY KEY,
    source_id     INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    state         TEXT NOT NULL CHECK (state IN ('starting', 'running', 'reconnecting',
                                                 'stopped', 'failed')),
    desired_state TEXT NOT NULL CHECK (desired_state IN ('running', 'stopped')),
    reason        TEXT NOT NULL DEFAULT '',
    pid           INTEGER,
    restarts      INTEGER NOT NULL DEFAULT 0,
    frames        BIGINT NOT NULL DEFAULT 0,
    fps           REAL NOT NULL DEFAULT 0,
    latency_ms    REAL NOT NULL DEFAULT 0,
    errors        INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    started_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    stopped_at    TIMESTAMPTZ,
    -- The target of the (session_id, source_id) foreign keys below: an event whose run is not a
    -- session of its source is refused (SQLSTATE 23503) and dead-lettered, never stored.
    UNIQUE (id, source_id)
);
CREATE INDEX sessions_source ON sessions (source_id, id DESC);
-- At most one session per source wants to run.
CREATE UNIQUE INDEX sessions_one_running ON sessions (source_id) WHERE desired_state = 'running';

-- The end-of-stream summary of each run (seed video_analytics, one row per session).
CREATE TABLE video_analytics (
    id                        BIGSERIAL PRIMARY KEY,
    session_id                BIGINT NOT NULL UNIQUE,
    video_id                  INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    total_vehicles_count      INTEGER NOT NULL,
    avg_dwell_time            REAL,
    vehicle_type_distribution JSONB NOT NULL,
    violations                INTEGER NOT NULL DEFAULT 0,
    processed_at              TIMESTAMPTZ NOT NULL DEFAULT now(),  -- the end_of_stream's time
    FOREIGN KEY (session_id, video_id) REFERENCES sessions (id, source_id) ON DELETE CASCADE
);
CREATE INDEX video_analytics_video ON video_analytics (video_id, session_id DESC);

-- Append-only. The natural key makes a replayed event (Redis redelivery, a restarted
-- pipeline re-reading its file) a no-op: one row per track, zone and reporting frame per run.
CREATE TABLE speeding_violations (
    id           BIGSERIAL PRIMARY KEY,
    session_id   BIGINT NOT NULL,
    source_id    INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    track_id     BIGINT NOT NULL,
    zone         TEXT NOT NULL,
    frame_number BIGINT NOT NULL,
    pts_ns       BIGINT NOT NULL,
    label        TEXT NOT NULL DEFAULT '',
    speed_kmh    REAL NOT NULL,
    limit_kmh    REAL NOT NULL,
    occurred_at  TIMESTAMPTZ NOT NULL,    -- the record's ts_unix_ms
    snapshot     BYTEA,                   -- JPEG of the violation frame
    UNIQUE (session_id, track_id, zone, frame_number),
    FOREIGN KEY (session_id, source_id) REFERENCES sessions (id, source_id) ON DELETE CASCADE
);
-- JPEG does not compress: store it out of line without trying.
ALTER TABLE speeding_violations ALTER COLUMN snapshot SET STORAGE EXTERNAL;
CREATE INDEX speeding_violations_source_time ON speeding_violations (source_id, occurred_at);
CREATE INDEX speeding_violations_time ON speeding_violations (occurred_at);

-- One row per vehicle per run: counted when it first enters a zone, its speed filled in when
-- it leaves. traffic_metrics is rebuilt from these, so replays cannot double-count.
CREATE TABLE vehicle_passages (
    session_id  BIGINT NOT NULL,
    source_id   INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    track_id    BIGINT NOT NULL,
    label       TEXT NOT NULL,
    entered_at  TIMESTAMPTZ NOT NULL,
    speed_kmh   REAL,                 -- mean speed in the first zone it left with one
    PRIMARY KEY (session_id, track_id),
    FOREIGN KEY (session_id, source_id) REFERENCES sessions (id, source_id) ON DELETE CASCADE
);
CREATE INDEX vehicle_passages_source_time ON vehicle_passages (source_id, entered_at);
CREATE INDEX vehicle_passages_time ON vehicle_passages (entered_at);

-- Per-minute buckets by source and class, rebuilt from vehicle_passages and
-- speeding_violations whenever an event touches the minute; wider windows are rolled up at
-- query time (p85 from the passages: percentiles do not roll up).
CREATE TABLE traffic_metrics (
    source_id       INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    bucket_start    TIMESTAMPTZ NOT NULL,   -- whole minute
    label           TEXT NOT NULL,
    vehicle_count   INTEGER NOT NULL,
    speed_count     INTEGER NOT NULL,       -- vehicles with a measured speed
    speed_sum_kmh   DOUBLE PRECISION NOT NULL,
    speed_p85_kmh   REAL,
    violations      INTEGER NOT NULL,
    PRIMARY KEY (source_id, bucket_start, label)
);
CREATE INDEX traffic_metrics_time ON traffic_metrics (bucket_start);
