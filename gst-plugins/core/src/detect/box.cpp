#include "rw/detect/box.hpp"

#include <algorithm>

namespace rw::detect {

float iou(const Box &a, const Box &b) {
  const Box overlap{std::max(a.x1, b.x1), std::max(a.y1, b.y1), std::min(a.x2, b.x2),
                    std::min(a.y2, b.y2)};
  const float intersection = overlap.area();
  if (intersection <= 0) return 0;
  return intersection / (a.area() + b.area() - intersection);
}

}  // namespace rw::detect
