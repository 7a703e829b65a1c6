#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rw::detect {

// The 80 COCO class names in model order ("person", "bicycle", "car", ...).
const std::vector<std::string> &coco_labels();

// One label per line; blank lines at the end ignored; surrounding spaces trimmed.
// Throws rw::Error if the file cannot be read or holds no label.
std::vector<std::string> load_labels(const std::string &path);

// Parses a class selection such as "car, motorcycle,bus,7" (labels or ids) into a mask over
// num_classes = labels.size(). An empty (or blank) spec or "all" selects every class the
// model has and returns an empty mask, which the decoder reads as "no filter". Throws
// rw::Error naming the unknown label or the out-of-range id.
std::vector<bool> parse_class_selection(std::string_view spec,
                                        const std::vector<std::string> &labels);

// Label for a class id, or "class-<id>" when the list has none.
std::string label_for(int class_id, const std::vector<std::string> &labels);

}  // namespace rw::detect
