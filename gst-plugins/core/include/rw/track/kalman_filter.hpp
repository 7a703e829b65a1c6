#pragma once

#include <span>
#include <vector>

#include <opencv2/core/matx.hpp>

#include "rw/detect/box.hpp"

// DeepSORT's constant-velocity Kalman filter (Wojke et al. 2017). The state is
// (cx, cy, aspect, h, vcx, vcy, vaspect, vh): box centre and height in pixels, aspect = w / h,
// velocities per frame. A measurement is (cx, cy, aspect, h). Process and measurement noise
// scale with the box height, so near (large) and far (small) vehicles are equally certain
// relative to their size. The filter has no state of its own: free functions on a Gaussian.
namespace rw::track::kalman {

using Measurement = cv::Vec4d;
using StateVector = cv::Vec<double, 8>;
using StateCovariance = cv::Matx<double, 8, 8>;

struct Gaussian {
  StateVector mean;
  StateCovariance covariance;
};

// The state's distribution in measurement space.
struct Projection {
  Measurement mean;
  cv::Matx44d covariance;
};

// 0.95 quantile of the chi-square distribution with 4 degrees of freedom: a measurement whose
// squared Mahalanobis distance exceeds it is implausible for the track (DeepSORT's gate).
inline constexpr double kChiSquare95Dof4 = 9.4877;

Measurement to_measurement(const rw::detect::Box &box);
rw::detect::Box to_box(const StateVector &mean);

// A new track at the measurement, velocities zero and uncertain.
Gaussian initiate(const Measurement &measurement);

// Advances one frame (dt = 1).
void predict(Gaussian &state);

Projection project(const Gaussian &state);

// Corrects the state with a measurement of this frame.
void update(Gaussian &state, const Measurement &measurement);

// Squared Mahalanobis distance of each measurement to the projected state (4 dof).
std::vector<double> gating_distance(const Gaussian &state,
                                    std::span<const Measurement> measurements);

}  // namespace rw::track::kalman
