#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>

#include <opencv2/core/types.hpp>

#include "rw/geometry/calibration.hpp"
#include "rw/geometry/speed_estimator.hpp"

namespace rw::geometry {

// A detector's box in frame pixels, edge coordinates: a box around the whole frame is
// (0, 0) .. (width, height).
struct ImageBox {
  double x_min_px = 0, y_min_px = 0, x_max_px = 0, y_max_px = 0;
};

// Where the vehicle touches the road: the bottom centre of its box, in the pixel-centre
// coordinates of calibration points (OpenCV's: pixel (0, 0) covers -0.5 .. 0.5).
cv::Point2d ground_point_px(const ImageBox &box);

struct GroundSpeedConfig {
  SpeedEstimatorConfig estimator;
  // 1-sigma error of a box's bottom centre, px. A detector sees nearly the same image in
  // consecutive frames, so its errors change slowly and do not average out over a window.
  double box_error_px = 1.0;
  // A box within this of the left, right or bottom frame edge may be cut off there: its bottom
  // centre is then not where the vehicle touches the road.
  double edge_margin_px = 1.0;
};

// What one tracked object reports on one frame.
struct GroundKinematics {
  cv::Point2d world_m;         // fitted (or extrapolated) position; (0, 0) when unknown
  double speed_mps = 0;        // 0 when invalid
  double speed_sigma_mps = 0;  // 1-sigma, see the uncertainty model below; 0 when invalid
  double heading_deg = 0;      // as Kinematics::heading_deg; 0 when invalid
  bool valid = false;
};

// Per-track ground kinematics from boxes over PTS: the policy between a tracker's boxes and
// SpeedEstimator, and the uncertainty model.
//
// measure(): a box matched to a detection on this frame. Its ground point is mapped to the
// road and fed to the estimator unless it cannot be measured:
//  - at or beyond the horizon (non-finite world point, or one behind the camera): reported
//    invalid;
//  - cut off by the left, right or bottom frame edge: not fed, reported like predict().
// predict(): a box the tracker only predicted (no detection ran on the frame). It is never
// fed: a constant image-space velocity is not a constant ground speed under perspective.
// The track's last estimate is repeated, its position extrapolated along the fitted velocity
// to this PTS, for up to one window after its last measurement; after that, or before any
// valid estimate, it is reported invalid.
//
// Uncertainty (1-sigma) of a speed over a window whose first and last measured ground points
// are T seconds apart and have local scales s1 and s2 (metres per pixel, the RMS over the
// homography Jacobian's two axes, so distance and foreshortening count):
//   sqrt(fit^2 + (box_error_px^2 + e^2) * (s1^2 + s2^2) / T^2)
//  - fit: the estimator's standard error of the slope from the residuals of the line fit:
//    frame-to-frame scatter, which does average out;
//  - box error: slowly changing (correlated) errors of the box bottom move the window's ends,
//    each by about box_error_px, independently of each other;
//  - calibration: a homography with reprojection error e px misplaces each ground point by
//    about e px, again a systematic error more frames do not reduce. e is the calibration's
//    RMS reprojection error corrected for the homography's 8 fitted parameters
//    (x sqrt(2n / (2n - 8)) for n pairs); 0 when unknown (a homography without pairs, or
//    exactly 4 pairs, which always fit exactly).
class GroundSpeed {
 public:
  GroundSpeed(Calibration calibration, const GroundSpeedConfig &config);

  // The frame size decides the edge test and the side of the horizon the road is on (its
  // bottom centre must show the road). Call before measure() and again when it changes.
  void set_frame_size(int width_px, int height_px);

  GroundKinematics measure(std::uint64_t track_id, const ImageBox &box, std::int64_t pts_ns);
  GroundKinematics predict(std::uint64_t track_id, std::int64_t pts_ns);

  // Forgets tracks not measured for two windows before now_ns.
  void forget_stale(std::int64_t now_ns);
  void reset();

  // The calibration point error e of the uncertainty, px (0 when unknown).
  double calibration_sigma_px() const { return calibration_sigma_px_; }
  std::size_t track_count() const { return tracks_.size(); }

 private:
  struct Sample {
    std::int64_t pts_ns;
    double scale_m_per_px;
  };
  struct Track {
    std::deque<Sample> window;  // as the estimator's window: the ends of the error terms
    Kinematics last;            // the estimator's last result
    std::int64_t last_pts_ns = 0;
  };

  bool in_front(cv::Point2d world_m) const;
  double axis_scale_m_per_px(cv::Point2d image_px) const;
  GroundKinematics report(const Track &track, std::int64_t pts_ns) const;

  Calibration calibration_;
  GroundSpeedConfig config_;
  SpeedEstimator estimator_;
  double calibration_sigma_px_ = 0;
  int frame_w_px_ = 0, frame_h_px_ = 0;
  double front_sign_ = 1;  // sign of the projective depth of ground points in view
  std::unordered_map<std::uint64_t, Track> tracks_;
};

}  // namespace rw::geometry
