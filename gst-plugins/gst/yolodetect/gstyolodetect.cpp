/**
 * SECTION:element-yolodetect
 * @title: yolodetect
 *
 * Runs a YOLO-family ONNX object detector (OpenCV DNN) on raw video and attaches one
 * #GstVideoRegionOfInterestMeta per detection, `roi_type` = class label, with a `detection`
 * param (`class-id`, `label`, `confidence`, and the sub-pixel box normalised as `x-min`,
 * `y-min`, `x-max`, `y-max`). Every frame also carries a `RwDetectionFrame` custom meta saying
 * whether inference ran on it (see #GstYoloDetect:interval).
 *
 * Output layouts YOLOX (raw grid, `1×N×(5+C)`), YOLOv5 (`1×3N×(5+C)`) and YOLOv8/YOLO11
 * (`1×(4+C)×N`) are recognised from the output shape; #GstYoloDetect:model-type overrides.
 * Frames are letterboxed to the network's input size inside the element, so never scale
 * between yolodetect and the elements that read its metadata. Pixels pass through untouched;
 * I420 and NV12 are read directly (no videoconvert needed).
 *
 * The network runs at the frame's aspect ratio by default (#GstYoloDetect:input-size): a
 * 16:9 frame and a 416×416 model give a 416×256 input, which holds the same 416×234
 * letterboxed picture as 416×416 for about 60 % of the work. Models exported with fixed
 * grids cannot change size; they run at their own size and the log says so. On the CPU the
 * model's graph is also rewritten in memory for OpenCV (#GstYoloDetect:rewrite-graph).
 *
 * At end of stream the element compares where the stream ended with where its segment (or
 * the container's duration) says it should end, and fails with an error when more than
 * max(2 s, 5 %) is missing: a truncated file must not pass for a short one
 * (#GstYoloDetect:check-truncation). An EOS sent to stop a file pipeline early looks the same
 * to the element, so such applications set check-truncation=false.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=highway.mp4 ! decodebin ! yolodetect model-file=yolox_nano.onnx !
 * \ metaconvert ! filesink location=detections.jsonl
 * ]|
 *
 * Limitations: batch size 1; OpenCV's thread pool (#GstYoloDetect:threads) is shared by the
 * whole process.
 */

#include "yolodetect/gstyolodetect.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "meta/rwmeta.h"
#include "rw/detect/input_size.hpp"
#include "rw/detect/labels.hpp"
#include "rw/detect/yolo_detector.hpp"
#include "util/gstcv.h"

GST_DEBUG_CATEGORY_STATIC(gst_yolo_detect_debug);
#define GST_CAT_DEFAULT gst_yolo_detect_debug

namespace det = rw::detect;

enum {
  PROP_0,
  PROP_MODEL_FILE,
  PROP_LABEL_FILE,
  PROP_MODEL_TYPE,
  PROP_SCORE_THRESHOLD,
  PROP_IOU_THRESHOLD,
  PROP_CLASSES,
  PROP_INTERVAL,
  PROP_DEVICE,
  PROP_THREADS,
  PROP_CHECK_TRUNCATION,
  PROP_INPUT_SIZE,
  PROP_REWRITE_GRAPH,
};

constexpr const char *DEFAULT_CLASSES = "car,motorcycle,bus,truck";
constexpr float DEFAULT_SCORE_THRESHOLD = 0.3f;
constexpr float DEFAULT_IOU_THRESHOLD = 0.45f;
constexpr guint DEFAULT_INTERVAL = 0;
constexpr gint DEFAULT_THREADS = 0;
constexpr gboolean DEFAULT_CHECK_TRUNCATION = TRUE;
constexpr const char *DEFAULT_INPUT_SIZE = "auto";
constexpr gboolean DEFAULT_REWRITE_GRAPH = TRUE;

// Property values; read and written under the object lock, copied once per frame.
struct Settings {
  std::string model_file;
  std::string label_file;
  std::string classes = DEFAULT_CLASSES;
  det::ModelType model_type = det::ModelType::kAuto;
  det::Device device = det::Device::kAuto;
  float score_threshold = DEFAULT_SCORE_THRESHOLD;
  float iou_threshold = DEFAULT_IOU_THRESHOLD;
  guint interval = DEFAULT_INTERVAL;
  gint threads = DEFAULT_THREADS;
  bool check_truncation = DEFAULT_CHECK_TRUNCATION;
  std::string input_size = DEFAULT_INPUT_SIZE;
  bool rewrite_graph = DEFAULT_REWRITE_GRAPH;
};

