// GroundSpeed: the rules between a tracker's boxes and the speed estimator, and the
// uncertainty model, on calibrations with known answers.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "rw/geometry/calibration.hpp"
#include "rw/geometry/ground_speed.hpp"

namespace {

using rw::geometry::GroundKinematics;
using rw::geometry::GroundSpeed;
using rw::geometry::GroundSpeedConfig;
using rw::geometry::ImageBox;

constexpr std::int64_t kFrameNs = 1'000'000'000 / 30;
// 2 px (0.2 m) per frame; the frame period is a whole number of ns, so not quite 6 m/s.
constexpr double kSpeedMps = 0.2 / (kFrameNs / 1e9);

// 10 px = 1 m on both axes, from exactly 4 pairs (so the calibration error term is 0).
rw::geometry::Calibration flat_calibration() {
  return rw::geometry::parse_calibration(
      R"({"image_points": [[0, 0], [100, 0], [100, 100], [0, 100]],
          "world_points": [[0, 0], [10, 0], [10, 10], [0, 10]]})",
      "test");
}

// A 40x20 px box whose bottom centre is at x_px (ground point x_px - 0.5, 300 - 0.5).
ImageBox box_at(double x_px) {
  return {x_px - 20, 280, x_px + 20, 300};
}

GroundSpeed flat_ground_speed() {
  GroundSpeed ground(flat_calibration(), GroundSpeedConfig{});
  ground.set_frame_size(640, 360);
  return ground;
}

TEST(GroundSpeed, GroundPointIsTheBottomCentreInPixelCentreCoordinates) {
  const cv::Point2d p = rw::geometry::ground_point_px({10, 20, 30, 60});
  EXPECT_DOUBLE_EQ(p.x, 19.5);
  EXPECT_DOUBLE_EQ(p.y, 59.5);
}

// 2 px per frame at 30 fps over a 0.1 m/px ground: about 6 m/s along +x (heading 90). With no
// scatter the error is the box term alone: sqrt(1^2 * (0.1^2 + 0.1^2)) / T.
TEST(GroundSpeed, KnownSpeedAndItsUncertainty) {
  GroundSpeed ground = flat_ground_speed();
  GroundKinematics k;
  for (int i = 0; i <= 30; ++i) k = ground.measure(7, box_at(100 + 2.0 * i), i * kFrameNs);
  ASSERT_TRUE(k.valid);
  EXPECT_NEAR(k.speed_mps, kSpeedMps, 1e-9);
  EXPECT_NEAR(k.heading_deg, 90.0, 1e-9);
  EXPECT_NEAR(k.world_m.x, (160 - 0.5) / 10, 1e-9);
  EXPECT_NEAR(k.world_m.y, (300 - 0.5) / 10, 1e-9);
  const double span_s = 30.0 * kFrameNs / 1e9;
  EXPECT_NEAR(k.speed_sigma_mps, std::sqrt(0.02) / span_s, 1e-9);
  EXPECT_DOUBLE_EQ(ground.calibration_sigma_px(), 0.0);
}

// A box cut by the frame edge is not measured: it repeats the last estimate, extrapolated.
TEST(GroundSpeed, EdgeCutBoxRepeatsTheLastEstimate) {
  GroundSpeed ground = flat_ground_speed();
  EXPECT_FALSE(ground.measure(1, {0, 280, 40, 300}, 0).valid) << "no estimate yet";
  GroundKinematics k;
  for (int i = 0; i <= 30; ++i) k = ground.measure(2, box_at(100 + 2.0 * i), i * kFrameNs);
  ASSERT_TRUE(k.valid);
  const GroundKinematics cut = ground.measure(2, {600, 280, 640, 300}, 33 * kFrameNs);
  ASSERT_TRUE(cut.valid);
  EXPECT_NEAR(cut.speed_mps, kSpeedMps, 1e-9);
  EXPECT_NEAR(cut.world_m.x, k.world_m.x + kSpeedMps * 3 * kFrameNs / 1e9, 1e-9);
}

// Predictions are never fitted; they extrapolate for one window, then turn invalid.
TEST(GroundSpeed, PredictExtrapolatesForOneWindow) {
  GroundSpeed ground = flat_ground_speed();
  EXPECT_FALSE(ground.predict(3, 0).valid);
  GroundKinematics k;
  for (int i = 0; i <= 30; ++i) k = ground.measure(3, box_at(100 + 2.0 * i), i * kFrameNs);
  const std::int64_t last_ns = 30 * kFrameNs;
  const GroundKinematics soon = ground.predict(3, last_ns + 500'000'000);
  ASSERT_TRUE(soon.valid);
  EXPECT_NEAR(soon.world_m.x, k.world_m.x + kSpeedMps * 0.5, 1e-9);
  EXPECT_NEAR(soon.speed_sigma_mps, k.speed_sigma_mps, 1e-12);
  EXPECT_FALSE(ground.predict(3, last_ns + 1'100'000'000).valid);
  // A prediction that jumps did not enter the fit: the next measurement continues the line.
  const GroundKinematics next = ground.measure(3, box_at(162), 31 * kFrameNs);
  EXPECT_NEAR(next.speed_mps, kSpeedMps, 1e-9);
}

// The road is on the side of the horizon where the frame's bottom centre is; points on the
// other side are behind the camera: invalid, and never fitted.
TEST(GroundSpeed, PointsBeyondTheHorizonAreInvalid) {
  // w = 1 - 0.01 v: the horizon is the row v = 100, the road below it.
  GroundSpeed ground(rw::geometry::parse_calibration(
                         R"({"homography": [[1, 0, 0], [0, 1, 0], [0, -0.01, 1]]})", "test"),
                     GroundSpeedConfig{});
  ground.set_frame_size(640, 360);
  EXPECT_FALSE(ground.measure(1, {300, 30, 340, 50}, 0).valid);
  for (int i = 0; i <= 30; ++i)
    ground.measure(2, {300, 180 + i * 1.0, 340, 200 + i * 1.0}, i * kFrameNs);
  EXPECT_TRUE(ground.predict(2, 30 * kFrameNs).valid);
}

TEST(GroundSpeed, CalibrationErrorIsCorrectedForTheFittedParameters) {
  // 5 pairs, one off by 1 px: the RMS error is scaled by sqrt(2n / (2n - 8)) = sqrt(5).
  const auto calibration = rw::geometry::parse_calibration(
      R"({"image_points": [[0, 0], [100, 0], [100, 100], [0, 100], [51, 50]],
          "world_points": [[0, 0], [10, 0], [10, 10], [0, 10], [5, 5]]})",
      "test");
  GroundSpeed ground(calibration, GroundSpeedConfig{});
  ASSERT_TRUE(calibration.rms_error_px);
  EXPECT_GT(*calibration.rms_error_px, 0.0);
  EXPECT_NEAR(ground.calibration_sigma_px(), *calibration.rms_error_px * std::sqrt(5.0), 1e-12);
}

TEST(GroundSpeed, StaleTracksAreForgotten) {
  GroundSpeed ground = flat_ground_speed();
  ground.measure(1, box_at(100), 0);
  ground.measure(2, box_at(200), 2'500'000'000);
  ground.forget_stale(2'500'000'000);
  EXPECT_EQ(ground.track_count(), 1u);
  ground.reset();
  EXPECT_EQ(ground.track_count(), 0u);
}

}  // namespace
