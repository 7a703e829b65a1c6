#include "rw/detect/yolo_detector.hpp"

#include <algorithm>
#include <sstream>

#include <opencv2/core/cuda.hpp>
#include <opencv2/core/ocl.hpp>
#include <opencv2/dnn.hpp>

#include "rw/common/error.hpp"
#include "rw/detect/nms.hpp"
#include "rw/detect/onnx_model_info.hpp"

namespace rw::detect {
namespace {

// What a model family expects of its input image.
struct InputConvention {
  PadPlacement placement;
  bool swap_rb;  // model wants RGB
  double scale;  // pixel value multiplier
};

InputConvention convention_for(YoloLayout layout) {
  if (layout == YoloLayout::kYolox) return {PadPlacement::kTopLeft, false, 1.0};
  return {PadPlacement::kCentered, true, 1.0 / 255.0};
}

std::optional<YoloLayout> layout_for(ModelType type) {
  switch (type) {
    case ModelType::kYolox:
      return YoloLayout::kYolox;
    case ModelType::kYolov5:
      return YoloLayout::kYolov5;
    case ModelType::kYolov8:
      return YoloLayout::kYolov8;
    case ModelType::kAuto:
      break;
  }
  return std::nullopt;
}

int input_dim(const OnnxModelInfo &info, std::size_t index, int fallback) {
  if (info.input_shape.size() != 4 || info.input_shape[index] <= 0) return fallback;
  return static_cast<int>(info.input_shape[index]);
}

bool has_cuda() {
  try {
    return cv::cuda::getCudaEnabledDeviceCount() > 0;
  } catch (const cv::Exception &) {
    return false;  // OpenCV built without CUDA throws instead of returning 0
  }
}

bool has_opencl() {
  return cv::ocl::haveOpenCL() && cv::ocl::useOpenCL();
}

}  // namespace

const char *to_string(Device device) {
  switch (device) {
    case Device::kAuto:
      return "auto";
    case Device::kCpu:
      return "cpu";
    case Device::kOpenCl:
      return "opencl";
    case Device::kOpenClFp16:
      return "opencl-fp16";
    case Device::kCuda:
      return "cuda";
  }
  return "?";
}

struct YoloDetector::Impl {
  cv::dnn::Net net;
  YoloLayout layout = YoloLayout::kYolox;
  InputConvention convention{};
  Device device = Device::kCpu;
  std::string device_note;
  int input_w = 0, input_h = 0;
  int num_classes = 0;
  // Reused between frames so the steady state allocates nothing.
  cv::Mat letterboxed, blob;
  std::vector<cv::Mat> outputs;
  std::vector<cv::String> output_names;

