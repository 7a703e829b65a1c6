#include "rw/detect/nms.hpp"

#include <algorithm>

namespace rw::detect {

std::vector<Detection> nms_per_class(std::vector<Detection> detections, float iou_threshold,
                                     std::size_t max_detections) {
  std::stable_sort(detections.begin(), detections.end(),
                   [](const Detection &a, const Detection &b) { return a.score > b.score; });
  std::vector<Detection> kept;
  for (const Detection &candidate : detections) {
    if (kept.size() >= max_detections) break;
    const bool suppressed = std::any_of(kept.begin(), kept.end(), [&](const Detection &k) {
      return k.class_id == candidate.class_id && iou(k.box, candidate.box) > iou_threshold;
    });
    if (!suppressed) kept.push_back(candidate);
  }
  return kept;
}

}  // namespace rw::detect
