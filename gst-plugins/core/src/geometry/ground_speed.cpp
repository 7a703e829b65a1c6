#include "rw/geometry/ground_speed.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "rw/common/error.hpp"

namespace rw::geometry {
namespace {

constexpr double kSecondsPerNs = 1e-9;
constexpr double kDegreesToRadians = 3.14159265358979323846 / 180.0;
// Parameters of a homography; its in-sample residuals shrink by sqrt((2n - 8) / 2n).
constexpr std::size_t kHomographyDof = 8;
// Half a pixel each side: the Jacobian from central differences.
constexpr double kStepPx = 0.5;

bool finite(cv::Point2d p) {
  return std::isfinite(p.x) && std::isfinite(p.y);
}

double projective_depth(const cv::Matx33d &world_to_image, cv::Point2d world_m) {
  return world_to_image(2, 0) * world_m.x + world_to_image(2, 1) * world_m.y + world_to_image(2, 2);
}

}  // namespace

cv::Point2d ground_point_px(const ImageBox &box) {
  // Box edges -> pixel centres: the bottom edge y_max lies half a pixel below the centre of
  // the bottom row.
  return {0.5 * (box.x_min_px + box.x_max_px) - 0.5, box.y_max_px - 0.5};
}

GroundSpeed::GroundSpeed(Calibration calibration, const GroundSpeedConfig &config)
    : calibration_(std::move(calibration)), config_(config), estimator_(config.estimator) {
  if (!(std::isfinite(config.box_error_px) && config.box_error_px >= 0)) {
    throw Error("ground speed: box error must be a finite number >= 0");
  }
  if (!(std::isfinite(config.edge_margin_px) && config.edge_margin_px >= 0)) {
    throw Error("ground speed: edge margin must be a finite number >= 0");
  }
  const std::size_t n = calibration_.point_pairs;
  if (calibration_.rms_error_px && n * 2 > kHomographyDof) {
    const double pairs = static_cast<double>(n);
    calibration_sigma_px_ =
        *calibration_.rms_error_px *
        std::sqrt(2 * pairs / (2 * pairs - static_cast<double>(kHomographyDof)));
  }
}

void GroundSpeed::set_frame_size(int width_px, int height_px) {
  frame_w_px_ = width_px;
  frame_h_px_ = height_px;
  // The bottom centre of a road camera's frame shows the road: ground points in view share
  // the sign of its projective depth, points beyond the horizon have the other sign.
  const cv::Point2d reference = calibration_.to_world(
      {0.5 * static_cast<double>(width_px - 1), static_cast<double>(height_px - 1)});
  const double depth =
      finite(reference) ? projective_depth(calibration_.world_to_image, reference) : 0.0;
  front_sign_ = depth > 0 ? 1.0 : depth < 0 ? -1.0 : 0.0;
}

bool GroundSpeed::in_front(cv::Point2d world_m) const {
  return finite(world_m) &&
         projective_depth(calibration_.world_to_image, world_m) * front_sign_ >= 0;
}

double GroundSpeed::axis_scale_m_per_px(cv::Point2d image_px) const {
  const cv::Point2d du = calibration_.to_world(image_px + cv::Point2d(kStepPx, 0)) -
                         calibration_.to_world(image_px - cv::Point2d(kStepPx, 0));
  const cv::Point2d dv = calibration_.to_world(image_px + cv::Point2d(0, kStepPx)) -
                         calibration_.to_world(image_px - cv::Point2d(0, kStepPx));
  // Isotropic pixel noise sigma gives world covariance sigma^2 J J^T; this is the RMS of its
  // two axes' sigmas per pixel.
  return std::sqrt(0.5 * (du.dot(du) + dv.dot(dv))) / (2 * kStepPx);
}

GroundKinematics GroundSpeed::measure(std::uint64_t track_id, const ImageBox &box,
                                      std::int64_t pts_ns) {
  const double margin = config_.edge_margin_px;
  const bool cut = box.x_min_px <= margin ||
                   box.x_max_px >= static_cast<double>(frame_w_px_) - margin ||
                   box.y_max_px >= static_cast<double>(frame_h_px_) - margin;
  if (cut) return predict(track_id, pts_ns);

  const cv::Point2d image_px = ground_point_px(box);
  const cv::Point2d world_m = calibration_.to_world(image_px);
  const double scale = axis_scale_m_per_px(image_px);
  auto it = tracks_.find(track_id);
  if (!in_front(world_m) || !std::isfinite(scale)) {
    // At or beyond the horizon: no position to report but the last one.
    return {it != tracks_.end() ? it->second.last.world_m : cv::Point2d(), 0, 0, 0, false};
  }
  if (it != tracks_.end() && pts_ns <= it->second.last_pts_ns) return report(it->second, pts_ns);
  if (it == tracks_.end()) it = tracks_.emplace(track_id, Track{}).first;
  Track &track = it->second;
  // No prior position sigma: the fit's own residuals measure the scatter, the end terms in
  // report() the correlated errors.
  track.last = estimator_.update(track_id, {pts_ns, world_m, 0.0});
  track.last_pts_ns = pts_ns;
  // The same window as the estimator's, for the first and last points of the error terms.
  track.window.push_back({pts_ns, scale});
  while (track.window.front().pts_ns <= pts_ns - config_.estimator.window_ns ||
         track.window.size() > config_.estimator.max_points) {
    track.window.pop_front();
  }
  return report(track, pts_ns);
}

GroundKinematics GroundSpeed::predict(std::uint64_t track_id, std::int64_t pts_ns) {
  const auto it = tracks_.find(track_id);
  return it != tracks_.end() ? report(it->second, pts_ns) : GroundKinematics{};
}

GroundKinematics GroundSpeed::report(const Track &track, std::int64_t pts_ns) const {
  const Kinematics &k = track.last;
  const std::int64_t since_ns = pts_ns - track.last_pts_ns;
  if (!k.valid || since_ns < 0 || since_ns > config_.estimator.window_ns) {
    return {k.world_m, 0, 0, 0, false};
  }
  const double heading_rad = k.heading_deg * kDegreesToRadians;
  const double since_s = static_cast<double>(since_ns) * kSecondsPerNs;
  GroundKinematics out;
  out.world_m = k.world_m +
                cv::Point2d(std::sin(heading_rad), std::cos(heading_rad)) * (k.speed_mps * since_s);
  out.speed_mps = k.speed_mps;
  out.heading_deg = k.heading_deg;
  out.valid = true;
  // Box and calibration errors move the window's ends: see the header.
  double ends_mps = 0;
  const Sample &first = track.window.front(), &last = track.window.back();
  const double span_s = static_cast<double>(last.pts_ns - first.pts_ns) * kSecondsPerNs;
  if (span_s > 0) {
    ends_mps = std::hypot(config_.box_error_px, calibration_sigma_px_) *
               std::hypot(first.scale_m_per_px, last.scale_m_per_px) / span_s;
  }
  out.speed_sigma_mps = std::hypot(k.speed_sigma_mps, ends_mps);
  return out;
}

void GroundSpeed::forget_stale(std::int64_t now_ns) {
  estimator_.forget_stale(now_ns);
  std::erase_if(tracks_, [&](const auto &item) {
    return item.second.last_pts_ns < now_ns - 2 * config_.estimator.window_ns;
  });
}

void GroundSpeed::reset() {
  estimator_.reset();
  tracks_.clear();
}

}  // namespace rw::geometry
