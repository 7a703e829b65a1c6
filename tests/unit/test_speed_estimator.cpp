// SpeedEstimator: known constant-velocity tracks under irregular PTS, outliers and noise.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "rw/common/error.hpp"
#include "rw/geometry/speed_estimator.hpp"

namespace {

using rw::geometry::Kinematics;
using rw::geometry::Observation;
using rw::geometry::SpeedEstimator;
using rw::geometry::SpeedEstimatorConfig;

constexpr std::int64_t kStartNs = 5'000'000'000;  // streams rarely start at 0
constexpr std::int64_t kFrameNs = 33'333'333;     // 30 fps
constexpr double kSpeedMps = 20.0;                // 72 km/h

// Position of a vehicle moving along +x at kSpeedMps through (0, 3) at kStartNs.
Observation along_x(std::int64_t pts_ns, double sigma_m = 0) {
  const double t_s = static_cast<double>(pts_ns - kStartNs) * 1e-9;
  return {pts_ns, {kSpeedMps * t_s, 3.0}, sigma_m};
}

// Feeds the PTS in order; checks every valid result has the exact speed, and that results
// turn valid once the span reaches 300 ms with 4 points.
void expect_exact_speed(const std::vector<std::int64_t> &pts_ns) {
  SpeedEstimator estimator;
  int valid = 0;
  for (std::size_t i = 0; i < pts_ns.size(); ++i) {
    const Kinematics k = estimator.update(1, along_x(pts_ns[i]));
    const bool enough = i >= 3 && pts_ns[i] - pts_ns[0] >= 300'000'000;
    ASSERT_EQ(k.valid, enough) << "frame " << i;
    if (!k.valid) continue;
    ++valid;
    EXPECT_NEAR(k.speed_mps, kSpeedMps, 1e-9) << "frame " << i;
    EXPECT_NEAR(k.world_m.x, along_x(pts_ns[i]).world_m.x, 1e-9);
    EXPECT_NEAR(k.heading_deg, 90.0, 1e-9);
  }
  EXPECT_GT(valid, 10);
}

TEST(SpeedEstimator, ConstantSpeedAt30Fps) {
  std::vector<std::int64_t> pts;
  for (std::int64_t i = 0; i < 90; ++i) pts.push_back(kStartNs + i * kFrameNs);
  expect_exact_speed(pts);
}

TEST(SpeedEstimator, DroppedFramesDoNotBiasSpeed) {
  std::vector<std::int64_t> pts;
  for (std::int64_t i = 0; i < 90; ++i) {
    if (i % 3 != 2) pts.push_back(kStartNs + i * kFrameNs);
  }
  expect_exact_speed(pts);
}

TEST(SpeedEstimator, VariableFrameIntervalsDoNotBiasSpeed) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<std::int64_t> interval_ns(20'000'000, 50'000'000);
  std::vector<std::int64_t> pts = {kStartNs};
  while (pts.size() < 120) pts.push_back(pts.back() + interval_ns(rng));
  expect_exact_speed(pts);
}

TEST(SpeedEstimator, InvalidBeforeMinSpan) {
  SpeedEstimator estimator;
  // 9 frames span 299.99 ms: not yet.
  for (std::int64_t i = 0; i < 10; ++i) {
    const Kinematics k = estimator.update(7, along_x(kStartNs + i * kFrameNs));
    EXPECT_FALSE(k.valid);
    EXPECT_EQ(k.speed_mps, 0);
    EXPECT_EQ(k.world_m, along_x(kStartNs + i * kFrameNs).world_m);
  }
  EXPECT_TRUE(estimator.update(7, along_x(kStartNs + 10 * kFrameNs)).valid);
}

TEST(SpeedEstimator, OneGrossOutlierIsRejected) {
  SpeedEstimator estimator;
  for (std::int64_t i = 0; i < 90; ++i) {
    Observation o = along_x(kStartNs + i * kFrameNs);
    if (i == 40) o.world_m.x += 5.0;
    const Kinematics k = estimator.update(1, o);
    if (i >= 10) {
      ASSERT_TRUE(k.valid);
      EXPECT_NEAR(k.speed_mps, kSpeedMps, 0.05) << "frame " << i;
    }
  }
}

TEST(SpeedEstimator, SigmaMatchesTheSpreadUnderNoise) {
  constexpr double kNoiseM = 0.1;
  constexpr int kSeeds = 300;
  double sum = 0, sum_sq = 0, sum_sigma = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    std::normal_distribution<double> noise(0.0, kNoiseM);
    SpeedEstimator estimator;
    Kinematics k;
    for (std::int64_t i = 0; i < 60; ++i) {
      Observation o = along_x(kStartNs + i * kFrameNs, kNoiseM);
      o.world_m += cv::Point2d(noise(rng), noise(rng));
      k = estimator.update(1, o);
    }
    ASSERT_TRUE(k.valid);
    sum += k.speed_mps;
    sum_sq += k.speed_mps * k.speed_mps;
    sum_sigma += k.speed_sigma_mps;
  }
  const double mean = sum / kSeeds;
  const double spread = std::sqrt(sum_sq / kSeeds - mean * mean);
  const double mean_sigma = sum_sigma / kSeeds;
  // 30 points over 1 s: sigma / sqrt(sum (t - t_mean)^2) = 0.1 / sqrt(2.5) ~ 0.063 m/s.
  EXPECT_NEAR(mean_sigma, 0.1 / std::sqrt(30 * (29.0 * 31.0 / 12.0) / 900.0), 0.01);
  EXPECT_NEAR(mean, kSpeedMps, 0.02);
  EXPECT_GT(mean_sigma, spread / 2);
  EXPECT_LT(mean_sigma, spread * 2);
}

