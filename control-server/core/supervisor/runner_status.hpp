#pragma once

// The status hash roadwatch-run writes ({prefix}:{source}:status, pipelines/README.md), how it
// updates the session the server shows, and when that is worth a database write.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "supervisor/session.hpp"

namespace rw::server {

struct RunnerStatus {
  std::optional<SessionState> state;  // nullopt: missing or unknown
  std::string reason;
  double fps = 0;
  std::optional<double> latency_ms;  // empty when no frame was published in the last period
  std::int64_t frames = 0;
  std::int64_t errors = 0;
  std::int64_t restarts = 0;  // the runner's own pipeline rebuilds
  std::string last_error;
  std::optional<int> config_version;  // empty: the template's settings (the session's files)
  std::int64_t updated_ms = 0;
};

// nullopt for an empty hash (no runner wrote it, or it expired). Malformed numbers read as 0:
// the hash is the runner's, and one bad field must not hide the others.
std::optional<RunnerStatus> parse_runner_status(const std::map<std::string, std::string> &hash);

// A status left by an earlier runner of the same source (the hash lives up to its TTL) must not
// describe a new one: only updates written since the child was started count.
bool status_is_current(const RunnerStatus &status, std::int64_t child_started_unix_ms);

// What the session shows while its runner lives. `supervisor_restarts` counts the children the
// server restarted; the session's restarts add the runner's own rebuilds. Frames, errors, fps
// and latency are the current runner's. The runner's stopped/failed states wait for its exit,
// which decides what happens next; while a stop is under way the state stays as it is.
void apply_runner_status(Session &session, const RunnerStatus &status,
                         std::int64_t supervisor_restarts, std::optional<int> files_version);

// Whether `current` should be written over `written` (the row as last stored): at once when
// anything but the counters changed, the counters (frames, fps, latency) at most every
// `counter_period`.
bool write_due(const Session &written, const Session &current,
               std::chrono::milliseconds since_last_write,
               std::chrono::milliseconds counter_period = std::chrono::seconds(5));

}  // namespace rw::server
