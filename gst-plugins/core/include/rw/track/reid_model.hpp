#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace rw::track {

// A person/vehicle re-identification network (OSNet x0.25 and alike) run with OpenCV DNN:
// a BGR crop in, an L2-normalised descriptor out. Input size from the ONNX file (256x128 for
// OSNet), RGB, ImageNet mean/std. One crop per call: OpenCV 4.6 runs these models at batch 1.
class ReidModel {
 public:
  // Throws rw::Error naming the file when it is missing or not a usable model.
  explicit ReidModel(const std::string &model_path);
  ~ReidModel();
  ReidModel(const ReidModel &) = delete;
  ReidModel &operator=(const ReidModel &) = delete;

  int input_width() const;
  int input_height() const;

  // crop_bgr must be input_width() x input_height(), CV_8UC3.
  std::vector<float> describe(const cv::Mat &crop_bgr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rw::track
