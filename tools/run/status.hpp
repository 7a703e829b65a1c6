#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rw::run {

enum class RunState { kStarting, kRunning, kReconnecting, kStopped, kFailed };

std::string_view to_string(RunState state);

// What roadwatch-run reports in {prefix}:{source}:status (pipelines/README.md).
struct Status {
  RunState state = RunState::kStarting;
  std::string reason;                // why it is in this state ("end of stream", "stall: ...")
  double fps = 0;                    // frames published per second over the last status period
  std::optional<double> latency_ms;  // mean detect-to-publish time over that period
  std::uint64_t frames = 0;          // frames published since the runner started
  std::uint64_t errors = 0;          // pipeline errors and stalls
  std::uint64_t warnings = 0;        // element warnings and rejected config versions
  std::string last_error;            // the latest error or warning
  std::uint64_t restarts = 0;        // pipeline rebuilds
  std::string config_version;        // of the config hash in effect; empty: the template's
  std::int64_t updated_ms = 0;       // Unix time of this snapshot
};

// The hash fields, in a fixed order; numbers in plain decimal (fps and latency with one
// decimal), latency_ms empty when no frame was published in the period.
std::vector<std::pair<std::string, std::string>> status_fields(const Status &status);

}  // namespace rw::run