// Owned by the streaming side: created in start(), dropped in stop().
struct State {
  std::unique_ptr<det::YoloDetector> detector;
  std::vector<std::string> labels;
  std::string parsed_classes;
  std::vector<bool> class_mask;
  det::InputSizeRequest input_size;
  guint frames_to_skip = 0;
  GstClockTime stream_end = GST_CLOCK_TIME_NONE;  // stream time where the last frame ends

  void reset_stream() {
    frames_to_skip = 0;
    stream_end = GST_CLOCK_TIME_NONE;
  }
};

struct _GstYoloDetect {
  GstVideoFilter parent;
  Settings *settings;
  State *state;
};

G_DEFINE_TYPE_WITH_CODE(GstYoloDetect, gst_yolo_detect, GST_TYPE_VIDEO_FILTER,
                        GST_DEBUG_CATEGORY_INIT(gst_yolo_detect_debug, "yolodetect", 0,
                                                "YOLO object detection"));
GST_ELEMENT_REGISTER_DEFINE(yolodetect, "yolodetect", GST_RANK_NONE, GST_TYPE_YOLO_DETECT);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(RW_IMAGE_VIEW_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(RW_IMAGE_VIEW_CAPS));

#define GST_TYPE_YOLO_DETECT_MODEL_TYPE (gst_yolo_detect_model_type_get_type())
static GType gst_yolo_detect_model_type_get_type() {
  static const GEnumValue values[] = {
      {int(det::ModelType::kAuto), "Recognise the layout from the output shape", "auto"},
      {int(det::ModelType::kYolox), "YOLOX raw grid output 1xNx(5+C)", "yolox"},
      {int(det::ModelType::kYolov5), "YOLOv5 output 1xNx(5+C), boxes in pixels", "yolov5"},
      {int(det::ModelType::kYolov8), "YOLOv8/YOLO11 output 1x(4+C)xN", "yolov8"},
      {0, nullptr, nullptr}};
  static GType type = g_enum_register_static("GstYoloDetectModelType", values);
  return type;
}

#define GST_TYPE_YOLO_DETECT_DEVICE (gst_yolo_detect_device_get_type())
static GType gst_yolo_detect_device_get_type() {
  static const GEnumValue values[] = {
      {int(det::Device::kAuto), "CUDA when OpenCV has it and a GPU is present, else CPU", "auto"},
      {int(det::Device::kCpu), "CPU", "cpu"},
      {int(det::Device::kOpenCl), "OpenCL, 32-bit floats", "opencl"},
      {int(det::Device::kOpenClFp16), "OpenCL, 16-bit floats", "opencl-fp16"},
      {int(det::Device::kCuda), "CUDA", "cuda"},
      {0, nullptr, nullptr}};
  static GType type = g_enum_register_static("GstYoloDetectDevice", values);
  return type;
}

static Settings snapshot(GstYoloDetect *self) {
  GST_OBJECT_LOCK(self);
  Settings copy = *self->settings;
  GST_OBJECT_UNLOCK(self);
  return copy;
}

static gboolean gst_yolo_detect_start(GstBaseTransform *trans) {
  GstYoloDetect *self = GST_YOLO_DETECT(trans);
  const Settings settings = snapshot(self);
  State &state = *self->state;
  if (settings.model_file.empty()) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
                      ("No model: set the model-file property to a YOLO ONNX file"), (nullptr));
    return FALSE;
  }
  try {
    state.labels =
        settings.label_file.empty() ? det::coco_labels() : det::load_labels(settings.label_file);
    state.class_mask = det::parse_class_selection(settings.classes, state.labels);
    state.parsed_classes = settings.classes;
    state.input_size = det::parse_input_size(settings.input_size);
    det::DetectorConfig config;
    config.model_path = settings.model_file;
    config.model_type = settings.model_type;
    config.device = settings.device;
    config.threads = settings.threads;
    config.rewrite_graph = settings.rewrite_graph;
    state.detector = std::make_unique<det::YoloDetector>(config);
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", e.what()), (nullptr));
    return FALSE;
  }
  const det::YoloDetector &detector = *state.detector;
  const bool fell_back =
      settings.device != det::Device::kAuto && detector.device() != settings.device;
  if (fell_back) {
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS, ("%s", detector.device_note().c_str()),
                        (nullptr));
  }
  if (std::size_t(detector.num_classes()) != state.labels.size()) {
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                        ("The model scores %d classes but the label list has %zu names; set "
                         "label-file to the model's class names",
                         detector.num_classes(), state.labels.size()),
                        (nullptr));
  }
  GST_INFO_OBJECT(self, "%s; %s layout, model input %dx%d, %zu labels; %s",
                  detector.device_note().c_str(), det::to_string(detector.layout()),
                  detector.input_width(), detector.input_height(), state.labels.size(),
                  detector.rewrite_note().c_str());
  state.reset_stream();
  return TRUE;
}

