#include "rw/detect/labels.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <optional>

#include "rw/common/error.hpp"

namespace rw::detect {
namespace {

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::optional<std::size_t> find_label(std::string_view token,
                                      const std::vector<std::string> &labels) {
  auto it = std::find(labels.begin(), labels.end(), token);
  if (it == labels.end()) {
    it = std::find_if(labels.begin(), labels.end(),
                      [&](const std::string &label) { return equals_ignore_case(label, token); });
  }
  if (it == labels.end()) return std::nullopt;
  return static_cast<std::size_t>(it - labels.begin());
}

bool is_id(std::string_view token) {
  return std::all_of(token.begin(), token.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

}  // namespace

const std::vector<std::string> &coco_labels() {
  static const std::vector<std::string> labels{"person",        "bicycle",      "car",
                                               "motorcycle",    "airplane",     "bus",
                                               "train",         "truck",        "boat",
                                               "traffic light", "fire hydrant", "stop sign",
                                               "parking meter", "bench",        "bird",
                                               "cat",           "dog",          "horse",
                                               "sheep",         "cow",          "elephant",
                                               "bear",          "zebra",        "giraffe",
                                               "backpack",      "umbrella",     "handbag",
                                               "tie",           "suitcase",     "frisbee",
                                               "skis",          "snowboard",    "sports ball",
                                               "kite",          "baseball bat", "baseball glove",
                                               "skateboard",    "surfboard",    "tennis racket",
                                               "bottle",        "wine glass",   "cup",
                                               "fork",          "knife",        "spoon",
                                               "bowl",          "banana",       "apple",
                                               "sandwich",      "orange",       "broccoli",
                                               "carrot",        "hot dog",      "pizza",
                                               "donut",         "cake",         "chair",
                                               "couch",         "potted plant", "bed",
                                               "dining table",  "toilet",       "tv",
                                               "laptop",        "mouse",        "remote",
                                               "keyboard",      "cell phone",   "microwave",
                                               "oven",          "toaster",      "sink",
                                               "refrigerator",  "book",         "clock",
                                               "vase",          "scissors",     "teddy bear",
                                               "hair drier",    "toothbrush"};
  return labels;
}

std::vector<std::string> load_labels(const std::string &path) {
  std::ifstream file(path);
  if (!file) throw Error("label file '" + path + "' cannot be read");
  std::vector<std::string> labels;
  std::string line;
  while (std::getline(file, line)) labels.emplace_back(trim(line));
  if (file.bad()) throw Error("label file '" + path + "' cannot be read");
  while (!labels.empty() && labels.back().empty()) labels.pop_back();
  if (labels.empty()) throw Error("label file '" + path + "' holds no label");
  return labels;
}

std::vector<bool> parse_class_selection(std::string_view spec,
                                        const std::vector<std::string> &labels) {
  const std::string_view whole = trim(spec);
  if (whole.empty() || equals_ignore_case(whole, "all")) return {};
  std::vector<bool> mask(labels.size(), false);
  std::string_view rest = spec;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view token = trim(rest.substr(0, comma));
    if (token.empty()) {
      throw Error("classes '" + std::string(spec) +
                  "' has an empty entry: expected comma-separated labels or class ids");
    }
    if (is_id(token)) {
      std::size_t id = 0;
      const auto parsed = std::from_chars(token.data(), token.data() + token.size(), id);
      if (parsed.ec != std::errc() || id >= labels.size()) {
        throw Error("class id " + std::string(token) + " is out of range 0.." +
                    std::to_string(labels.size() - 1));
      }
      mask[id] = true;
    } else if (const auto index = find_label(token, labels)) {
      mask[*index] = true;
    } else {
      throw Error("unknown class '" + std::string(token) +
                  "' in classes: known labels are the model's label file entries");
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return mask;
}

std::string label_for(int class_id, const std::vector<std::string> &labels) {
  if (class_id >= 0 && static_cast<std::size_t>(class_id) < labels.size()) return labels[class_id];
  return "class-" + std::to_string(class_id);
}

}  // namespace rw::detect
