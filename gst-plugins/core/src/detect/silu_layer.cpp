#include "rw/detect/silu_layer.hpp"

#include <algorithm>
#include <mutex>
#include <vector>

#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/dnn/all_layers.hpp>

namespace rw::detect {
namespace {

// Elements per parallel task when the layer runs on its own (not fused).
constexpr int kTaskElements = 1 << 14;

class SiluLayer : public cv::dnn::ActivationLayer {
 public:
  explicit SiluLayer(const cv::dnn::LayerParams &params) { setParamsFrom(params); }

  static cv::Ptr<cv::dnn::Layer> create(cv::dnn::LayerParams &params) {
    return cv::makePtr<SiluLayer>(params);
  }

  bool supportBackend(int backend_id) override { return backend_id == cv::dnn::DNN_BACKEND_OPENCV; }

  // Same shape out as in; true lets OpenCV compute it in place.
  bool getMemoryShapes(const std::vector<cv::dnn::MatShape> &inputs, const int,
                       std::vector<cv::dnn::MatShape> &outputs,
                       std::vector<cv::dnn::MatShape> &) const override {
    outputs = inputs;
    return true;
  }

  // Called by the convolution it is fused into: channels cn0..cn1 of one output stripe.
  void forwardSlice(const float *src, float *dst, int len, std::size_t plane_size, int cn0,
                    int cn1) const override {
    for (int c = cn0; c < cn1; ++c, src += plane_size, dst += plane_size) {
      silu(src, dst, static_cast<std::size_t>(len));
    }
  }

  void forward(cv::InputArrayOfArrays inputs_arr, cv::OutputArrayOfArrays outputs_arr,
               cv::OutputArrayOfArrays) override {
    std::vector<cv::Mat> inputs, outputs;
    inputs_arr.getMatVector(inputs);
    outputs_arr.getMatVector(outputs);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      CV_Assert(inputs[i].isContinuous() && outputs[i].isContinuous() &&
                inputs[i].type() == CV_32F && inputs[i].total() == outputs[i].total());
      const float *src = inputs[i].ptr<float>();
      float *dst = outputs[i].ptr<float>();
      const auto total = static_cast<int>(inputs[i].total());
      const int tasks = (total + kTaskElements - 1) / kTaskElements;
      cv::parallel_for_(cv::Range(0, tasks), [&](const cv::Range &range) {
        const int begin = range.start * kTaskElements;
        const int end = std::min(total, range.end * kTaskElements);
        silu(src + begin, dst + begin, static_cast<std::size_t>(end - begin));
      });
    }
  }
};

}  // namespace

void register_silu_layer() {
  static std::once_flag once;
  std::call_once(once,
                 [] { cv::dnn::LayerFactory::registerLayer(kSiluOpType, SiluLayer::create); });
}

}  // namespace rw::detect
