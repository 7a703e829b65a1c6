#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

#include "rw/draw/overlay.hpp"

// The analytics layer of the overlay: zone outlines, counting lines with their tallies, and a
// stats box. Plain shapes in frame pixels; the caller resolves configs and reads metadata.
namespace rw::draw {

// Fixed colours (B, G, R), apart from every class colour's saturation, so the road layout never
// reads as a vehicle.
inline const cv::Scalar kZoneColour{255, 255, 0};  // cyan
inline const cv::Scalar kLineColour{255, 0, 255};  // magenta

struct ZoneOutline {
  std::string name;
  std::vector<cv::Point2d> polygon_px;
};

struct LineTally {
  std::uint64_t forward = 0;
  std::uint64_t backward = 0;
};

struct LineMark {
  std::string name;
  cv::Point2d a_px;  // forward is from the right of a->b to its left (rw::zones convention)
  cv::Point2d b_px;
  std::optional<LineTally> tally;  // absent until the analytics report one
};

struct StatsBox {
  std::uint64_t total_vehicles = 0;
  std::uint64_t current_in_roi = 0;
  std::uint64_t speeding_count = 0;
};

// Each zone's outline, its name on a plate at its topmost vertex.
void draw_zones(cv::Mat &frame, const std::vector<ZoneOutline> &zones, const OverlayStyle &style);

// Each line, an arrow from its middle pointing the forward way, and beyond the arrow's tip a
// plate "name" or, with a tally, "name 12 fwd 3 bwd".
void draw_lines(cv::Mat &frame, const std::vector<LineMark> &lines, const OverlayStyle &style);

// "vehicles N", "in ROI N", "speeding N" on a dark box in the top-left corner; the speeding
// line turns red while anyone speeds.
void draw_stats_box(cv::Mat &frame, const StatsBox &stats, const OverlayStyle &style);

// The text draw_lines() writes for a line.
std::string line_caption(const LineMark &line);

}  // namespace rw::draw
