#include "status.hpp"

#include <cmath>
#include <cstdio>

namespace rw::run {
namespace {

std::string one_decimal(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", std::isfinite(value) ? value : 0.0);
  return text;
}

}  // namespace

std::string_view to_string(RunState state) {
  switch (state) {
    case RunState::kStarting:
      return "starting";
    case RunState::kRunning:
      return "running";
    case RunState::kReconnecting:
      return "reconnecting";
    case RunState::kStopped:
      return "stopped";
    case RunState::kFailed:
      return "failed";
  }
  return "unknown";
}

std::vector<std::pair<std::string, std::string>> status_fields(const Status &s) {
  return {
      {"state", std::string(to_string(s.state))},
      {"reason", s.reason},
      {"fps", one_decimal(s.fps)},
      {"latency_ms", s.latency_ms ? one_decimal(*s.latency_ms) : ""},
      {"frames", std::to_string(s.frames)},
      {"errors", std::to_string(s.errors)},
      {"warnings", std::to_string(s.warnings)},
      {"last_error", s.last_error},
      {"restarts", std::to_string(s.restarts)},
      {"config_version", s.config_version},
      {"updated_ms", std::to_string(s.updated_ms)},
  };
}

}  // namespace rw::run
