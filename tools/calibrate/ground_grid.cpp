#include "ground_grid.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include <opencv2/core.hpp>  // Matx::inv

#include "rw/common/error.hpp"

namespace rw::calibrate {
namespace {

// n . p + c >= 0 is the kept side.
struct HalfPlane {
  cv::Point2d n;
  double c;
};

// Parametric (Liang-Barsky style) clip of a -> b to the intersection of half-planes.
std::optional<Segment> clip(cv::Point2d a, cv::Point2d b, const std::vector<HalfPlane> &planes) {
  double t0 = 0, t1 = 1;
  const cv::Point2d d = b - a;
  for (const HalfPlane &h : planes) {
    const double at_a = h.n.dot(a) + h.c, rate = h.n.dot(d);
    if (rate == 0) {
      if (at_a < 0) return std::nullopt;
      continue;
    }
    const double t = -at_a / rate;
    if (rate > 0) {
      t0 = std::max(t0, t);
    } else {
      t1 = std::min(t1, t);
    }
    if (t0 >= t1) return std::nullopt;
  }
  return Segment{a + t0 * d, a + t1 * d};
}

double homogeneous_w(const cv::Matx33d &h, cv::Point2d p) {
  return h(2, 0) * p.x + h(2, 1) * p.y + h(2, 2);
}

cv::Point2d apply(const cv::Matx33d &h, cv::Point2d p) {
  const cv::Vec3d q = h * cv::Vec3d(p.x, p.y, 1.0);
  return {q[0] / q[2], q[1] / q[2]};
}

void check_step(double step_m, const char *name) {
  if (!(step_m > 0) || !std::isfinite(step_m)) {
    throw Error(std::string("grid ") + name + " must be a positive number of metres");
  }
}

}  // namespace

std::optional<Segment> project_ground_segment(const cv::Matx33d &world_to_image, cv::Point2d seen_m,
                                              cv::Point2d a_m, cv::Point2d b_m, cv::Size frame_px,
                                              double horizon_margin_px) {
  // Orient the homography so that w > 0 in front of the camera.
  const cv::Matx33d h =
      homogeneous_w(world_to_image, seen_m) < 0 ? -world_to_image : world_to_image;
  // Cut the world segment where w > 0 (w is linear along it); a tiny floor keeps the mapped end
  // finite, the horizon margin below then removes the far-off part anyway.
  const double wa = homogeneous_w(h, a_m), wb = homogeneous_w(h, b_m);
  const double floor_w = 1e-9 * std::max(std::abs(wa), std::abs(wb));
  if (!(std::max(wa, wb) > floor_w)) return std::nullopt;  // all of it at or behind the camera
  const auto in_front = clip(a_m, b_m, {{{h(2, 0), h(2, 1)}, h(2, 2) - floor_w}});
  if (!in_front) return std::nullopt;

  // The horizon is the image line where the inverse's w vanishes; the ground is where it is
  // positive (it is 1 / w of the ground point), measured in pixels from that line.
  const cv::Matx33d inverse = h.inv();
  std::vector<HalfPlane> planes = {{{1, 0}, 0},
                                   {{-1, 0}, static_cast<double>(frame_px.width)},
                                   {{0, 1}, 0},
                                   {{0, -1}, static_cast<double>(frame_px.height)}};
  const double norm = std::hypot(inverse(2, 0), inverse(2, 1));
  if (norm > 0) {
    const cv::Point2d n(inverse(2, 0) / norm, inverse(2, 1) / norm);
    planes.push_back({n, inverse(2, 2) / norm - horizon_margin_px});
  }
  return clip(apply(h, in_front->first), apply(h, in_front->second), planes);
}

std::vector<GridLine> ground_grid(const cv::Matx33d &world_to_image, const GridSpec &spec,
                                  cv::Size frame_px, double horizon_margin_px) {
  check_step(spec.step_x_m, "step across the road (x)");
  check_step(spec.step_y_m, "step along the road (y)");
  const cv::Rect2d &box = spec.box_m;
  const double first_x = std::ceil(box.x / spec.step_x_m),
               last_x = std::floor(box.br().x / spec.step_x_m);
  const double first_y = std::ceil(box.y / spec.step_y_m),
               last_y = std::floor(box.br().y / spec.step_y_m);
  if ((last_x - first_x) + (last_y - first_y) + 2 > kMaxGridLines) {
    throw Error("grid steps of " + std::to_string(spec.step_x_m) + " x " +
                std::to_string(spec.step_y_m) + " m make more than " +
                std::to_string(kMaxGridLines) + " lines over the points; use a larger --grid-m");
  }
  std::vector<GridLine> lines;
  const auto add = [&](bool along_y, double value_m, cv::Point2d a_m, cv::Point2d b_m) {
    const auto seg =
        project_ground_segment(world_to_image, spec.seen_m, a_m, b_m, frame_px, horizon_margin_px);
    if (seg) lines.push_back({along_y, value_m, seg->first, seg->second});
  };
  for (double k = first_x; k <= last_x; ++k) {
    const double x = k * spec.step_x_m;
    add(true, x, {x, box.y}, {x, box.br().y});
  }
  for (double k = first_y; k <= last_y; ++k) {
    const double y = k * spec.step_y_m;
    add(false, y, {box.x, y}, {box.br().x, y});
  }
  return lines;
}

cv::Rect2d grid_box(const std::vector<cv::Point2d> &world_m, double step_x_m, double step_y_m) {
  check_step(step_x_m, "step across the road (x)");
  check_step(step_y_m, "step along the road (y)");
  if (world_m.empty()) return {};
  cv::Point2d lo = world_m.front(), hi = world_m.front();
  for (const cv::Point2d &p : world_m) {
    lo = {std::min(lo.x, p.x), std::min(lo.y, p.y)};
    hi = {std::max(hi.x, p.x), std::max(hi.y, p.y)};
  }
  const double grow_x = std::max(0.25 * (hi.x - lo.x), step_x_m);
  const double grow_y = std::max(0.25 * (hi.y - lo.y), step_y_m);
  const double x0 = std::floor((lo.x - grow_x) / step_x_m) * step_x_m;
  const double x1 = std::ceil((hi.x + grow_x) / step_x_m) * step_x_m;
  const double y0 = std::floor((lo.y - grow_y) / step_y_m) * step_y_m;
  const double y1 = std::ceil((hi.y + grow_y) / step_y_m) * step_y_m;
  return {x0, y0, x1 - x0, y1 - y0};
}

}  // namespace rw::calibrate
