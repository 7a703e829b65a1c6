#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

namespace rw::draw {

struct OverlayObject {
  cv::Rect rect_px;
  std::optional<std::uint64_t> track_id;
  int class_id = 0;
  std::string label;
  double confidence = 0;
  bool has_caption = true;      // false: a bare box (no class known)
  std::optional<double> speed;  // in speed_unit; absent until it is measured
  std::string speed_unit;       // "km/h" or "mph"
};

struct OverlayStyle {
  bool show_labels = true;
  bool show_confidence = true;
  bool show_speed = true;
  int line_thickness_px = 0;  // 0 = scaled with the frame height
  bool rgb_order = false;     // the frame is RGB(x/A) rather than BGR(x/A)
};

// A stable, well separated colour per class (B, G, R).
cv::Scalar class_colour(int class_id);

// Draws each object's box and, if asked, "#12 label 0.91 87 km/h" above it (id when tracked,
// speed when measured), into a 3- or 4-channel 8-bit frame. Boxes partly outside the frame
// are clipped, never an error.
void draw_objects(cv::Mat &frame, const std::vector<OverlayObject> &objects,
                  const OverlayStyle &style);

}  // namespace rw::draw
