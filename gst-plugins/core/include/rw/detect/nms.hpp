#pragma once

#include <cstddef>
#include <vector>

#include "rw/detect/box.hpp"

namespace rw::detect {

// Greedy non-maximum suppression within each class: a box is dropped when it overlaps a
// higher-scoring box of the same class by IoU > iou_threshold. Boxes of different classes
// never suppress each other. Returns at most max_detections boxes, highest score first
// (ties keep input order).
std::vector<Detection> nms_per_class(std::vector<Detection> detections, float iou_threshold,
                                     std::size_t max_detections = 300);

}  // namespace rw::detect
