#include "rw/draw/zones.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include <opencv2/imgproc.hpp>

#include "draw/text.hpp"

namespace rw::draw {
namespace {

using detail::in_frame_order;

const cv::Scalar kInkBgr{0, 0, 0};
const cv::Scalar kPanelBgr{32, 32, 32};
const cv::Scalar kPanelInkBgr{255, 255, 255};
const cv::Scalar kAlertInkBgr{64, 64, 255};

cv::Point pixel(cv::Point2d p) {
  return {static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y))};
}

}  // namespace

std::string line_caption(const LineMark &line) {
  if (!line.tally) return line.name;
  return line.name + " " + std::to_string(line.tally->forward) + " fwd " +
         std::to_string(line.tally->backward) + " bwd";
}

void draw_zones(cv::Mat &frame, const std::vector<ZoneOutline> &zones, const OverlayStyle &style) {
  const cv::Scalar colour = in_frame_order(kZoneColour, style.rgb_order);
  const cv::Scalar ink = in_frame_order(kInkBgr, style.rgb_order);
  const int thickness = detail::stroke_px(frame, style);
  const double scale = detail::font_scale(frame);
  for (const ZoneOutline &zone : zones) {
    if (zone.polygon_px.size() < 3) continue;
    std::vector<cv::Point> points;
    points.reserve(zone.polygon_px.size());
    for (const cv::Point2d &p : zone.polygon_px) points.push_back(pixel(p));
    cv::polylines(frame, points, true, colour, thickness, cv::LINE_8);  // crisp: exact colour
    if (!style.show_labels) continue;
    const cv::Point top = *std::min_element(points.begin(), points.end(),
                                            [](cv::Point a, cv::Point b) { return a.y < b.y; });
    detail::draw_plate(frame, zone.name, top, colour, ink, scale);
  }
}

void draw_lines(cv::Mat &frame, const std::vector<LineMark> &lines, const OverlayStyle &style) {
  const cv::Scalar colour = in_frame_order(kLineColour, style.rgb_order);
  const cv::Scalar ink = in_frame_order(kInkBgr, style.rgb_order);
  const int thickness = detail::stroke_px(frame, style);
  const double scale = detail::font_scale(frame);
  const double arrow_px = std::max(8.0, frame.rows / 24.0);
  for (const LineMark &line : lines) {
    const cv::Point2d d = line.b_px - line.a_px;
    const double length = std::hypot(d.x, d.y);
    if (!(length > 0)) continue;
    cv::line(frame, pixel(line.a_px), pixel(line.b_px), colour, thickness, cv::LINE_8);
    // Forward crosses from the right of a->b (screen coordinates, y down) to its left.
    const cv::Point2d forward(d.y / length, -d.x / length);
    const cv::Point2d middle = (line.a_px + line.b_px) * 0.5;
    const cv::Point tip = pixel(middle + forward * arrow_px);
    cv::arrowedLine(frame, pixel(middle), tip, colour, thickness, cv::LINE_8, 0, 0.3);
    if (!style.show_labels) continue;
    // The plate just beyond the tip, clear of the line and the arrow whichever way they point.
    const std::string text = line_caption(line);
    const cv::Size size = detail::plate_size(text, scale);
    const double reach =
        0.5 * (std::abs(forward.x) * size.width + std::abs(forward.y) * size.height);
    const cv::Point centre = pixel(cv::Point2d(tip) + forward * (reach + 2));
    detail::draw_plate(frame, text, centre - cv::Point(size.width / 2, size.height / 2), colour,
                       ink, scale);
  }
}

void draw_stats_box(cv::Mat &frame, const StatsBox &stats, const OverlayStyle &style) {
  const double scale = detail::font_scale(frame);
  const std::array<std::string, 3> rows = {"vehicles " + std::to_string(stats.total_vehicles),
                                           "in ROI " + std::to_string(stats.current_in_roi),
                                           "speeding " + std::to_string(stats.speeding_count)};
  int width = 0, height = 0;
  for (const std::string &row : rows) {
    const cv::Size size = detail::plate_size(row, scale);
    width = std::max(width, size.width);
    height = std::max(height, size.height);
  }
  const int margin = std::max(2, frame.rows / 180);
  const cv::Scalar panel = in_frame_order(kPanelBgr, style.rgb_order);
  const cv::Scalar ink = in_frame_order(kPanelInkBgr, style.rgb_order);
  const cv::Scalar alert = in_frame_order(kAlertInkBgr, style.rgb_order);
  // One panel behind the three rows, so they read as one box whatever their widths.
  cv::rectangle(frame,
                cv::Rect(margin, margin, width, static_cast<int>(rows.size()) * height) &
                    cv::Rect(0, 0, frame.cols, frame.rows),
                panel, cv::FILLED);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const bool speeding = i == 2 && stats.speeding_count > 0;
    detail::draw_plate(frame, rows[i], {margin, margin + static_cast<int>(i) * height}, panel,
                       speeding ? alert : ink, scale);
  }
}

}  // namespace rw::draw
