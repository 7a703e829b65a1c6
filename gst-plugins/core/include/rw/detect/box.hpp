#pragma once

namespace rw::detect {

// Axis-aligned box in pixels, corners (x1, y1) top-left and (x2, y2) bottom-right.
struct Box {
  float x1 = 0, y1 = 0, x2 = 0, y2 = 0;

  float width() const { return x2 - x1; }
  float height() const { return y2 - y1; }
  float area() const { return width() > 0 && height() > 0 ? width() * height() : 0.0f; }
};

// Intersection over union; 0 for disjoint or empty boxes.
float iou(const Box &a, const Box &b);

struct Detection {
  Box box;
  int class_id = 0;
  float score = 0;
};

}  // namespace rw::detect
