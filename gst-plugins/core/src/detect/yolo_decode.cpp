#include "rw/detect/yolo_decode.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "rw/common/error.hpp"

namespace rw::detect {
namespace {

constexpr std::array<int, 3> kStrides{8, 16, 32};
// x, y, w, h, objectness before the class scores of YOLOX and YOLOv5.
constexpr int kRowHeader = 5;
// x, y, w, h before the class scores of YOLOv8.
constexpr int kChannelHeader = 4;

// The two dimensions after an optional batch of 1.
struct Matrix {
  int rows = 0, cols = 0;
};

std::optional<Matrix> as_matrix(std::span<const int> shape) {
  if (shape.size() == 3 && shape[0] == 1) shape = shape.subspan(1);
  if (shape.size() != 2 || shape[0] <= 0 || shape[1] <= 0) return std::nullopt;
  return Matrix{shape[0], shape[1]};
}

void check_shape(bool fits, std::span<const int> shape, YoloLayout layout,
                 const std::string &expected) {
  if (!fits) {
    throw Error("model output shape " + shape_to_string(shape) + " does not fit the " +
                to_string(layout) + " layout: expected " + expected);
  }
}

// Classes to scan: a mask shorter than the model's class count leaves the rest unwanted.
int wanted_class_count(int num_classes, const std::vector<bool> &mask) {
  if (mask.empty()) return num_classes;
  return std::min(num_classes, static_cast<int>(mask.size()));
}

bool wanted(int class_id, const std::vector<bool> &mask) {
  return mask.empty() || mask[class_id];
}

struct ClassScore {
  int class_id = -1;
  float score = 0;
};

Detection make_detection(float cx, float cy, float w, float h, ClassScore best) {
  return {{cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2}, best.class_id, best.score};
}

// Best wanted class of a YOLOX / YOLOv5 row, score = objectness x class score. Objectness
// bounds the score, so most anchors are rejected before their classes are scanned.
std::optional<ClassScore> score_row(const float *row, int num_classes, const DecodeParams &params) {
  const float objectness = row[4];
  if (objectness < params.score_threshold) return std::nullopt;
  const int count = wanted_class_count(num_classes, params.class_mask);
  int best_class = -1;
  float best_score = -std::numeric_limits<float>::infinity();
  for (int c = 0; c < count; ++c) {
    const float score = row[kRowHeader + c];
    if (score > best_score && wanted(c, params.class_mask)) {
      best_class = c;
      best_score = score;
    }
  }
  if (best_class < 0) return std::nullopt;
  const float score = objectness * best_score;
  if (score < params.score_threshold) return std::nullopt;
  return ClassScore{best_class, score};
}

void decode_yolox(const float *data, std::span<const int> shape, Matrix m,
                  const DecodeParams &params, std::vector<Detection> &out) {
  const int cells = grid_cell_count(params.input_w, params.input_h);
  check_shape(m.rows == cells && m.cols > kRowHeader, shape, YoloLayout::kYolox,
              "[1," + std::to_string(cells) + ",5+classes] for a " +
                  std::to_string(params.input_w) + "x" + std::to_string(params.input_h) + " input");
  const int num_classes = m.cols - kRowHeader;
  const float *row = data;
  for (const int stride : kStrides) {
    const int grid_w = params.input_w / stride;
    const int grid_h = params.input_h / stride;
    const auto s = static_cast<float>(stride);
    for (int gy = 0; gy < grid_h; ++gy) {
      for (int gx = 0; gx < grid_w; ++gx, row += m.cols) {
        const auto scored = score_row(row, num_classes, params);
        if (!scored) continue;
        out.push_back(make_detection((row[0] + static_cast<float>(gx)) * s,
                                     (row[1] + static_cast<float>(gy)) * s, std::exp(row[2]) * s,
                                     std::exp(row[3]) * s, *scored));
      }
    }
  }
}

void decode_yolov5(const float *data, std::span<const int> shape, Matrix m,
                   const DecodeParams &params, std::vector<Detection> &out) {
  check_shape(m.cols > kRowHeader, shape, YoloLayout::kYolov5, "[1,anchors,5+classes]");
  const int num_classes = m.cols - kRowHeader;
  for (const float *row = data; row != data + static_cast<std::size_t>(m.rows) * m.cols;
       row += m.cols) {
    const auto scored = score_row(row, num_classes, params);
    if (!scored) continue;
    out.push_back(make_detection(row[0], row[1], row[2], row[3], *scored));
  }
}

// Channel-major data: scanning class by class keeps the reads sequential, where scanning
// anchor by anchor would jump a whole channel (N floats) per class.
void decode_yolov8(const float *data, std::span<const int> shape, Matrix m,
                   const DecodeParams &params, std::vector<Detection> &out) {
  check_shape(m.rows > kChannelHeader, shape, YoloLayout::kYolov8, "[1,4+classes,anchors]");
  const std::size_t n = m.cols;
  const int count = wanted_class_count(m.rows - kChannelHeader, params.class_mask);
  std::vector<float> best_score(n, -std::numeric_limits<float>::infinity());
  std::vector<int> best_class(n, -1);
  for (int c = 0; c < count; ++c) {
    if (!wanted(c, params.class_mask)) continue;
    const float *scores = data + (kChannelHeader + c) * n;
    for (std::size_t i = 0; i < n; ++i) {
      if (scores[i] > best_score[i]) {
        best_score[i] = scores[i];
        best_class[i] = c;
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (best_class[i] < 0 || best_score[i] < params.score_threshold) continue;
    out.push_back(make_detection(data[i], data[n + i], data[2 * n + i], data[3 * n + i],
                                 {best_class[i], best_score[i]}));
  }
}

}  // namespace

const char *to_string(YoloLayout layout) {
  switch (layout) {
    case YoloLayout::kYolox:
      return "yolox";
    case YoloLayout::kYolov5:
      return "yolov5";
    case YoloLayout::kYolov8:
      return "yolov8";
  }
  return "unknown";
}

std::string shape_to_string(std::span<const int> shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ",";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

int grid_cell_count(int input_w, int input_h) {
  int cells = 0;
  for (const int stride : kStrides) cells += (input_w / stride) * (input_h / stride);
  return cells;
}

std::optional<YoloLayout> infer_layout(std::span<const int> output_shape, int input_w,
                                       int input_h) {
  const auto m = as_matrix(output_shape);
  if (!m) return std::nullopt;
  const int cells = grid_cell_count(input_w, input_h);
  if (m->rows == cells && m->cols > kRowHeader) return YoloLayout::kYolox;
  if (m->rows == 3 * cells && m->cols > kRowHeader) return YoloLayout::kYolov5;
  if (m->cols == cells && m->rows > kChannelHeader && m->rows < m->cols) {
    return YoloLayout::kYolov8;
  }
  return std::nullopt;
}

std::vector<Detection> decode(YoloLayout layout, const float *data,
                              std::span<const int> output_shape, const DecodeParams &params) {
  const auto m = as_matrix(output_shape);
  check_shape(m.has_value(), output_shape, layout, "a batch of 1 and two positive dimensions");
  std::vector<Detection> detections;
  switch (layout) {
    case YoloLayout::kYolox:
      decode_yolox(data, output_shape, *m, params, detections);
      break;
    case YoloLayout::kYolov5:
      decode_yolov5(data, output_shape, *m, params, detections);
      break;
    case YoloLayout::kYolov8:
      decode_yolov8(data, output_shape, *m, params, detections);
      break;
  }
  return detections;
}

}  // namespace rw::detect
