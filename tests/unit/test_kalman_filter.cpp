// DeepSORT's Kalman filter: hand-computed covariances, motion, correction and gating.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "rw/track/kalman_filter.hpp"

namespace {

namespace kalman = rw::track::kalman;
using rw::detect::Box;

// A 20x40 box centred on (100, 100): aspect 0.5, height 40, so the position std is
// 40 / 20 = 2 px per unit weight and the velocity std 40 / 160 = 0.25 px/frame.
const Box kBox{90, 80, 110, 120};

TEST(KalmanFilter, BoxMeasurementRoundTrip) {
  const kalman::Measurement z = kalman::to_measurement(kBox);
  EXPECT_DOUBLE_EQ(z[0], 100);
  EXPECT_DOUBLE_EQ(z[1], 100);
  EXPECT_DOUBLE_EQ(z[2], 0.5);
  EXPECT_DOUBLE_EQ(z[3], 40);
  const Box box = kalman::to_box(kalman::initiate(z).mean);
  EXPECT_FLOAT_EQ(box.x1, 90);
  EXPECT_FLOAT_EQ(box.y1, 80);
  EXPECT_FLOAT_EQ(box.x2, 110);
  EXPECT_FLOAT_EQ(box.y2, 120);
}

TEST(KalmanFilter, InitiateCovariance) {
  const kalman::Gaussian g = kalman::initiate(kalman::to_measurement(kBox));
  for (int i = 4; i < 8; ++i) EXPECT_EQ(g.mean[i], 0) << i;
  // Position std 2 * 2 = 4, velocity std 10 * 0.25 = 2.5; aspect 1e-2 and 1e-5 absolute.
  const std::vector<double> variances{16, 16, 1e-4, 16, 6.25, 6.25, 1e-10, 6.25};
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 8; ++j) {
      EXPECT_NEAR(g.covariance(i, j), i == j ? variances[i] : 0.0, 1e-15) << i << "," << j;
    }
  }
}

TEST(KalmanFilter, PredictMovesMeanByVelocityAndGrowsCovariance) {
  kalman::Gaussian g = kalman::initiate(kalman::to_measurement(kBox));
  g.mean[4] = 3;
  g.mean[5] = -2;
  g.mean[7] = 1;
  kalman::predict(g);
  EXPECT_DOUBLE_EQ(g.mean[0], 103);
  EXPECT_DOUBLE_EQ(g.mean[1], 98);
  EXPECT_DOUBLE_EQ(g.mean[2], 0.5);
  EXPECT_DOUBLE_EQ(g.mean[3], 41);
  EXPECT_DOUBLE_EQ(g.mean[4], 3);
  // Noise from the height before the step (40): process std 2 px and 0.25 px/frame.
  EXPECT_DOUBLE_EQ(g.covariance(0, 0), 16 + 6.25 + 4);
  EXPECT_DOUBLE_EQ(g.covariance(0, 4), 6.25);
  EXPECT_DOUBLE_EQ(g.covariance(4, 0), 6.25);
  EXPECT_DOUBLE_EQ(g.covariance(4, 4), 6.25 + 0.0625);
  EXPECT_NEAR(g.covariance(2, 2), 1e-4 + 1e-10 + 1e-4, 1e-15);
  EXPECT_DOUBLE_EQ(g.covariance(0, 1), 0);
}

TEST(KalmanFilter, ProjectAddsMeasurementNoise) {
  const kalman::Projection p = kalman::project(kalman::initiate(kalman::to_measurement(kBox)));
  EXPECT_DOUBLE_EQ(p.mean[0], 100);
  EXPECT_DOUBLE_EQ(p.mean[3], 40);
  EXPECT_DOUBLE_EQ(p.covariance(0, 0), 16 + 4);
  EXPECT_DOUBLE_EQ(p.covariance(3, 3), 16 + 4);
  EXPECT_NEAR(p.covariance(2, 2), 1e-4 + 1e-2, 1e-15);
  EXPECT_DOUBLE_EQ(p.covariance(0, 3), 0);
}

TEST(KalmanFilter, UpdatePullsTowardTheMeasurementAndLearnsVelocity) {
  kalman::Gaussian g = kalman::initiate(kalman::to_measurement(kBox));
  kalman::predict(g);
  kalman::Measurement z = kalman::to_measurement(kBox);
  z[0] += 4;
  kalman::update(g, z);
  // Innovation covariance 26.25 + 4 = 30.25: gains 26.25 / 30.25 (cx), 6.25 / 30.25 (vcx).
  EXPECT_NEAR(g.mean[0], 100 + 4 * 26.25 / 30.25, 1e-12);
  EXPECT_NEAR(g.mean[4], 4 * 6.25 / 30.25, 1e-12);
  EXPECT_NEAR(g.mean[1], 100, 1e-12);
  EXPECT_NEAR(g.covariance(0, 0), 26.25 * 4 / 30.25, 1e-12);
  EXPECT_NEAR(g.covariance(4, 4), 6.3125 - 6.25 * 6.25 / 30.25, 1e-12);
}

TEST(KalmanFilter, GatingDistance) {
  kalman::Gaussian g = kalman::initiate(kalman::to_measurement(kBox));
  kalman::predict(g);
  const kalman::Measurement predicted = kalman::project(g).mean;
  kalman::Measurement far = predicted;
  far[0] += 50;
  kalman::Measurement near = predicted;
  near[0] += 5;
  const std::vector<kalman::Measurement> zs{predicted, far, near};
  const std::vector<double> d = kalman::gating_distance(g, zs);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_NEAR(d[0], 0, 1e-12);
  EXPECT_NEAR(d[1], 50.0 * 50 / 30.25, 1e-9);
  EXPECT_GT(d[1], kalman::kChiSquare95Dof4);
  EXPECT_LT(d[2], kalman::kChiSquare95Dof4);
}

}  // namespace