// The network input size depends on the frame's: picked again whenever the caps change.
static gboolean gst_yolo_detect_set_info(GstVideoFilter *filter, GstCaps *, GstVideoInfo *in_info,
                                         GstCaps *, GstVideoInfo *) {
  GstYoloDetect *self = GST_YOLO_DETECT(filter);
  State &state = *self->state;
  if (!state.detector) return TRUE;  // not started: start() reports why
  det::YoloDetector &detector = *state.detector;
  const det::SizePx frame{GST_VIDEO_INFO_WIDTH(in_info), GST_VIDEO_INFO_HEIGHT(in_info)};
  const det::SizePx wanted =
      det::resolve_input_size(state.input_size, detector.model_input_size(), frame);
  try {
    if (detector.set_input_size(wanted)) {
      GST_INFO_OBJECT(self, "input-size %s: %s for %s frames",
                      det::to_string(state.input_size).c_str(), detector.input_size_note().c_str(),
                      det::to_string(frame).c_str());
    } else if (state.input_size.mode == det::InputSizeRequest::Mode::kFixed) {
      GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS, ("%s", detector.input_size_note().c_str()),
                          (nullptr));
    } else {
      GST_INFO_OBJECT(self, "%s", detector.input_size_note().c_str());
    }
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED,
                      ("Cannot run the model at %s: %s", det::to_string(wanted).c_str(), e.what()),
                      (nullptr));
    return FALSE;
  }
  return TRUE;
}

static gboolean gst_yolo_detect_stop(GstBaseTransform *trans) {
  State &state = *GST_YOLO_DETECT(trans)->state;
  state.detector.reset();
  state.reset_stream();
  return TRUE;
}

// A truncated file often just ends early with EOS: compare where the stream ended with where
// the segment says it stops (demuxers set the duration there), else the announced duration.
static void check_truncation(GstYoloDetect *self) {
  GstBaseTransform *trans = GST_BASE_TRANSFORM(self);
  const GstSegment &segment = trans->segment;
  const GstClockTime end = self->state->stream_end;
  if (!GST_CLOCK_TIME_IS_VALID(end) || segment.format != GST_FORMAT_TIME || segment.rate != 1.0) {
    return;
  }
  GstClockTime expected = gst_segment_to_stream_time(&segment, GST_FORMAT_TIME, segment.stop);
  gint64 duration = -1;
  if (!GST_CLOCK_TIME_IS_VALID(expected) &&
      gst_pad_peer_query_duration(GST_BASE_TRANSFORM_SINK_PAD(trans), GST_FORMAT_TIME, &duration) &&
      duration > 0) {
    expected = GstClockTime(duration);
  }
  if (!GST_CLOCK_TIME_IS_VALID(expected)) return;  // live or unknown length
  const GstClockTime tolerance = std::max<GstClockTime>(2 * GST_SECOND, expected / 20);
  if (expected > end + tolerance) {
    GST_ELEMENT_ERROR(self, STREAM, DECODE,
                      ("The input ended at %.2f s but should run to %.2f s: the file looks "
                       "truncated or corrupt, or the pipeline was stopped early with an EOS "
                       "(set check-truncation=false to accept short inputs)",
                       double(end) / GST_SECOND, double(expected) / GST_SECOND),
                      (nullptr));
  }
}

static gboolean gst_yolo_detect_sink_event(GstBaseTransform *trans, GstEvent *event) {
  GstYoloDetect *self = GST_YOLO_DETECT(trans);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_STREAM_START:
    case GST_EVENT_FLUSH_STOP:
      self->state->reset_stream();
      break;
    case GST_EVENT_EOS:
      // In pull mode an EOS sent to stop early reaches the demuxer as a plain end of data,
      // so it cannot be told from a truncated file here: the message names both.
      if (snapshot(self).check_truncation) check_truncation(self);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS(gst_yolo_detect_parent_class)->sink_event(trans, event);
}

