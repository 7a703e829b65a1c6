// rw::publish::Backoff: doubling to the cap, jitter bounds, seeded repeatability, reset.
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "rw/publish/backoff.hpp"

namespace {

using rw::publish::Backoff;
using std::chrono::milliseconds;

std::vector<long long> delays(Backoff &backoff, int n) {
  std::vector<long long> out;
  for (int i = 0; i < n; ++i) out.push_back(backoff.next().count());
  return out;
}

TEST(Backoff, DoublesToTheCapWithoutJitter) {
  Backoff backoff({milliseconds(100), milliseconds(5000), 0.0}, 1);
  EXPECT_EQ(delays(backoff, 9),
            (std::vector<long long>{100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000}));
}

TEST(Backoff, ResetStartsOver) {
  Backoff backoff({milliseconds(100), milliseconds(5000), 0.0}, 1);
  delays(backoff, 4);
  backoff.reset();
  EXPECT_EQ(delays(backoff, 2), (std::vector<long long>{100, 200}));
}

// Each delay lies in [(1 - jitter) * base, base] for the doubling base.
TEST(Backoff, JitterStaysInItsBand) {
  Backoff backoff({milliseconds(100), milliseconds(5000), 0.5}, 42);
  const std::vector<long long> base = {100, 200, 400, 800, 1600, 3200, 5000, 5000};
  for (int round = 0; round < 50; ++round) {
    for (long long b : base) {
      const long long d = backoff.next().count();
      EXPECT_GE(d, b / 2);
      EXPECT_LE(d, b);
    }
    backoff.reset();
  }
}

// The same seed gives the same delays (tests can rely on it); other seeds spread out.
TEST(Backoff, SeededRepeatability) {
  Backoff a({milliseconds(100), milliseconds(5000), 0.5}, 7);
  Backoff b({milliseconds(100), milliseconds(5000), 0.5}, 7);
  Backoff c({milliseconds(100), milliseconds(5000), 0.5}, 8);
  const std::vector<long long> first = delays(a, 10);
  EXPECT_EQ(first, delays(b, 10));
  EXPECT_NE(first, delays(c, 10));
}

// A cap below the start is raised to it rather than shrinking delays.
TEST(Backoff, CapBelowInitial) {
  Backoff backoff({milliseconds(300), milliseconds(100), 0.0}, 1);
  EXPECT_EQ(delays(backoff, 3), (std::vector<long long>{300, 300, 300}));
}

}  // namespace
