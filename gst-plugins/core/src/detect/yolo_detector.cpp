#include "rw/detect/yolo_detector.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <opencv2/core/cuda.hpp>
#include <opencv2/core/ocl.hpp>
#include <opencv2/dnn.hpp>

#include "rw/common/error.hpp"
#include "rw/detect/nms.hpp"
#include "rw/detect/onnx_model_info.hpp"
#include "rw/detect/onnx_rewrite.hpp"
#include "rw/detect/silu_layer.hpp"

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

// A rewritten graph must reproduce the original's outputs to this much, relative to the
// largest output value (float rounding in a different order differs by about 1e-6).
constexpr double kRewriteTolerance = 1e-4;

cv::dnn::Net read_net(const std::string &bytes) {
  return cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
}

void use_cpu(cv::dnn::Net &net) {
  net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
}

// Anchors (rows of YOLOX / YOLOv5, columns of YOLOv8) in an output shape.
int anchor_count(YoloLayout layout, const std::vector<int> &shape) {
  return layout == YoloLayout::kYolov8 ? shape.back() : shape[shape.size() - 2];
}

std::vector<int> shape_of(const cv::Mat &m) {
  return std::vector<int>(m.size.p, m.size.p + m.dims);
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
  std::string device_note, rewrite_note, input_size_note;
  SizePx model_size;
  int input_w = 0, input_h = 0;
  int num_classes = 0;
  int model_anchors = 0;  // anchors in the output at the model's own size
  // The rewritten graph leaves its output transposed (onnx_rewrite.hpp).
  bool output_transposed = false;
  // Reused between frames so the steady state allocates nothing.
  cv::Mat letterboxed, blob, transposed_2d, transposed;
  std::vector<cv::Mat> outputs;
  std::vector<cv::String> output_names;

  void select_device(Device asked);
  void rewrite_graph(const std::string &model_bytes);
  const cv::Mat &run(const cv::Mat &letterboxed_bgr);
  const cv::Mat &probe(int width, int height);
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
      use_cpu(net);
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
  const cv::Mat &out = outputs.front();
  if (!output_transposed || out.dims != 3 || out.size[0] != 1) return out;
  // 1 x A x B back to the original graph's 1 x B x A.
  const int a = out.size[1], b = out.size[2];
  cv::transpose(cv::Mat(a, b, CV_32F, const_cast<float *>(out.ptr<float>())), transposed_2d);
  transposed = transposed_2d.reshape(1, {1, b, a});
  return transposed;
}

// One forward pass on a grey image.
const cv::Mat &YoloDetector::Impl::probe(int width, int height) {
  letterboxed.create(height, width, CV_8UC3);
  letterboxed.setTo(cv::Scalar::all(kLetterboxPadValue));
  return run(letterboxed);
}

// Swaps in the rewritten graph when one applies and gives the original's outputs on a noise
// image; otherwise keeps the original and says why.
void YoloDetector::Impl::rewrite_graph(const std::string &model_bytes) {
  RewrittenModel rewritten;
  try {
    rewritten = rewrite_for_opencv_cpu(model_bytes);
  } catch (const Error &e) {
    rewrite_note = std::string("graph rewrite off: ") + e.what();
    return;
  }
  if (!rewritten.changed()) {
    rewrite_note = "graph rewrite: " + rewritten.summary();
    return;
  }
  cv::Mat noise(model_size.height, model_size.width, CV_8UC3);
  cv::RNG(0x5eed).fill(noise, cv::RNG::UNIFORM, 0, 256);
  const cv::dnn::Net original_net = net;  // a shared handle: kept alive, not copied
  const std::vector<cv::String> original_names = output_names;
  std::string problem;
  try {
    const cv::Mat original = run(noise).clone();
    register_silu_layer();
    net = read_net(rewritten.bytes);
    use_cpu(net);
    output_names = net.getUnconnectedOutLayersNames();
    output_transposed = rewritten.output_transposed;
    const cv::Mat &now = run(noise);
    const double scale = std::max(1.0, cv::norm(original, cv::NORM_INF));
    const double difference =
        now.size == original.size ? cv::norm(now, original, cv::NORM_INF) / scale : INFINITY;
    if (difference <= kRewriteTolerance) {
      rewrite_note = "graph rewrite: " + rewritten.summary();
      return;
    }
    problem = "its outputs differ from the original's by " + std::to_string(difference);
  } catch (const cv::Exception &e) {
    problem = std::string("OpenCV cannot run it: ") + e.what();
  }
  net = original_net;
  output_names = original_names;
  output_transposed = false;
  rewrite_note = "graph rewrite off: " + problem;
}