  void select_device(Device asked);
  const cv::Mat &run(const cv::Mat &letterboxed_bgr);
};

void YoloDetector::Impl::select_device(Device asked) {
  Device chosen = Device::kCpu;
  std::string why;
  if (asked == Device::kCuda || asked == Device::kAuto) {
    if (has_cuda()) {
      chosen = Device::kCuda;
    } else if (asked == Device::kCuda) {
      why = "no CUDA device, or OpenCV built without CUDA";
    }
  } else if (asked == Device::kOpenCl || asked == Device::kOpenClFp16) {
    if (has_opencl()) {
      chosen = asked;
    } else {
      why = "no usable OpenCL device";
    }
  }
  switch (chosen) {
    case Device::kCuda:
      net.setPreferableBackend(cv::dnn::DNN_BACKEND_CUDA);
      net.setPreferableTarget(cv::dnn::DNN_TARGET_CUDA);
      break;
    case Device::kOpenCl:
    case Device::kOpenClFp16:
      net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
      net.setPreferableTarget(chosen == Device::kOpenCl ? cv::dnn::DNN_TARGET_OPENCL
                                                        : cv::dnn::DNN_TARGET_OPENCL_FP16);
      break;
    default:
      net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
      net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
      break;
  }
  device = chosen;
  std::ostringstream note;
  note << "inference on " << to_string(chosen) << " (OpenCV DNN, " << cv::getNumThreads()
       << " threads)";
  if (!why.empty()) note << "; asked for " << to_string(asked) << " but " << why;
  device_note = note.str();
}

const cv::Mat &YoloDetector::Impl::run(const cv::Mat &letterboxed_bgr) {
  cv::dnn::blobFromImage(letterboxed_bgr, blob, convention.scale, cv::Size(), cv::Scalar(),
                         convention.swap_rb, false, CV_32F);
  net.setInput(blob);
  net.forward(outputs, output_names);
  return outputs.front();
}

YoloDetector::YoloDetector(const DetectorConfig &config) : impl_(std::make_unique<Impl>()) {
  Impl &m = *impl_;
  if (config.threads > 0) cv::setNumThreads(config.threads);
  const OnnxModelInfo info = read_onnx_model_info(config.model_path);
  m.input_h = input_dim(info, 2, config.fallback_input_size);
  m.input_w = input_dim(info, 3, config.fallback_input_size);
  try {
    m.net = cv::dnn::readNetFromONNX(config.model_path);
  } catch (const cv::Exception &e) {
    throw Error("OpenCV cannot load the ONNX model '" + config.model_path + "': " + e.what());
  }
  if (m.net.empty()) throw Error("OpenCV loaded an empty network from '" + config.model_path + "'");
  m.output_names = m.net.getUnconnectedOutLayersNames();
  m.select_device(config.device);

  // One forward pass on a grey input tells us the output shape before the first frame.
  const std::optional<YoloLayout> forced = layout_for(config.model_type);
  m.convention = convention_for(forced.value_or(YoloLayout::kYolox));
  cv::Mat grey(m.input_h, m.input_w, CV_8UC3, cv::Scalar::all(kLetterboxPadValue));
  const cv::Mat *out = nullptr;
  try {
    out = &m.run(grey);
  } catch (const cv::Exception &e) {
    if (m.device == Device::kCpu) {
      throw Error("the model '" + config.model_path +
                  "' fails to run with OpenCV DNN: " + e.what());
    }
    // A GPU target can fail where the CPU works; say so and keep going on the CPU.
    m.device_note += std::string("; ") + to_string(m.device) + " failed, running on cpu";
    m.device = Device::kCpu;
    m.net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    m.net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    out = &m.run(grey);
  }
  const std::vector<int> shape(out->size.p, out->size.p + out->dims);
  const std::optional<YoloLayout> inferred = infer_layout(shape, m.input_w, m.input_h);
  if (!forced && !inferred) {
    throw Error("cannot decode the output of '" + config.model_path + "': shape " +
                shape_to_string(shape) + " at input " + std::to_string(m.input_w) + "x" +
                std::to_string(m.input_h) +
                " fits none of YOLOX [1,N,5+C], YOLOv5 [1,3N,5+C] or YOLOv8 [1,4+C,N] "
                "(N = grid cells at strides 8/16/32); set model-type if it is one of them");
  }
  m.layout = forced.value_or(inferred.value_or(YoloLayout::kYolox));
  m.convention = convention_for(m.layout);
  // The last two dimensions are anchors x (5+C), or (4+C) x anchors for YOLOv8.
  m.num_classes = m.layout == YoloLayout::kYolov8 ? shape[shape.size() - 2] - 4 : shape.back() - 5;
  // Decoding the probe output checks that a forced model-type fits the shape.
  decode(m.layout, out->ptr<float>(), shape, DecodeParams{m.input_w, m.input_h, 1.0f, {}});
}

YoloDetector::~YoloDetector() = default;

std::vector<Detection> YoloDetector::detect(const ImageView &frame, const DetectParams &params) {
  Impl &m = *impl_;
  const bool yuv = frame.format == PixelFormat::kI420 || frame.format == PixelFormat::kNv12;
  const Letterbox geometry =
      make_letterbox(frame.width, frame.height, m.input_w, m.input_h, m.convention.placement, yuv);
  letterbox_to_bgr(frame, geometry, m.letterboxed);
  const cv::Mat &out = m.run(m.letterboxed);
  const std::vector<int> shape(out.size.p, out.size.p + out.dims);
  std::vector<Detection> found =
      decode(m.layout, out.ptr<float>(), shape,
             DecodeParams{m.input_w, m.input_h, params.score_threshold, params.class_mask});
  found = nms_per_class(std::move(found), params.iou_threshold, params.max_detections);
  for (Detection &d : found) d.box = geometry.to_frame(d.box);
  std::erase_if(found, [](const Detection &d) { return d.box.area() <= 0; });
  return found;
}

void YoloDetector::forward(const cv::Mat &letterboxed_bgr) {
  impl_->run(letterboxed_bgr);
}

YoloLayout YoloDetector::layout() const {
  return impl_->layout;
}
Device YoloDetector::device() const {
  return impl_->device;
}
const std::string &YoloDetector::device_note() const {
  return impl_->device_note;
}
int YoloDetector::input_width() const {
  return impl_->input_w;
}
int YoloDetector::input_height() const {
  return impl_->input_h;
}
int YoloDetector::num_classes() const {
  return impl_->num_classes;
}

}  // namespace rw::detect
