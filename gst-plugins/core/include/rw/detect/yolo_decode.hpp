#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rw/detect/box.hpp"

namespace rw::detect {

// Output layouts of the YOLO families, after the batch dimension:
//  kYolox  N x (5+C): raw grid; x, y are offsets in cells, w, h log-sizes (strides 8/16/32),
//          objectness and class scores already through a sigmoid.
//  kYolov5 N x (5+C): cx, cy, w, h in input pixels, objectness, class scores; N = 3 anchors
//          per grid cell.
//  kYolov8 (4+C) x N: cx, cy, w, h in input pixels, class scores, no objectness (also YOLO11).
enum class YoloLayout { kYolox, kYolov5, kYolov8 };

const char *to_string(YoloLayout layout);

// "[1,3549,85]": shapes as error messages show them.
std::string shape_to_string(std::span<const int> shape);

// Number of grid cells over strides 8, 16 and 32 for an input size (3549 for 416x416).
int grid_cell_count(int input_w, int input_h);

// Guesses the layout from an output shape such as {1, 3549, 85}; nullopt if none fits.
std::optional<YoloLayout> infer_layout(std::span<const int> output_shape, int input_w, int input_h);

struct DecodeParams {
  int input_w = 0;
  int input_h = 0;
  float score_threshold = 0.25f;
  // class_mask[c] says whether class c is wanted; empty means every class.
  std::vector<bool> class_mask;
};

// Boxes in model-input pixels, score = objectness x class score (YOLOX, YOLOv5) or class score
// (YOLOv8), best class per anchor, only scores >= score_threshold. Throws rw::Error when the
// shape does not fit the layout.
std::vector<Detection> decode(YoloLayout layout, const float *data,
                              std::span<const int> output_shape, const DecodeParams &params);

}  // namespace rw::detect
