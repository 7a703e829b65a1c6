#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace rw::run {

using SteadyClock = std::chrono::steady_clock;

// Processing latency: for each frame, the wall time from entering yolodetect to reaching the
// analytics sink, matched by PTS (nothing in between changes it). enter() and leave() may be
// called from different streaming threads. Bounded: frames that never leave are forgotten.
class LatencyMeter {
 public:
  void enter(std::int64_t pts_ns, SteadyClock::time_point now);
  void leave(std::int64_t pts_ns, SteadyClock::time_point now);
  // Mean over the frames that left since the last call; nullopt when none did.
  std::optional<double> take_mean_ms();
  // A new pipeline: its PTS start over.
  void reset();

 private:
  static constexpr std::size_t kMaxInFlight = 512;
  std::mutex mutex_;
  std::deque<std::pair<std::int64_t, SteadyClock::time_point>> in_flight_;
  double sum_ms_ = 0;
  std::uint64_t count_ = 0;
};

// Frames per second between consecutive calls, from a running total.
class RateMeter {
 public:
  // 0 on the first call.
  double rate(std::uint64_t total, SteadyClock::time_point now);

 private:
  std::optional<std::pair<std::uint64_t, SteadyClock::time_point>> last_;
};

}  // namespace rw::run
