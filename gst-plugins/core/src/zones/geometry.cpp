#include "rw/zones/geometry.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace rw::zones {
namespace {

constexpr double kOnEdgeTolerancePx = 1e-9;

double cross(cv::Point2d u, cv::Point2d v) {
  return u.x * v.y - u.y * v.x;
}

double distance_to_segment(cv::Point2d p, cv::Point2d a, cv::Point2d b) {
  const cv::Point2d ab = b - a;
  const double length_sq = ab.dot(ab);
  const double t = length_sq > 0 ? std::clamp((p - a).dot(ab) / length_sq, 0.0, 1.0) : 0.0;
  return cv::norm(p - (a + t * ab));
}

bool on_boundary(cv::Point2d p, std::span<const cv::Point2d> polygon) {
  for (std::size_t i = 0, j = polygon.size() - 1; i < polygon.size(); j = i++) {
    if (distance_to_segment(p, polygon[j], polygon[i]) <= kOnEdgeTolerancePx) return true;
  }
  return false;
}

}  // namespace

bool point_in_polygon(cv::Point2d p, std::span<const cv::Point2d> polygon) {
  if (polygon.size() < 3) return false;
  if (on_boundary(p, polygon)) return true;
  bool inside = false;
  for (std::size_t i = 0, j = polygon.size() - 1; i < polygon.size(); j = i++) {
    const cv::Point2d &u = polygon[i], &v = polygon[j];
    // Half-open in y so a ray through a vertex counts the vertex's two edges once in total.
    if ((u.y > p.y) != (v.y > p.y)) {
      const double x_at_y = u.x + (p.y - u.y) * (v.x - u.x) / (v.y - u.y);
      if (p.x < x_at_y) inside = !inside;
    }
  }
  return inside;
}

double signed_distance_to_polygon_edge(cv::Point2d p, std::span<const cv::Point2d> polygon) {
  double nearest_px = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0, j = polygon.size() - 1; i < polygon.size(); j = i++) {
    nearest_px = std::min(nearest_px, distance_to_segment(p, polygon[j], polygon[i]));
  }
  return point_in_polygon(p, polygon) ? nearest_px : -nearest_px;
}

double signed_distance_to_line(cv::Point2d p, cv::Point2d a, cv::Point2d b) {
  return cross(b - a, p - a) / cv::norm(b - a);
}

std::optional<int> crossing_direction(cv::Point2d from, cv::Point2d to, cv::Point2d a,
                                      cv::Point2d b) {
  const bool from_right = cross(b - a, from - a) > 0;
  const bool to_right = cross(b - a, to - a) > 0;
  if (from_right == to_right) return std::nullopt;
  // The movement crosses the infinite line; it must pass between a and b, endpoints included.
  const double side_a = cross(to - from, a - from);
  const double side_b = cross(to - from, b - from);
  if ((side_a > 0 && side_b > 0) || (side_a < 0 && side_b < 0)) return std::nullopt;
  return from_right ? 1 : -1;
}

}  // namespace rw::zones
