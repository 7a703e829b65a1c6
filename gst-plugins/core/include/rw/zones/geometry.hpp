#pragma once

#include <optional>
#include <span>

#include <opencv2/core/types.hpp>

// Plane geometry for zones and counting lines, in image pixels (x right, y down).
namespace rw::zones {

// Even-odd rule. Points on an edge or vertex (within 1e-9 px) count as inside, so a point on
// a shared edge belongs to both polygons. A polygon with fewer than 3 points contains nothing.
bool point_in_polygon(cv::Point2d p, std::span<const cv::Point2d> polygon);

// Distance from p to the nearest polygon edge: positive inside, negative outside, 0 on the
// boundary. Zone hysteresis compares it with a margin. An empty polygon gives -infinity.
double signed_distance_to_polygon_edge(cv::Point2d p, std::span<const cv::Point2d> polygon);

// Perpendicular distance from p to the infinite line through a and b (a != b): positive on the
// right of a->b as seen on screen (looking from a towards b, image y pointing down), negative
// on the left. For a line drawn top to bottom, the right side is the screen's left half.
double signed_distance_to_line(cv::Point2d p, cv::Point2d a, cv::Point2d b);

// Whether the movement from -> to crosses the closed segment a-b, and which way: +1 from the
// right of a->b to its left (see signed_distance_to_line; for a line drawn top to bottom, a
// vehicle moving left to right on screen gives +1), -1 the other way, nullopt when the movement
// does not cross. Half-open sides: a point exactly on the line belongs to the left side, so a
// path through an on-line point counts once, and a movement that only ends on the line from
// the right counts (+1). Touching the segment at an endpoint a or b counts. Movements parallel
// to or along the line, and zero-length movements, never cross.
std::optional<int> crossing_direction(cv::Point2d from, cv::Point2d to, cv::Point2d a,
                                      cv::Point2d b);

}  // namespace rw::zones