static void note_stream_end(GstYoloDetect *self, GstBuffer *buffer) {
  if (!GST_BUFFER_PTS_IS_VALID(buffer)) return;
  GstClockTime end = GST_BUFFER_PTS(buffer);
  if (GST_BUFFER_DURATION_IS_VALID(buffer)) end += GST_BUFFER_DURATION(buffer);
  end = gst_segment_to_stream_time(&GST_BASE_TRANSFORM(self)->segment, GST_FORMAT_TIME, end);
  State &state = *self->state;
  if (GST_CLOCK_TIME_IS_VALID(end) &&
      (!GST_CLOCK_TIME_IS_VALID(state.stream_end) || end > state.stream_end)) {
    state.stream_end = end;
  }
}

// Re-parses classes changed while playing; a bad value is reported and the old one kept.
static void update_class_mask(GstYoloDetect *self, const std::string &classes) {
  State &state = *self->state;
  if (classes == state.parsed_classes) return;
  state.parsed_classes = classes;
  try {
    state.class_mask = det::parse_class_selection(classes, state.labels);
  } catch (const std::exception &e) {
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS, ("%s; keeping the previous classes", e.what()),
                        (nullptr));
  }
}

static std::vector<det::Detection> run_detector(GstYoloDetect *self, GstBuffer *buffer,
                                                const Settings &settings) {
  GstVideoFilter *filter = GST_VIDEO_FILTER(self);
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &filter->in_info, buffer, GST_MAP_READ)) {
    throw std::runtime_error("cannot map the video frame for reading");
  }
  // Unmaps on every path, exceptions included.
  std::unique_ptr<GstVideoFrame, void (*)(GstVideoFrame *)> mapped(&frame, gst_video_frame_unmap);
  const det::DetectParams params{settings.score_threshold, settings.iou_threshold,
                                 self->state->class_mask};
  return self->state->detector->detect(rw::gst::image_view(frame), params);
}

