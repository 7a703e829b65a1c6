#include "rw/track/reid_model.hpp"

#include <cmath>

#include <opencv2/dnn.hpp>

#include "rw/common/error.hpp"
#include "rw/detect/onnx_model_info.hpp"

namespace rw::track {

struct ReidModel::Impl {
  cv::dnn::Net net;
  int input_w = 128, input_h = 256;
  cv::Mat normalised, blob;
};

ReidModel::ReidModel(const std::string &model_path) : impl_(std::make_unique<Impl>()) {
  const rw::detect::OnnxModelInfo info = rw::detect::read_onnx_model_info(model_path);
  if (info.input_shape.size() == 4 && info.input_shape[2] > 0 && info.input_shape[3] > 0) {
    impl_->input_h = static_cast<int>(info.input_shape[2]);
    impl_->input_w = static_cast<int>(info.input_shape[3]);
  }
  try {
    impl_->net = cv::dnn::readNetFromONNX(model_path);
    describe(cv::Mat(impl_->input_h, impl_->input_w, CV_8UC3, cv::Scalar::all(128)));
  } catch (const cv::Exception &e) {
    throw Error("the ReID model '" + model_path + "' cannot be run with OpenCV DNN: " + e.what());
  }
}

ReidModel::~ReidModel() = default;

int ReidModel::input_width() const {
  return impl_->input_w;
}
int ReidModel::input_height() const {
  return impl_->input_h;
}

std::vector<float> ReidModel::describe(const cv::Mat &crop_bgr) {
  Impl &m = *impl_;
  // ImageNet statistics in RGB order, applied as (x/255 - mean) / std.
  static const cv::Scalar kMean(0.485, 0.456, 0.406), kStd(0.229, 0.224, 0.225);
  cv::dnn::blobFromImage(crop_bgr, m.blob, 1.0 / 255.0, cv::Size(), cv::Scalar(), true, false,
                         CV_32F);
  for (int c = 0; c < 3; ++c) {
    cv::Mat channel(m.input_h, m.input_w, CV_32F, m.blob.ptr<float>(0, c));
    channel = (channel - kMean[c]) / kStd[c];
  }
  m.net.setInput(m.blob);
  const cv::Mat out = m.net.forward();
  std::vector<float> feature(out.ptr<float>(), out.ptr<float>() + out.total());
  double norm = 0;
  for (const float v : feature) norm += double(v) * v;
  norm = std::sqrt(norm);
  if (norm > 0) {
    for (float &v : feature) v = static_cast<float>(v / norm);
  }
  return feature;
}

}  // namespace rw::track
