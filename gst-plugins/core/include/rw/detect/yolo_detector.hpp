#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "rw/detect/box.hpp"
#include "rw/detect/image.hpp"
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
// problem with the model surfaces at start as an rw::Error.
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

  YoloLayout layout() const;
  Device device() const;
  // One line saying what runs where, and why if it is not what was asked for.
  const std::string &device_note() const;
  int input_width() const;
  int input_height() const;
  // Classes the model scores, from its output shape.
  int num_classes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rw::detect
