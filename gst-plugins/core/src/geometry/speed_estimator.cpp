#include "rw/geometry/speed_estimator.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "rw/common/error.hpp"

namespace rw::geometry {
namespace {

constexpr double kSecondsPerNs = 1e-9;
// Median 2-D distance of a per-axis Gaussian, in sigmas: sqrt(2 ln 2), the Rayleigh median
// (the 2-D analogue of 1.4826 x MAD).
constexpr double kRayleighMedianSigmas = 1.1774100225154747;
constexpr double kOutlierSigmas = 3.0;
constexpr double kPi = 3.14159265358979323846;

struct Line {
  double t_mean_s = 0, x_mean_m = 0, y_mean_m = 0;
  double vx_mps = 0, vy_mps = 0;
  double stt_s2 = 0;  // sum (t - t_mean)^2
};

struct Sample {
  double t_s;
  cv::Point2d world_m;
  double sigma_m;
};

// Least squares x(t) and y(t) over the samples with keep set.
Line fit(const std::vector<Sample> &samples, const std::vector<bool> &keep) {
  Line line;
  double n = 0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (!keep[i]) continue;
    n += 1;
    line.t_mean_s += samples[i].t_s;
    line.x_mean_m += samples[i].world_m.x;
    line.y_mean_m += samples[i].world_m.y;
  }
  line.t_mean_s /= n;
  line.x_mean_m /= n;
  line.y_mean_m /= n;
  double stx = 0, sty = 0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (!keep[i]) continue;
    const double dt = samples[i].t_s - line.t_mean_s;
    line.stt_s2 += dt * dt;
    stx += dt * (samples[i].world_m.x - line.x_mean_m);
    sty += dt * (samples[i].world_m.y - line.y_mean_m);
  }
  line.vx_mps = stx / line.stt_s2;
  line.vy_mps = sty / line.stt_s2;
  return line;
}

cv::Point2d residual(const Line &line, const Sample &s) {
  const double dt = s.t_s - line.t_mean_s;
  return {s.world_m.x - (line.x_mean_m + line.vx_mps * dt),
          s.world_m.y - (line.y_mean_m + line.vy_mps * dt)};
}

double median(std::vector<double> values) {
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

void require(bool ok, const std::string &what) {
  if (!ok) throw Error("speed estimator: " + what);
}

}  // namespace

SpeedEstimator::SpeedEstimator(const SpeedEstimatorConfig &config) : config_(config) {
  require(config.window_ns > 0, "window must be positive");
  require(config.min_span_ns >= 0 && config.min_span_ns <= config.window_ns,
          "min span must be between 0 and the window");
  require(config.min_points >= 3, "min points must be at least 3");
  require(config.max_points >= config.min_points, "max points must be at least min points");
  require(config.max_tracks >= 1, "max tracks must be at least 1");
  require(config.outlier_floor_m >= 0, "outlier floor must not be negative");
}

Kinematics SpeedEstimator::update(std::uint64_t track_id, const Observation &observation) {
  const bool finite =
      std::isfinite(observation.world_m.x) && std::isfinite(observation.world_m.y) &&
      std::isfinite(observation.position_sigma_m) && observation.position_sigma_m >= 0;
  auto it = tracks_.find(track_id);
  if (it != tracks_.end() && observation.pts_ns <= it->second.observations.back().pts_ns) {
    return it->second.last;
  }
  if (!finite) return it != tracks_.end() ? it->second.last : Kinematics{};
  if (it == tracks_.end()) {
    if (tracks_.size() >= config_.max_tracks) {
      const auto stalest = std::min_element(tracks_.begin(), tracks_.end(), [](auto &a, auto &b) {
        return a.second.observations.back().pts_ns < b.second.observations.back().pts_ns;
      });
      tracks_.erase(stalest);
    }
    it = tracks_.emplace(track_id, TrackHistory{}).first;
  }
  auto &history = it->second.observations;
  history.push_back(observation);
  while (history.front().pts_ns <= observation.pts_ns - config_.window_ns ||
         history.size() > config_.max_points) {
    history.pop_front();
  }
  it->second.last = estimate(history);
  return it->second.last;
}

Kinematics SpeedEstimator::estimate(const std::deque<Observation> &observations) const {
  Kinematics k;
  const Observation &newest = observations.back();
  k.world_m = newest.world_m;
  if (observations.size() < config_.min_points ||
      newest.pts_ns - observations.front().pts_ns < config_.min_span_ns) {
    return k;
  }
  // Times relative to the newest PTS keep the doubles small and exact enough.
  std::vector<Sample> samples;
  samples.reserve(observations.size());
  for (const auto &o : observations) {
    samples.push_back({static_cast<double>(o.pts_ns - newest.pts_ns) * kSecondsPerNs, o.world_m,
                       o.position_sigma_m});
  }
  std::vector<bool> keep(samples.size(), true);
  Line line = fit(samples, keep);

  // The median 2-D residual stays small when a few gross outliers tilt the first fit.
  std::vector<double> distances_m;
  for (const auto &s : samples) distances_m.push_back(cv::norm(residual(line, s)));
  const double robust_sigma_m = median(distances_m) / kRayleighMedianSigmas;
  const double limit_m = std::max(kOutlierSigmas * robust_sigma_m, config_.outlier_floor_m);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    keep[i] = distances_m[i] <= limit_m;
    kept += keep[i] ? 1 : 0;
  }
  // Pts are strictly increasing and min_points >= 3, so any fit here has stt_s2 > 0.
  if (kept < samples.size() && kept >= config_.min_points) {
    line = fit(samples, keep);
  } else {
    std::fill(keep.begin(), keep.end(), true);
  }

  double sum_r2 = 0, sum_sigma_m = 0, used = 0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (!keep[i]) continue;
    const cv::Point2d r = residual(line, samples[i]);
    sum_r2 += r.dot(r);
    sum_sigma_m += samples[i].sigma_m;
    used += 1;
  }
  // Two parameters per axis: n - 2 degrees of freedom for each of x and y (n >= min_points >= 3).
  const double residual_rms_m = std::sqrt(sum_r2 / (2 * (used - 2)));
  const double sigma_m = std::max(residual_rms_m, sum_sigma_m / used);

  k.world_m = {line.x_mean_m - line.vx_mps * line.t_mean_s,
               line.y_mean_m - line.vy_mps * line.t_mean_s};
  k.speed_mps = std::hypot(line.vx_mps, line.vy_mps);
  k.speed_sigma_mps = sigma_m / std::sqrt(line.stt_s2);
  const double heading_deg = std::atan2(line.vx_mps, line.vy_mps) * 180.0 / kPi;
  k.heading_deg = heading_deg < 0 ? heading_deg + 360.0 : heading_deg;
  k.valid = true;
  return k;
}

void SpeedEstimator::forget(std::uint64_t track_id) {
  tracks_.erase(track_id);
}

void SpeedEstimator::forget_stale(std::int64_t now_ns) {
  std::erase_if(tracks_, [&](const auto &item) {
    return item.second.observations.back().pts_ns < now_ns - 2 * config_.window_ns;
  });
}

void SpeedEstimator::reset() {
  tracks_.clear();
}

double to_kmh(double mps) {
  return mps * 3.6;
}

double to_mph(double mps) {
  return mps * 3600.0 / 1609.344;
}

}  // namespace rw::geometry
