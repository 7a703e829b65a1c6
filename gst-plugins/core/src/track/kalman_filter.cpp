#include "rw/track/kalman_filter.hpp"

#include <opencv2/core.hpp>

namespace rw::track::kalman {
namespace {

// Standard deviations relative to the box height, as DeepSORT chose them.
constexpr double kStdWeightPosition = 1.0 / 20;
constexpr double kStdWeightVelocity = 1.0 / 160;
// The aspect ratio is unitless, so its noise is absolute rather than scaled by the height.
constexpr double kStdAspectInitial = 1e-2;
constexpr double kStdAspectProcess = 1e-2;
constexpr double kStdAspectVelocity = 1e-5;
constexpr double kStdAspectMeasurement = 1e-1;

template <int N>
cv::Matx<double, N, N> diagonal_variance(const cv::Vec<double, N> &std_dev) {
  cv::Matx<double, N, N> m = cv::Matx<double, N, N>::zeros();
  for (int i = 0; i < N; ++i) m(i, i) = std_dev[i] * std_dev[i];
  return m;
}

// x' = x + v * dt, dt = 1 frame.
StateCovariance motion_matrix() {
  StateCovariance f = StateCovariance::eye();
  for (int i = 0; i < 4; ++i) f(i, 4 + i) = 1;
  return f;
}

}  // namespace

Measurement to_measurement(const rw::detect::Box &box) {
  const double w = box.width(), h = box.height();
  return {box.x1 + w / 2, box.y1 + h / 2, w / h, h};
}

rw::detect::Box to_box(const StateVector &mean) {
  const double h = mean[3], w = mean[2] * h;
  return {static_cast<float>(mean[0] - w / 2), static_cast<float>(mean[1] - h / 2),
          static_cast<float>(mean[0] + w / 2), static_cast<float>(mean[1] + h / 2)};
}

Gaussian initiate(const Measurement &measurement) {
  const double h = measurement[3];
  const double pos = 2 * kStdWeightPosition * h, vel = 10 * kStdWeightVelocity * h;
  Gaussian state;
  state.mean = StateVector::zeros();
  for (int i = 0; i < 4; ++i) state.mean[i] = measurement[i];
  state.covariance =
      diagonal_variance<8>({pos, pos, kStdAspectInitial, pos, vel, vel, kStdAspectVelocity, vel});
  return state;
}

void predict(Gaussian &state) {
  const double h = state.mean[3];
  const double pos = kStdWeightPosition * h, vel = kStdWeightVelocity * h;
  const StateCovariance process_noise =
      diagonal_variance<8>({pos, pos, kStdAspectProcess, pos, vel, vel, kStdAspectVelocity, vel});
  static const StateCovariance f = motion_matrix();
  state.mean = f * state.mean;
  state.covariance = f * state.covariance * f.t() + process_noise;
}

Projection project(const Gaussian &state) {
  const double h = state.mean[3];
  const double pos = kStdWeightPosition * h;
  // The measurement matrix H = [I 0] picks the first four state entries.
  return {{state.mean[0], state.mean[1], state.mean[2], state.mean[3]},
          state.covariance.get_minor<4, 4>(0, 0) +
              diagonal_variance<4>({pos, pos, kStdAspectMeasurement, pos})};
}

void update(Gaussian &state, const Measurement &measurement) {
  const Projection projected = project(state);
  const cv::Matx<double, 8, 4> covariance_ht = state.covariance.get_minor<8, 4>(0, 0);
  const cv::Matx<double, 8, 4> gain = covariance_ht * projected.covariance.inv(cv::DECOMP_CHOLESKY);
  state.mean += gain * (measurement - projected.mean);
  state.covariance -= gain * projected.covariance * gain.t();
}

std::vector<double> gating_distance(const Gaussian &state,
                                    std::span<const Measurement> measurements) {
  const Projection projected = project(state);
  const cv::Matx44d inverse = projected.covariance.inv(cv::DECOMP_CHOLESKY);
  std::vector<double> distances;
  distances.reserve(measurements.size());
  for (const Measurement &z : measurements) {
    const Measurement d = z - projected.mean;
    distances.push_back(d.dot(inverse * d));
  }
  return distances;
}

}  // namespace rw::track::kalman
