#include "rw/detect/nms.hpp"

#include <algorithm>
#include <numeric>

namespace rw::detect {

std::vector<std::size_t> nms_kept_indices(const std::vector<Detection> &detections,
                                          float iou_threshold, bool per_class,
                                          std::size_t max_detections) {
  std::vector<std::size_t> order(detections.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return detections[a].score > detections[b].score;
  });
  std::vector<std::size_t> kept;
  for (const std::size_t candidate : order) {
    if (kept.size() >= max_detections) break;
    const Detection &c = detections[candidate];
    const bool suppressed = std::any_of(kept.begin(), kept.end(), [&](std::size_t k) {
      const Detection &better = detections[k];
      return (!per_class || better.class_id == c.class_id) &&
             iou(better.box, c.box) > iou_threshold;
    });
    if (!suppressed) kept.push_back(candidate);
  }
  return kept;
}

std::vector<Detection> nms_per_class(std::vector<Detection> detections, float iou_threshold,
                                     std::size_t max_detections) {
  std::vector<Detection> kept;
  for (const std::size_t i : nms_kept_indices(detections, iou_threshold, true, max_detections)) {
    kept.push_back(detections[i]);
  }
  return kept;
}

}  // namespace rw::detect
