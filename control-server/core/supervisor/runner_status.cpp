#include "supervisor/runner_status.hpp"

#include <charconv>
#include <cmath>

namespace rw::server {
namespace {

// A clock step between two processes of one machine is not expected; a little slack covers the
// runner writing its first status in the same millisecond the server noted the spawn.
constexpr std::int64_t kClockSlackMs = 1000;

std::string field(const std::map<std::string, std::string> &hash, const char *name) {
  const auto it = hash.find(name);
  return it == hash.end() ? std::string() : it->second;
}

template <typename T>
std::optional<T> number(const std::string &text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(value)) return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<RunnerStatus> parse_runner_status(const std::map<std::string, std::string> &hash) {
  if (hash.empty()) return std::nullopt;
  RunnerStatus status;
  status.state = parse_session_state(field(hash, "state"));
  status.reason = field(hash, "reason");
  status.fps = number<double>(field(hash, "fps")).value_or(0);
  status.latency_ms = number<double>(field(hash, "latency_ms"));
  status.frames = number<std::int64_t>(field(hash, "frames")).value_or(0);
  status.errors = number<std::int64_t>(field(hash, "errors")).value_or(0);
  status.restarts = number<std::int64_t>(field(hash, "restarts")).value_or(0);
  status.last_error = field(hash, "last_error");
  status.config_version = number<int>(field(hash, "config_version"));
  status.updated_ms = number<std::int64_t>(field(hash, "updated_ms")).value_or(0);
  return status;
}

bool status_is_current(const RunnerStatus &status, std::int64_t child_started_unix_ms) {
  return status.updated_ms + kClockSlackMs >= child_started_unix_ms;
}

void apply_runner_status(Session &session, const RunnerStatus &status,
                         std::int64_t supervisor_restarts, std::optional<int> files_version) {
  const bool live_state = status.state == SessionState::kStarting ||
                          status.state == SessionState::kRunning ||
                          status.state == SessionState::kReconnecting;
  if (session.desired_running && live_state) {
    session.state = *status.state;
    session.reason = status.reason;
  }
  session.fps = status.fps;
  session.latency_ms = status.latency_ms.value_or(0);
  session.frames = status.frames;
  session.errors = status.errors;
  session.restarts = supervisor_restarts + status.restarts;
  if (!status.last_error.empty()) session.last_error = status.last_error;
  session.config_version = status.config_version ? status.config_version : files_version;
}

bool write_due(const Session &written, const Session &current,
               std::chrono::milliseconds since_last_write,
               std::chrono::milliseconds counter_period) {
  const bool counters_changed = written.frames != current.frames || written.fps != current.fps ||
                                written.latency_ms != current.latency_ms;
  Session rest = current;
  rest.frames = written.frames;
  rest.fps = written.fps;
  rest.latency_ms = written.latency_ms;
  rest.config_version = written.config_version;  // no column: not a reason to write
  if (!(rest == written)) return true;
  return counters_changed && since_last_write >= counter_period;
}

}  // namespace rw::server