TEST(SpeedEstimator, HeadingIsClockwiseFromPlusY) {
  const std::vector<std::pair<cv::Point2d, double>> cases = {
      {{0, 1}, 0}, {{1, 0}, 90}, {{0, -1}, 180}, {{-1, 0}, 270}, {{1, 1}, 45}};
  for (const auto &[direction, heading_deg] : cases) {
    SpeedEstimator estimator;
    Kinematics k;
    for (std::int64_t i = 0; i < 20; ++i) {
      const double t_s = static_cast<double>(i * kFrameNs) * 1e-9;
      k = estimator.update(1, {kStartNs + i * kFrameNs, direction * (10.0 * t_s), 0});
    }
    ASSERT_TRUE(k.valid);
    EXPECT_NEAR(k.heading_deg, heading_deg, 1e-9) << direction.x << ", " << direction.y;
    EXPECT_NEAR(k.speed_mps, 10.0 * cv::norm(direction), 1e-9);
  }
}

TEST(SpeedEstimator, OutOfOrderAndDuplicatePtsAreIgnored) {
  SpeedEstimator estimator, reference;
  Kinematics last;
  for (std::int64_t i = 0; i < 20; ++i) {
    last = estimator.update(1, along_x(kStartNs + i * kFrameNs));
    reference.update(1, along_x(kStartNs + i * kFrameNs));
  }
  const std::int64_t last_pts = kStartNs + 19 * kFrameNs;
  for (const std::int64_t pts : {last_pts, last_pts - kFrameNs / 2, kStartNs}) {
    const Kinematics k = estimator.update(1, {pts, {100, 100}, 0});
    EXPECT_EQ(k.world_m, last.world_m);
    EXPECT_EQ(k.speed_mps, last.speed_mps);
  }
  const Observation next = along_x(last_pts + kFrameNs);
  EXPECT_EQ(estimator.update(1, next).speed_mps, reference.update(1, next).speed_mps);
}

TEST(SpeedEstimator, NonFiniteObservationsAreIgnored) {
  SpeedEstimator estimator;
  const double nan = std::nan("");
  EXPECT_FALSE(estimator.update(1, {kStartNs, {nan, 0}, 0}).valid);
  EXPECT_EQ(estimator.track_count(), 0u);
}

TEST(SpeedEstimator, EvictsTheLeastRecentlyUpdatedTrack) {
  SpeedEstimatorConfig config;
  config.max_tracks = 2;
  SpeedEstimator estimator(config);
  for (std::int64_t i = 0; i < 20; ++i) {
    estimator.update(1, along_x(kStartNs + i * kFrameNs));
    estimator.update(2, along_x(kStartNs + i * kFrameNs + 1));
  }
  estimator.update(3, along_x(kStartNs + 20 * kFrameNs));  // evicts 1, the stalest
  EXPECT_EQ(estimator.track_count(), 2u);
  EXPECT_TRUE(estimator.update(2, along_x(kStartNs + 21 * kFrameNs)).valid);
  EXPECT_FALSE(estimator.update(1, along_x(kStartNs + 22 * kFrameNs)).valid);  // starts anew
  EXPECT_EQ(estimator.track_count(), 2u);
}

TEST(SpeedEstimator, ForgetStaleDropsTracksOlderThanTwoWindows) {
  SpeedEstimator estimator;  // 1 s window
  estimator.update(1, along_x(kStartNs));
  estimator.update(2, along_x(kStartNs + 1'000'000'000));
  estimator.update(3, along_x(kStartNs + 2'500'000'000));
  estimator.forget_stale(kStartNs + 3'000'000'000);  // 1 is 3 s old, 2 exactly 2 s
  EXPECT_EQ(estimator.track_count(), 2u);
  estimator.forget(2);
  EXPECT_EQ(estimator.track_count(), 1u);
  estimator.reset();
  EXPECT_EQ(estimator.track_count(), 0u);
}

TEST(SpeedEstimator, HistoryIsBoundedByTheWindow) {
  SpeedEstimatorConfig config;
  config.max_points = 16;
  SpeedEstimator estimator(config);
  // A stop after 1 s of motion: once the window holds only the stop, speed is 0.
  Kinematics k;
  for (std::int64_t i = 0; i < 30; ++i) k = estimator.update(1, along_x(kStartNs + i * kFrameNs));
  const cv::Point2d stop = k.world_m;
  for (std::int64_t i = 30; i < 70; ++i)
    k = estimator.update(1, {kStartNs + i * kFrameNs, stop, 0});
  ASSERT_TRUE(k.valid);
  EXPECT_NEAR(k.speed_mps, 0, 1e-9);
}

TEST(SpeedEstimator, RejectsNonsenseConfig) {
  SpeedEstimatorConfig config;
  config.min_points = 2;
  EXPECT_THROW(SpeedEstimator{config}, rw::Error);
  config = {};
  config.window_ns = 0;
  EXPECT_THROW(SpeedEstimator{config}, rw::Error);
}

TEST(SpeedUnits, Conversions) {
  EXPECT_DOUBLE_EQ(rw::geometry::to_kmh(20), 72);
  EXPECT_NEAR(rw::geometry::to_mph(20), 44.738725841088, 1e-9);
}

}  // namespace
