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

// The same greedy suppression, returning the indices of the kept detections, best first.
// per_class = false suppresses across classes too: one vehicle boxed as both "car" and
// "truck" is kept once (the better-scoring box), as DeepSORT's input NMS does.
std::vector<std::size_t> nms_kept_indices(const std::vector<Detection> &detections,
                                          float iou_threshold, bool per_class,
                                          std::size_t max_detections = 300);

}  // namespace rw::detect
