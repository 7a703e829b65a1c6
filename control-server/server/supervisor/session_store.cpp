#include "supervisor/session_store.hpp"

#include <cstdio>
#include <exception>

namespace rw::server::session_store {
namespace {

// Times as Unix milliseconds; the core formats them.
constexpr const char *kSessionColumns =
    "s.id, s.source_id, src.kind, s.state, s.desired_state, s.reason, s.fps, s.latency_ms, "
    "s.frames, s.errors, s.restarts, s.last_error, s.pid, "
    "(extract(epoch FROM s.started_at) * 1000)::bigint AS started_at_ms, "
    "(extract(epoch FROM s.stopped_at) * 1000)::bigint AS stopped_at_ms";
constexpr const char *kUniqueViolation = "23505";

// 503 while PostgreSQL is away, 500 for anything else: both say what failed.
ApiError query_error(const PgResult &result, const std::string &what) {
  if (result.is_unavailable()) {
    return {503, "database_unavailable",
            "the database is unavailable (" + what + "): " + result.error()};
  }
  return ApiError::internal(what + " failed: " + result.error());
}

std::vector<Session> sessions_of(const PgResult &result) {
  const SqlRows rows = result.sql_rows();
  std::vector<Session> sessions;
  for (std::size_t row = 0; row < rows.rows.size(); ++row) {
    sessions.push_back(session_from_row(rows, row));
  }
  return sessions;
}

std::string decimal(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

// Runs `convert` on a good result; a row the core cannot read is a 500 naming it.
template <typename T, typename Convert>
PgAsync::Callback answer(Callback<T> cb, std::string what, Convert convert) {
  return [cb = std::move(cb), what = std::move(what), convert](const PgResult &result) {
    if (!result.ok()) return cb(query_error(result, what));
    std::variant<T, ApiError> outcome;
    try {
      outcome = convert(result);
    } catch (const std::exception &e) {
      outcome = ApiError::internal(what + ": " + e.what());
    }
    cb(std::move(outcome));
  };
}

}  // namespace

void load_source(PgAsync &pg, int source_id, Callback<SourceConfig> cb) {
  pg.query(
      {"SELECT id, kind, file_path, uri, roi::text AS roi, lines::text AS lines, "
       "calibration::text AS calibration, speed_limit_kmh, config_version "
       "FROM sources WHERE id = $1",
       {PgParam::number(source_id)}},
      answer<SourceConfig>(
          std::move(cb), "reading source " + std::to_string(source_id),
          [source_id](const PgResult &result) -> std::variant<SourceConfig, ApiError> {
            if (result.rows() == 0) {
              return ApiError::not_found("no video or camera with id " + std::to_string(source_id));
            }
            return source_from_row(result.sql_rows(), 0);
          }));
}

void insert_session(PgAsync &pg, int source_id, Callback<Session> cb) {
  pg.query({std::string("WITH s AS (INSERT INTO sessions (source_id, state, desired_state, reason) "
                        "VALUES ($1, 'starting', 'running', 'starting roadwatch-run') "
                        "RETURNING *) SELECT ") +
                kSessionColumns + " FROM s JOIN sources src ON src.id = s.source_id",
            {PgParam::number(source_id)}},
           [cb = std::move(cb), source_id](const PgResult &result) {
             // The unique index sessions_one_running: another request started it first.
             if (!result.ok() && result.sqlstate() == kUniqueViolation) {
               return cb(ApiError::conflict("source " + std::to_string(source_id) +
                                            " already has a running session"));
             }
             answer<Session>(cb, "creating a session",
                             [](const PgResult &r) -> std::variant<Session, ApiError> {
                               if (r.rows() != 1) {
                                 return ApiError::internal("creating a session returned no row");
                               }
                               return session_from_row(r.sql_rows(), 0);
                             })(result);
           });
}

void update_session(PgAsync &pg, const Session &s, Callback<std::int64_t> cb) {
  pg.query(
      {"UPDATE sessions SET state = $2, desired_state = $3, reason = $4, pid = $5, "
       "restarts = $6, frames = $7, fps = $8, latency_ms = $9, errors = $10, last_error = $11, "
       "stopped_at = to_timestamp($12::bigint / 1000.0) WHERE id = $1",
       {PgParam::number(s.id), PgParam::text(std::string(to_string(s.state))),
        PgParam::text(s.desired_running ? "running" : "stopped"), PgParam::text(s.reason),
        s.pid ? PgParam::number(*s.pid) : PgParam::null(), PgParam::number(s.restarts),
        PgParam::number(s.frames), PgParam::text(decimal(s.fps)),
        PgParam::text(decimal(s.latency_ms)), PgParam::number(s.errors),
        PgParam::text(s.last_error),
        s.stopped_at_ms ? PgParam::number(*s.stopped_at_ms) : PgParam::null()}},
      answer<std::int64_t>(std::move(cb), "updating session " + std::to_string(s.id),
                           [](const PgResult &result) -> std::variant<std::int64_t, ApiError> {
                             return result.affected();
                           }));
}

void load_unfinished_sessions(PgAsync &pg, Callback<std::vector<Session>> cb) {
  pg.query({std::string("SELECT ") + kSessionColumns +
                " FROM sessions s JOIN sources src ON src.id = s.source_id "
                "WHERE s.desired_state = 'running' "
                "OR s.state IN ('starting', 'running', 'reconnecting') ORDER BY s.id",
            {}},
           answer<std::vector<Session>>(
               std::move(cb), "reading unfinished sessions",
               [](const PgResult &result) -> std::variant<std::vector<Session>, ApiError> {
                 return sessions_of(result);
               }));
}

void list_sessions(PgAsync &pg, int limit, Callback<std::vector<Session>> cb) {
  pg.query({std::string("SELECT ") + kSessionColumns +
                " FROM sessions s JOIN sources src ON src.id = s.source_id "
                "ORDER BY s.id DESC LIMIT $1",
            {PgParam::number(limit)}},
           answer<std::vector<Session>>(
               std::move(cb), "listing sessions",
               [](const PgResult &result) -> std::variant<std::vector<Session>, ApiError> {
                 return sessions_of(result);
               }));
}

void get_session(PgAsync &pg, std::int64_t session_id, Callback<Session> cb) {
  pg.query({std::string("SELECT ") + kSessionColumns +
                " FROM sessions s JOIN sources src ON src.id = s.source_id WHERE s.id = $1",
            {PgParam::number(session_id)}},
           answer<Session>(std::move(cb), "reading session " + std::to_string(session_id),
                           [session_id](const PgResult &result) -> std::variant<Session, ApiError> {
                             if (result.rows() == 0) {
                               return ApiError::not_found("no session with id " +
                                                          std::to_string(session_id));
                             }
                             return session_from_row(result.sql_rows(), 0);
                           }));
}

}  // namespace rw::server::session_store