// In place and read-only: the pixels are never written, so a shared buffer costs a shallow
// copy for the metadata, not a frame copy (GstVideoFilter would map it writable).
static GstFlowReturn gst_yolo_detect_transform_ip(GstBaseTransform *trans, GstBuffer *buffer) {
  GstYoloDetect *self = GST_YOLO_DETECT(trans);
  GstVideoFilter *filter = GST_VIDEO_FILTER(self);
  State &state = *self->state;
  if (!filter->negotiated || !state.detector) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("yolodetect received a frame before caps"),
                      (nullptr));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  const Settings settings = snapshot(self);
  note_stream_end(self, buffer);
  const bool infer = state.frames_to_skip == 0;
  state.frames_to_skip = infer ? settings.interval : state.frames_to_skip - 1;
  rw::meta::set_inferred(buffer, infer);
  if (!infer) return GST_FLOW_OK;

  update_class_mask(self, settings.classes);
  const int width = GST_VIDEO_INFO_WIDTH(&filter->in_info);
  const int height = GST_VIDEO_INFO_HEIGHT(&filter->in_info);
  try {
    for (const det::Detection &d : run_detector(self, buffer, settings)) {
      rw::meta::Object object;
      object.box = {d.box.x1, d.box.y1, d.box.width(), d.box.height()};
      object.detection =
          rw::meta::Detection{d.class_id, det::label_for(d.class_id, state.labels), d.score};
      rw::meta::add_object(buffer, object, width, height);
    }
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Detection failed: %s", e.what()), (nullptr));
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

static void gst_yolo_detect_set_property(GObject *object, guint prop_id, const GValue *value,
                                         GParamSpec *pspec) {
  GstYoloDetect *self = GST_YOLO_DETECT(object);
  GST_OBJECT_LOCK(self);
  Settings &s = *self->settings;
  auto text = [value] {
    const gchar *v = g_value_get_string(value);
    return std::string(v != nullptr ? v : "");
  };
  switch (prop_id) {
    case PROP_MODEL_FILE:
      s.model_file = text();
      break;
    case PROP_LABEL_FILE:
      s.label_file = text();
      break;
    case PROP_MODEL_TYPE:
      s.model_type = static_cast<det::ModelType>(g_value_get_enum(value));
      break;
    case PROP_SCORE_THRESHOLD:
      s.score_threshold = g_value_get_float(value);
      break;
    case PROP_IOU_THRESHOLD:
      s.iou_threshold = g_value_get_float(value);
      break;
    case PROP_CLASSES:
      s.classes = text();
      break;
    case PROP_INTERVAL:
      s.interval = g_value_get_uint(value);
      break;
    case PROP_DEVICE:
      s.device = static_cast<det::Device>(g_value_get_enum(value));
      break;
    case PROP_THREADS:
      s.threads = g_value_get_int(value);
      break;
    case PROP_CHECK_TRUNCATION:
      s.check_truncation = g_value_get_boolean(value);
      break;
    case PROP_INPUT_SIZE:
      s.input_size = text();
      break;
    case PROP_REWRITE_GRAPH:
      s.rewrite_graph = g_value_get_boolean(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_yolo_detect_get_property(GObject *object, guint prop_id, GValue *value,
                                         GParamSpec *pspec) {
  GstYoloDetect *self = GST_YOLO_DETECT(object);
  GST_OBJECT_LOCK(self);
  const Settings &s = *self->settings;
  switch (prop_id) {
    case PROP_MODEL_FILE:
      g_value_set_string(value, s.model_file.c_str());
      break;
    case PROP_LABEL_FILE:
      g_value_set_string(value, s.label_file.c_str());
      break;
    case PROP_MODEL_TYPE:
      g_value_set_enum(value, int(s.model_type));
      break;
    case PROP_SCORE_THRESHOLD:
      g_value_set_float(value, s.score_threshold);
      break;
    case PROP_IOU_THRESHOLD:
      g_value_set_float(value, s.iou_threshold);
      break;
    case PROP_CLASSES:
      g_value_set_string(value, s.classes.c_str());
      break;
    case PROP_INTERVAL:
      g_value_set_uint(value, s.interval);
      break;
    case PROP_DEVICE:
      g_value_set_enum(value, int(s.device));
      break;
    case PROP_THREADS:
      g_value_set_int(value, s.threads);
      break;
    case PROP_CHECK_TRUNCATION:
      g_value_set_boolean(value, s.check_truncation);
      break;
    case PROP_INPUT_SIZE:
      g_value_set_string(value, s.input_size.c_str());
      break;
    case PROP_REWRITE_GRAPH:
      g_value_set_boolean(value, s.rewrite_graph);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_yolo_detect_finalize(GObject *object) {
  GstYoloDetect *self = GST_YOLO_DETECT(object);
  delete self->state;
  delete self->settings;
  G_OBJECT_CLASS(gst_yolo_detect_parent_class)->finalize(object);
}

static void gst_yolo_detect_class_init(GstYoloDetectClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS(klass);

  gobject_class->set_property = gst_yolo_detect_set_property;
  gobject_class->get_property = gst_yolo_detect_get_property;
  gobject_class->finalize = gst_yolo_detect_finalize;

  const auto ready =
      GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const auto playing =
      GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);

  /**
   * GstYoloDetect:model-file:
   * Path of the ONNX model (required). Its input size is read from the model.
   */
  g_object_class_install_property(
      gobject_class, PROP_MODEL_FILE,
      g_param_spec_string("model-file", "Model file",
                          "Path of the YOLO ONNX model (required); the input size is read from "
                          "the model",
                          nullptr, ready));
  /**
   * GstYoloDetect:label-file:
   * Class names, one per line in model order. Empty: the 80 COCO names.
   */
  g_object_class_install_property(
      gobject_class, PROP_LABEL_FILE,
      g_param_spec_string("label-file", "Label file",
                          "Class names, one per line in model order; empty = the 80 COCO names",
                          nullptr, ready));
  g_object_class_install_property(
      gobject_class, PROP_MODEL_TYPE,
      g_param_spec_enum("model-type", "Model type",
                        "Output layout of the model; auto recognises it from the output shape",
                        GST_TYPE_YOLO_DETECT_MODEL_TYPE, int(det::ModelType::kAuto), ready));
  g_object_class_install_property(
      gobject_class, PROP_SCORE_THRESHOLD,
      g_param_spec_float("score-threshold", "Score threshold",
                         "Minimum detection score (objectness x class score for YOLOX/YOLOv5)",
                         0.0f, 1.0f, DEFAULT_SCORE_THRESHOLD, playing));
  g_object_class_install_property(
      gobject_class, PROP_IOU_THRESHOLD,
      g_param_spec_float("iou-threshold", "IoU threshold",
                         "Non-maximum suppression: a box overlapping a better box of the same "
                         "class by more than this IoU is dropped",
                         0.0f, 1.0f, DEFAULT_IOU_THRESHOLD, playing));
  /**
   * GstYoloDetect:classes:
   * Classes to keep, as labels or ids separated by commas. Empty keeps every class.
   */
  g_object_class_install_property(
      gobject_class, PROP_CLASSES,
      g_param_spec_string("classes", "Classes",
                          "Classes to keep, labels or ids separated by commas; empty = all",
                          DEFAULT_CLASSES, playing));
  g_object_class_install_property(
      gobject_class, PROP_INTERVAL,
      g_param_spec_uint("interval", "Interval",
                        "Frames skipped between inferences: 0 infers on every frame, 2 on every "
                        "third; skipped frames carry no detections (a tracker fills them)",
                        0, G_MAXINT, DEFAULT_INTERVAL, playing));
  g_object_class_install_property(
      gobject_class, PROP_DEVICE,
      g_param_spec_enum("device", "Device",
                        "Where inference runs; a missing device falls back to the CPU with a "
                        "warning saying so",
                        GST_TYPE_YOLO_DETECT_DEVICE, int(det::Device::kAuto), ready));
  g_object_class_install_property(
      gobject_class, PROP_THREADS,
      g_param_spec_int("threads", "Threads",
                       "OpenCV worker threads for inference, shared by the whole process; 0 = "
                       "OpenCV's default (one per core)",
                       0, 256, DEFAULT_THREADS, ready));
  g_object_class_install_property(
      gobject_class, PROP_CHECK_TRUNCATION,
      g_param_spec_boolean("check-truncation", "Check truncation",
                           "Fail at end of stream when the input ends well before the duration "
                           "its container announces",
                           DEFAULT_CHECK_TRUNCATION, playing));

  /**
   * GstYoloDetect:input-size:
   * Size the network runs at: `auto` fits the frame's aspect ratio with the model's long side
   * (sides rounded up to 32; 416x256 for 16:9 frames and a 416x416 model), `model` the size
   * the model declares, or WIDTHxHEIGHT (multiples of 32). A model that cannot change size
   * runs at its own, with a log line (a warning for WIDTHxHEIGHT).
   */
  g_object_class_install_property(
      gobject_class, PROP_INPUT_SIZE,
      g_param_spec_string("input-size", "Input size",
                          "Network input size: auto (frame aspect, model's long side), model "
                          "(the model's declared size) or WIDTHxHEIGHT in multiples of 32",
                          DEFAULT_INPUT_SIZE, ready));
  /**
   * GstYoloDetect:rewrite-graph:
   * On the CPU, rewrite the model's graph in memory before OpenCV runs it: SiLU activations
   * (Sigmoid + Mul) become one vectorised layer fused into the convolution, a space-to-depth
   * Focus stem becomes one convolution, and a final transpose moves out of the network. The
   * rewritten graph must reproduce the original's outputs at start, else the original runs.
   */
  g_object_class_install_property(
      gobject_class, PROP_REWRITE_GRAPH,
      g_param_spec_boolean("rewrite-graph", "Rewrite graph",
                           "On the CPU, run an equivalent graph rewritten for OpenCV (vectorised "
                           "SiLU, Focus stem as a convolution); checked against the original at "
                           "start",
                           DEFAULT_REWRITE_GRAPH, ready));

  gst_element_class_set_static_metadata(
      element_class, "YOLO object detector", "Filter/Analyzer/Video",
      "Detects objects with a YOLOX, YOLOv5 or YOLOv8/YOLO11 ONNX model and attaches region "
      "of interest metadata",
      "roadwatch");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);

  GST_VIDEO_FILTER_CLASS(klass)->set_info = GST_DEBUG_FUNCPTR(gst_yolo_detect_set_info);
  trans_class->start = GST_DEBUG_FUNCPTR(gst_yolo_detect_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_yolo_detect_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR(gst_yolo_detect_sink_event);
  // Replaces GstVideoFilter's transform_ip, which maps frames writable.
  trans_class->transform_ip = GST_DEBUG_FUNCPTR(gst_yolo_detect_transform_ip);

  gst_type_mark_as_plugin_api(GST_TYPE_YOLO_DETECT_MODEL_TYPE, GstPluginAPIFlags(0));
  gst_type_mark_as_plugin_api(GST_TYPE_YOLO_DETECT_DEVICE, GstPluginAPIFlags(0));
}

static void gst_yolo_detect_init(GstYoloDetect *self) {
  self->settings = new Settings();
  self->state = new State();
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
  // Dropping late frames would silently lose detections; interval is the throughput knob.
  gst_base_transform_set_qos_enabled(GST_BASE_TRANSFORM(self), FALSE);
}
