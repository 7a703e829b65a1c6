#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace rw::publish {

// Delays between reconnect attempts: the base doubles from `initial` up to `max`, and each
// delay is drawn from [(1 - jitter) * base, base] so that many pipelines that lost the same
// Redis do not all come back in the same millisecond. reset() after a success.
class Backoff {
 public:
  struct Config {
    std::chrono::milliseconds initial{100};
    std::chrono::milliseconds max{5000};
    double jitter = 0.5;  // 0 = exact doubling
  };

  Backoff(Config config, std::uint64_t seed);

  std::chrono::milliseconds next();
  void reset();

 private:
  Config config_;
  std::chrono::milliseconds base_;
  std::mt19937_64 rng_;
};

}  // namespace rw::publish
