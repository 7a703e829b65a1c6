#pragma once

// A session: one run of roadwatch-run for one source, as the sessions table stores it and the
// API shows it. `state` is what the run is doing, `desired_state` what the operator asked for,
// so that a restarted server knows what should be running.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "db/rows.hpp"

namespace rw::server {

enum class SessionState { kStarting, kRunning, kReconnecting, kStopped, kFailed };
enum class SourceKind { kVideo, kCamera };

std::string_view to_string(SessionState state);
std::string_view to_string(SourceKind kind);
// nullopt for a name the schema does not allow.
std::optional<SessionState> parse_session_state(std::string_view text);
std::optional<SourceKind> parse_source_kind(std::string_view text);

struct Session {
  std::int64_t id = 0;
  int source_id = 0;
  SourceKind kind = SourceKind::kVideo;
  SessionState state = SessionState::kStarting;
  bool desired_running = true;
  std::string reason;
  double fps = 0;
  double latency_ms = 0;
  std::int64_t frames = 0;
  std::int64_t errors = 0;
  std::int64_t restarts = 0;
  std::string last_error;
  std::optional<int> pid;
  std::int64_t started_at_ms = 0;  // Unix time
  std::optional<std::int64_t> stopped_at_ms;
  std::optional<int> config_version;  // of the source's settings the run uses; unknown: nullopt

  bool operator==(const Session &) const = default;
};

// {"id", "source_id", "kind", "state", "desired_state", "reason", "fps", "latency_ms", "frames",
// "errors", "restarts", "last_error", "pid", "started_at", "stopped_at", "config_version"};
// times in ISO-8601 UTC with milliseconds, absent values null.
nlohmann::json session_json(const Session &session);

// Row `row` of a result with the columns id, source_id, kind, state, desired_state, reason, fps,
// latency_ms, frames, errors, restarts, last_error, pid, started_at_ms, stopped_at_ms (times as
// Unix ms). Throws std::invalid_argument naming a missing or malformed column.
Session session_from_row(const SqlRows &rows, std::size_t row);

// Column helpers; each throws std::invalid_argument naming the column. A column the result
// does not have reads as NULL.
std::string row_text(const SqlRows &rows, std::size_t row, std::string_view column);
std::int64_t row_integer(const SqlRows &rows, std::size_t row, std::string_view column);
std::optional<std::int64_t> row_optional_integer(const SqlRows &rows, std::size_t row,
                                                 std::string_view column);
std::optional<double> row_optional_number(const SqlRows &rows, std::size_t row,
                                          std::string_view column);

}  // namespace rw::server
