#include "rw/publish/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace rw::publish {

Backoff::Backoff(Config config, std::uint64_t seed)
    : config_(config), base_(config.initial), rng_(seed) {
  config_.jitter = std::clamp(config_.jitter, 0.0, 1.0);
  config_.max = std::max(config_.max, config_.initial);
}

std::chrono::milliseconds Backoff::next() {
  const auto base_ms = static_cast<double>(base_.count());
  std::uniform_real_distribution<double> spread(1.0 - config_.jitter, 1.0);
  const auto delay = std::chrono::milliseconds(std::llround(base_ms * spread(rng_)));
  base_ = std::min(base_ * 2, config_.max);
  return delay;
}

void Backoff::reset() {
  base_ = config_.initial;
}

}  // namespace rw::publish
