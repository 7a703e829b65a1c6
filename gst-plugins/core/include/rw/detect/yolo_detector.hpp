#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "rw/detect/box.hpp"
#include "rw/detect/image.hpp"
#include "rw/detect/input_size.hpp"
#include "rw/detect/letterbox.hpp"
#include "rw/detect/yolo_decode.hpp"

namespace rw::detect {

enum class ModelType { kAuto, kYolox, kYolov5, kYolov8 };
enum class Device { kAuto, kCpu, kOpenCl, kOpenClFp16, kCuda };

const char *to_string(Device device);

struct DetectorConfig {
  std::string model_path;
  ModelType model_type = ModelType::kAuto;
  Device device = Device::kAuto;
  // Input size for models whose ONNX input is dynamic.
  int fallback_input_size = 640;
  // OpenCV's worker threads; 0 keeps OpenCV's default. OpenCV has one pool per process.
  int threads = 0;
  // On the CPU, run the graph as rewrite_for_opencv_cpu() leaves it (onnx_rewrite.hpp), after
  // checking at start that it gives the original's outputs.
  bool rewrite_graph = true;
};

// Per-call settings, so thresholds and classes can change while playing.
struct DetectParams {
  float score_threshold = 0.3f;
  float iou_threshold = 0.45f;
  std::vector<bool> class_mask;  // empty = every class
  std::size_t max_detections = 300;
};

// A YOLO-family ONNX model run with OpenCV DNN: letterbox, forward, decode, class-aware NMS.
// The constructor loads the model, picks the device (falling back to the CPU when the asked
// one is missing) and runs one forward pass to learn and check the output layout, so every
// problem with the model surfaces at start as an rw::Error. It runs at the model's declared
// input size until set_input_size() picks another.
class YoloDetector {
 public:
  explicit YoloDetector(const DetectorConfig &config);
  ~YoloDetector();
  YoloDetector(const YoloDetector &) = delete;
  YoloDetector &operator=(const YoloDetector &) = delete;

  // Detections in frame pixels, clamped to the frame, best first.
  std::vector<Detection> detect(const ImageView &frame, const DetectParams &params);

  // Only the network's forward pass on an input already letterboxed to input_width() x
  // input_height() BGR: the "model only" figure of the benchmarks.
  void forward(const cv::Mat &letterboxed_bgr);

  // Runs the network at `size` from now on (a multiple of kModelStridePx). A model whose
  // output does not follow its input size (an export with fixed grids) stays at its own size:
  // returns false and input_size_note() says why.
  bool set_input_size(SizePx size);
  // OpenCV's timing of the last forward pass, milliseconds summed by layer type.
  std::map<std::string, double> layer_profile_ms() const;
  const std::string &input_size_note() const;
  SizePx model_input_size() const;

  YoloLayout layout() const;
  Device device() const;
  // One line saying what runs where, and why if it is not what was asked for.
  const std::string &device_note() const;
  // What the graph rewrite did, or why it is off ("rewrite: 104 SiLU fused, ...").
  const std::string &rewrite_note() const;
  int input_width() const;
  int input_height() const;
  // Classes the model scores, from its output shape.
  int num_classes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rw::detect