YoloDetector::YoloDetector(const DetectorConfig &config) : impl_(std::make_unique<Impl>()) {
  Impl &m = *impl_;
  if (config.threads > 0) cv::setNumThreads(config.threads);
  const std::string bytes = read_model_file(config.model_path);
  const OnnxModelInfo info = parse_onnx_model_info(bytes, config.model_path);
  m.model_size = {input_dim(info, 3, config.fallback_input_size),
                  input_dim(info, 2, config.fallback_input_size)};
  m.input_w = m.model_size.width;
  m.input_h = m.model_size.height;
  try {
    m.net = read_net(bytes);
  } catch (const cv::Exception &e) {
    throw Error("OpenCV cannot load the ONNX model '" + config.model_path + "': " + e.what());
  }
  if (m.net.empty()) throw Error("OpenCV loaded an empty network from '" + config.model_path + "'");
  m.output_names = m.net.getUnconnectedOutLayersNames();
  m.select_device(config.device);

  // One forward pass on a grey input tells us the output shape before the first frame.
  const std::optional<YoloLayout> forced = layout_for(config.model_type);
  m.convention = convention_for(forced.value_or(YoloLayout::kYolox));
  const cv::Mat *out = nullptr;
  try {
    out = &m.probe(m.input_w, m.input_h);
  } catch (const cv::Exception &e) {
    if (m.device == Device::kCpu) {
      throw Error("the model '" + config.model_path +
                  "' fails to run with OpenCV DNN: " + e.what());
    }
    // A GPU target can fail where the CPU works; say so and keep going on the CPU.
    m.device_note += std::string("; ") + to_string(m.device) + " failed, running on cpu";
    m.device = Device::kCpu;
    use_cpu(m.net);
    out = &m.probe(m.input_w, m.input_h);
  }
  const std::vector<int> shape = shape_of(*out);
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
  m.model_anchors = anchor_count(m.layout, shape);
  // Decoding the probe output checks that a forced model-type fits the shape.
  decode(m.layout, out->ptr<float>(), shape, DecodeParams{m.input_w, m.input_h, 1.0f, {}});

  if (!config.rewrite_graph) {
    m.rewrite_note = "graph rewrite off";
  } else if (m.device != Device::kCpu) {
    m.rewrite_note = "graph rewrite off: it is for the CPU";
  } else {
    m.rewrite_graph(bytes);
  }
}

bool YoloDetector::set_input_size(SizePx size) {
  Impl &m = *impl_;
  if (size.width == m.input_w && size.height == m.input_h) return true;
  const SizePx model = m.model_size;
  const std::string asked = to_string(size);
  std::string problem;
  try {
    const cv::Mat &out = m.probe(size.width, size.height);
    const std::vector<int> shape = shape_of(out);
    // The anchors must follow the grid: N(size) / cells(size) = N(model) / cells(model).
    const long long cells = grid_cell_count(size.width, size.height);
    const long long model_cells = grid_cell_count(model.width, model.height);
    const bool follows =
        shape.size() >= 2 && anchor_count(m.layout, shape) * model_cells == m.model_anchors * cells;
    const int classes =
        shape.size() < 2
            ? -1
            : (m.layout == YoloLayout::kYolov8 ? shape[shape.size() - 2] - 4 : shape.back() - 5);
    if (follows && classes == m.num_classes) {
      m.input_w = size.width;
      m.input_h = size.height;
      m.input_size_note = "network input " + asked + " (model " + to_string(model) + ")";
      return true;
    }
    problem = "its output " + shape_to_string(shape) + " does not follow the input size";
  } catch (const cv::Exception &e) {
    problem = std::string("OpenCV cannot run it at that size: ") + e.what();
  }
  m.input_w = model.width;
  m.input_h = model.height;
  m.probe(model.width, model.height);  // back to a known state at the model's size
  m.input_size_note = "network input " + to_string(model) + ", the model's own size: asked for " +
                      asked + " but " + problem;
  return false;
}

std::map<std::string, double> YoloDetector::layer_profile_ms() const {
  std::vector<double> ticks;
  impl_->net.getPerfProfile(ticks);
  const double ms_per_tick = 1e3 / cv::getTickFrequency();
  std::map<std::string, double> by_type;
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    // Layer ids start at 1 (0 is the input layer, which getPerfProfile leaves out).
    by_type[impl_->net.getLayer(static_cast<int>(i) + 1)->type] += ticks[i] * ms_per_tick;
  }
  return by_type;
}

const std::string &YoloDetector::input_size_note() const {
  return impl_->input_size_note;
}
SizePx YoloDetector::model_input_size() const {
  return impl_->model_size;
}
const std::string &YoloDetector::rewrite_note() const {
  return impl_->rewrite_note;
}

YoloDetector::~YoloDetector() = default;

std::vector<Detection> YoloDetector::detect(const ImageView &frame, const DetectParams &params) {
  Impl &m = *impl_;
  const bool yuv = frame.format == PixelFormat::kI420 || frame.format == PixelFormat::kNv12;
  const Letterbox geometry =
      make_letterbox(frame.width, frame.height, m.input_w, m.input_h, m.convention.placement, yuv);
  letterbox_to_bgr(frame, geometry, m.letterboxed);
  const cv::Mat &out = m.run(m.letterboxed);
  const std::vector<int> shape = shape_of(out);
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
