#include "meters.hpp"

#include <algorithm>

namespace rw::run {

void LatencyMeter::enter(std::int64_t pts_ns, SteadyClock::time_point now) {
  std::lock_guard lock(mutex_);
  if (in_flight_.size() == kMaxInFlight) in_flight_.pop_front();
  in_flight_.emplace_back(pts_ns, now);
}

void LatencyMeter::leave(std::int64_t pts_ns, SteadyClock::time_point now) {
  std::lock_guard lock(mutex_);
  const auto it = std::find_if(in_flight_.begin(), in_flight_.end(),
                               [pts_ns](const auto &entry) { return entry.first == pts_ns; });
  if (it == in_flight_.end()) return;
  sum_ms_ += std::chrono::duration<double, std::milli>(now - it->second).count();
  ++count_;
  // Frames leave in order: anything that entered before this one is not coming.
  in_flight_.erase(in_flight_.begin(), it + 1);
}

std::optional<double> LatencyMeter::take_mean_ms() {
  std::lock_guard lock(mutex_);
  if (count_ == 0) return std::nullopt;
  const double mean = sum_ms_ / static_cast<double>(count_);
  sum_ms_ = 0;
  count_ = 0;
  return mean;
}

void LatencyMeter::reset() {
  std::lock_guard lock(mutex_);
  in_flight_.clear();
  sum_ms_ = 0;
  count_ = 0;
}

double RateMeter::rate(std::uint64_t total, SteadyClock::time_point now) {
  double fps = 0;
  if (last_ && now > last_->second && total >= last_->first) {
    const double seconds = std::chrono::duration<double>(now - last_->second).count();
    fps = static_cast<double>(total - last_->first) / seconds;
  }
  last_ = {total, now};
  return fps;
}

}  // namespace rw::run
