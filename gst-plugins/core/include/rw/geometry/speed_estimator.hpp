#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>

#include <opencv2/core/types.hpp>

namespace rw::geometry {

struct SpeedEstimatorConfig {
  std::int64_t window_ns = 1'000'000'000;  // observations older than newest - window are dropped
  std::int64_t min_span_ns = 300'000'000;  // shorter spans in the window give valid = false
  std::size_t min_points = 4;              // fewer points in the window give valid = false
  std::size_t max_tracks = 2000;           // beyond it the least recently updated is evicted
  std::size_t max_points = 256;            // per track, on top of the window
  double outlier_floor_m = 0.05;           // residuals up to this are never outliers
};

struct Observation {
  std::int64_t pts_ns = 0;      // buffer PTS (running time); the only clock used
  cv::Point2d world_m;          // ground position
  double position_sigma_m = 0;  // 1-sigma uncertainty of each world coordinate
};

// Heading: degrees in [0, 360), 0 along world +y, 90 along world +x (compass-like when +y is
// north and +x east). It is meaningless when speed_mps is within a few speed_sigma_mps of 0.
struct Kinematics {
  cv::Point2d world_m;         // the fitted position at the newest PTS (the raw one when invalid)
  double speed_mps = 0;        // 0 when invalid
  double speed_sigma_mps = 0;  // 1-sigma, 0 when invalid
  double heading_deg = 0;      // 0 when invalid
  bool valid = false;          // the window spans >= min_span_ns with >= min_points
};

// Speed and heading of each track from a robust straight-line fit of world x(t) and y(t) over a
// sliding PTS window:
//  1. least squares x = x0 + vx t, y = y0 + vy t over the window (time from PTS only, so
//     dropped frames, irregular spacing and variable frame rate do not bias the slope);
//  2. points whose 2-D residual exceeds max(3 * robust sigma, outlier_floor_m) are dropped and
//     the line refitted once (if at least min_points remain); robust sigma = median 2-D residual
//     / sqrt(2 ln 2), the Rayleigh analogue of 1.4826 * MAD, a per-axis sigma that one gross
//     outlier barely moves (a per-axis MAD would be ~0 on the still axis);
//  3. speed_sigma_mps = sigma / sqrt(sum (t - t_mean)^2), the standard error of a slope, with
//     sigma = max(per-axis residual RMS with n - 2 degrees of freedom, mean position_sigma_m).
// Observations with pts_ns <= the track's last one, or non-finite values, are ignored and the
// previous result is returned.
class SpeedEstimator {
 public:
  explicit SpeedEstimator(const SpeedEstimatorConfig &config = {});

  Kinematics update(std::uint64_t track_id, const Observation &observation);
  void forget(std::uint64_t track_id);
  // Forgets tracks whose last observation is more than 2 windows before now_ns.
  void forget_stale(std::int64_t now_ns);
  void reset();

  std::size_t track_count() const { return tracks_.size(); }
  const SpeedEstimatorConfig &config() const { return config_; }

 private:
  struct TrackHistory {
    std::deque<Observation> observations;  // increasing pts_ns, within window and max_points
    Kinematics last;
  };

  Kinematics estimate(const std::deque<Observation> &observations) const;

  SpeedEstimatorConfig config_;
  std::unordered_map<std::uint64_t, TrackHistory> tracks_;
};

double to_kmh(double mps);
double to_mph(double mps);

}  // namespace rw::geometry
