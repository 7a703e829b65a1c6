/**
 * SECTION:element-deepsorttrack
 * @title: deepsorttrack
 *
 * Gives detections stable identities: DeepSORT (Kalman filter, Mahalanobis gating, a matching
 * cascade on appearance, IoU matching) plus ByteTrack's second round that matches low-score
 * detections to existing tracks, so a vehicle whose score dips keeps its id.
 *
 * Reads the ROI metas and `detection` params of yolodetect and replaces them with one ROI per
 * reported track, each with its `detection` param (class, label and score of the track's last
 * match) and a `tracking` param (`id` uint64, `state`, `age`, `hits`). Reported tracks are the
 * confirmed ones matched on this frame (add tentative ones with
 * #GstDeepSortTrack:output-tentative); their box is the matched detection's box. On frames where
 * yolodetect did not run (its `interval`), tracks only predict and the tracks reported on the last
 * inferred frame are reported again at their Kalman-predicted box. Ids are unique and never reused.
 * They count up from #GstDeepSortTrack:first-track-id (default 1), read when the element starts:
 * roadwatch-run sets it on a rebuilt pipeline so that ids of one run never repeat.
 *
 * Detections that overlap a better one of any class (#GstDeepSortTrack:nms-max-overlap) are
 * dropped first: one vehicle boxed as both "car" and "truck" must be one track.
 * Detections with score >= #GstDeepSortTrack:high-threshold are associated first and may start
 * tracks; those between #GstDeepSortTrack:low-threshold and the high threshold only recover
 * existing tracks. Set yolodetect's score-threshold at or below the low threshold to feed them.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=highway.mp4 ! decodebin ! \
 *     yolodetect model-file=yolox_nano.onnx score-threshold=0.1 ! deepsorttrack ! \
 *     metaconvert ! filesink location=tracks.jsonl
 * ]|
 *
 * Time advances one frame per buffer: max-age and n-init count frames.
 */

#include "deepsorttrack/gstdeepsorttrack.h"

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "meta/rwmeta.h"
#include "rw/detect/letterbox.hpp"
#include "rw/detect/nms.hpp"
#include "rw/track/appearance.hpp"
#include "rw/track/reid_model.hpp"
#include "rw/track/tracker.hpp"
#include "util/gstcv.h"

GST_DEBUG_CATEGORY_STATIC(gst_deep_sort_track_debug);
#define GST_CAT_DEFAULT gst_deep_sort_track_debug

namespace trk = rw::track;

enum class Appearance { kNone, kHistogram, kReid };

enum {
  PROP_0,
  PROP_MAX_AGE,
  PROP_N_INIT,
  PROP_MAX_IOU_DISTANCE,
  PROP_MAX_COSINE_DISTANCE,
  PROP_NN_BUDGET,
  PROP_HIGH_THRESHOLD,
  PROP_LOW_THRESHOLD,
  PROP_APPEARANCE,
  PROP_REID_MODEL_FILE,
  PROP_OUTPUT_TENTATIVE,
  PROP_NMS_MAX_OVERLAP,
  PROP_APPEARANCE_MS,
  PROP_FIRST_TRACK_ID,
};

// Crop size of the colour histogram: enough pixels for stable bins, cheap to convert.
constexpr int kHistogramCropW = 32, kHistogramCropH = 64;

constexpr double DEFAULT_NMS_MAX_OVERLAP = 0.7;

struct Settings {
  trk::TrackerConfig tracker;
  double nms_max_overlap = DEFAULT_NMS_MAX_OVERLAP;
  Appearance appearance = Appearance::kHistogram;
  std::string reid_model_file;
  bool output_tentative = false;
};

struct State {
  std::unique_ptr<trk::Tracker> tracker;
  std::unique_ptr<trk::ReidModel> reid;
  std::map<int, std::string> labels;     // class id -> label, as yolodetect named them
  std::set<std::uint64_t> reported_ids;  // reported on the last inferred frame
  // Appearance cost, for the appearance-ms property and the log.
  double appearance_ms_total = 0;
  std::uint64_t inferred_frames = 0, crops = 0;

  void reset_stream() {
    if (tracker) tracker->reset();
    reported_ids.clear();
  }
};

struct _GstDeepSortTrack {
  GstVideoFilter parent;
  Settings *settings;  // under the object lock
  State *state;        // streaming thread, start and stop
};

G_DEFINE_TYPE_WITH_CODE(GstDeepSortTrack, gst_deep_sort_track, GST_TYPE_VIDEO_FILTER,
                        GST_DEBUG_CATEGORY_INIT(gst_deep_sort_track_debug, "deepsorttrack", 0,
                                                "DeepSORT multi-object tracker"));
GST_ELEMENT_REGISTER_DEFINE(deepsorttrack, "deepsorttrack", GST_RANK_NONE,
                            GST_TYPE_DEEP_SORT_TRACK);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(RW_IMAGE_VIEW_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(RW_IMAGE_VIEW_CAPS));

#define GST_TYPE_DEEP_SORT_TRACK_APPEARANCE (gst_deep_sort_track_appearance_get_type())
static GType gst_deep_sort_track_appearance_get_type() {
  static const GEnumValue values[] = {
      {int(Appearance::kNone), "Motion only (Kalman filter and IoU)", "none"},
      {int(Appearance::kHistogram), "Built-in colour histogram of each vehicle", "histogram"},
      {int(Appearance::kReid), "Re-identification network (reid-model-file)", "reid"},
      {0, nullptr, nullptr}};
  static GType type = g_enum_register_static("GstDeepSortTrackAppearance", values);
  return type;
}

static Settings snapshot(GstDeepSortTrack *self) {
  GST_OBJECT_LOCK(self);
  Settings copy = *self->settings;
  GST_OBJECT_UNLOCK(self);
  return copy;
}

static gboolean gst_deep_sort_track_start(GstBaseTransform *trans) {
  GstDeepSortTrack *self = GST_DEEP_SORT_TRACK(trans);
  const Settings settings = snapshot(self);
  State &state = *self->state;
  if (settings.tracker.low_threshold > settings.tracker.high_threshold) {
    GST_ELEMENT_ERROR(
        self, RESOURCE, SETTINGS,
        ("low-threshold (%.2f) is above high-threshold (%.2f)",
         double(settings.tracker.low_threshold), double(settings.tracker.high_threshold)),
        (nullptr));
    return FALSE;
  }
  if (settings.appearance == Appearance::kReid) {
    if (settings.reid_model_file.empty()) {
      GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
                        ("appearance=reid needs reid-model-file (an OSNet-style ONNX model)"),
                        (nullptr));
      return FALSE;
    }
    try {
      state.reid = std::make_unique<trk::ReidModel>(settings.reid_model_file);
    } catch (const std::exception &e) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", e.what()), (nullptr));
      return FALSE;
    }
  }
  state.tracker = std::make_unique<trk::Tracker>(settings.tracker);
  state.appearance_ms_total = 0;
  state.inferred_frames = state.crops = 0;
  state.reported_ids.clear();
  return TRUE;
}

static gboolean gst_deep_sort_track_stop(GstBaseTransform *trans) {
  GstDeepSortTrack *self = GST_DEEP_SORT_TRACK(trans);
  State &state = *self->state;
  if (state.inferred_frames > 0) {
    GST_INFO_OBJECT(self, "appearance: %" G_GUINT64_FORMAT " crops, %.2f ms per inferred frame",
                    state.crops, state.appearance_ms_total / double(state.inferred_frames));
  }
  state.tracker.reset();
  state.reid.reset();
  state.reported_ids.clear();
  return TRUE;
}

static gboolean gst_deep_sort_track_sink_event(GstBaseTransform *trans, GstEvent *event) {
  if (GST_EVENT_TYPE(event) == GST_EVENT_STREAM_START ||
      GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP) {
    GST_DEEP_SORT_TRACK(trans)->state->reset_stream();
  }
  return GST_BASE_TRANSFORM_CLASS(gst_deep_sort_track_parent_class)->sink_event(trans, event);
}

// Appearance features for the detections the cascade uses (score >= high threshold); the
// frame is mapped only here, so appearance=none works on metadata-only buffers.
static void describe(GstDeepSortTrack *self, GstBuffer *buffer, const Settings &settings,
                     std::vector<trk::TrackInput> &inputs) {
  State &state = *self->state;
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &GST_VIDEO_FILTER(self)->in_info, buffer, GST_MAP_READ)) {
    throw std::runtime_error("cannot map the video frame to compute appearance features");
  }
  std::unique_ptr<GstVideoFrame, void (*)(GstVideoFrame *)> mapped(&frame, gst_video_frame_unmap);
  const rw::detect::ImageView view = rw::gst::image_view(frame);
  const bool reid = settings.appearance == Appearance::kReid;
  const int crop_w = reid ? state.reid->input_width() : kHistogramCropW;
  const int crop_h = reid ? state.reid->input_height() : kHistogramCropH;
  cv::Mat crop;
  for (trk::TrackInput &input : inputs) {
    if (input.score < settings.tracker.high_threshold) continue;
    if (!rw::detect::crop_to_bgr(view, input.box, crop_w, crop_h, crop)) continue;
    input.feature = reid ? state.reid->describe(crop)
                         : trk::colour_histogram(crop, {0, 0, float(crop_w), float(crop_h)});
    ++state.crops;
  }
}

// Detections as tracker inputs, after DeepSORT's class-agnostic input NMS: class-aware
// detection NMS keeps a vehicle boxed as both "car" and "truck" twice, which would make two
// tracks of one vehicle.
static std::vector<trk::TrackInput> inputs_from(GstDeepSortTrack *self,
                                                const std::vector<rw::meta::Object> &objects,
                                                double nms_max_overlap) {
  std::vector<rw::detect::Detection> detections;
  for (const rw::meta::Object &object : objects) {
    if (!object.detection) continue;
    const rw::meta::BoxPx &b = object.box;
    detections.push_back({{float(b.x), float(b.y), float(b.x + b.w), float(b.y + b.h)},
                          object.detection->class_id,
                          float(object.detection->confidence)});
    self->state->labels.emplace(object.detection->class_id, object.detection->label);
  }
  std::vector<trk::TrackInput> inputs;
  const auto keep = [&](std::size_t i) {
    inputs.push_back({detections[i].box, detections[i].class_id, detections[i].score, {}});
  };
  if (nms_max_overlap >= 1.0) {
    for (std::size_t i = 0; i < detections.size(); ++i) keep(i);
  } else {
    const auto kept =
        rw::detect::nms_kept_indices(detections, float(nms_max_overlap), false, detections.size());
    for (const std::size_t i : kept) keep(i);
  }
  return inputs;
}

static GstFlowReturn gst_deep_sort_track_transform_ip(GstBaseTransform *trans, GstBuffer *buffer) {
  GstDeepSortTrack *self = GST_DEEP_SORT_TRACK(trans);
  GstVideoFilter *filter = GST_VIDEO_FILTER(self);
  State &state = *self->state;
  if (!filter->negotiated) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("deepsorttrack received a frame before caps"),
                      (nullptr));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  const Settings settings = snapshot(self);
  const int width = GST_VIDEO_INFO_WIDTH(&filter->in_info);
  const int height = GST_VIDEO_INFO_HEIGHT(&filter->in_info);
  std::vector<trk::TrackInput> inputs;
  std::vector<trk::TrackOutput> tracks;
  const bool inferred = rw::meta::inferred(buffer).value_or(true);
  try {
    // Properties change rarely; re-applying them would walk every gallery on every frame.
    if (!(state.tracker->config() == settings.tracker)) state.tracker->set_config(settings.tracker);
    if (inferred) {
      inputs = inputs_from(self, rw::meta::read_objects(buffer, width, height),
                           settings.nms_max_overlap);
      if (settings.appearance != Appearance::kNone) {
        const auto t0 = std::chrono::steady_clock::now();
        describe(self, buffer, settings, inputs);
        state.appearance_ms_total +=
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
      }
      ++state.inferred_frames;
      tracks = state.tracker->update(inputs);
    } else {
      tracks = state.tracker->predict();
    }
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Tracking failed: %s", e.what()), (nullptr));
    return GST_FLOW_ERROR;
  }

  if (inferred) state.reported_ids.clear();
  rw::meta::remove_objects(buffer);
  for (const trk::TrackOutput &track : tracks) {
    const bool shown = track.state == trk::TrackState::kConfirmed || settings.output_tentative;
    if (inferred ? !(shown && track.detection >= 0) : !state.reported_ids.count(track.id)) {
      continue;
    }
    if (inferred) state.reported_ids.insert(track.id);
    const rw::detect::Box &box = track.detection >= 0 ? inputs[track.detection].box : track.box;
    const auto label = state.labels.find(track.class_id);
    rw::meta::add_object(
        buffer,
        {{box.x1, box.y1, box.width(), box.height()},
         rw::meta::Detection{track.class_id,
                             label != state.labels.end()
                                 ? label->second
                                 : "class-" + std::to_string(track.class_id),
                             track.score},
         rw::meta::Tracking{track.id, trk::to_string(track.state), track.age, track.hits},
         {},
         {}},
        width, height);
  }
  return GST_FLOW_OK;
}

static void gst_deep_sort_track_set_property(GObject *object, guint prop_id, const GValue *value,
                                             GParamSpec *pspec) {
  GstDeepSortTrack *self = GST_DEEP_SORT_TRACK(object);
  GST_OBJECT_LOCK(self);
  Settings &s = *self->settings;
  trk::TrackerConfig &t = s.tracker;
  switch (prop_id) {
    case PROP_MAX_AGE:
      t.max_age = g_value_get_int(value);
      break;
    case PROP_N_INIT:
      t.n_init = g_value_get_int(value);
      break;
    case PROP_MAX_IOU_DISTANCE:
      t.max_iou_distance = g_value_get_double(value);
      break;
    case PROP_MAX_COSINE_DISTANCE:
      t.max_cosine_distance = g_value_get_double(value);
      break;
    case PROP_NN_BUDGET:
      t.nn_budget = g_value_get_int(value);
      break;
    case PROP_HIGH_THRESHOLD:
      t.high_threshold = g_value_get_float(value);
      break;
    case PROP_LOW_THRESHOLD:
      t.low_threshold = g_value_get_float(value);
      break;
    case PROP_APPEARANCE:
      s.appearance = static_cast<Appearance>(g_value_get_enum(value));
      break;
    case PROP_REID_MODEL_FILE: {
      const gchar *path = g_value_get_string(value);
      s.reid_model_file = path != nullptr ? path : "";
      break;
    }
    case PROP_OUTPUT_TENTATIVE:
      s.output_tentative = g_value_get_boolean(value);
      break;
    case PROP_NMS_MAX_OVERLAP:
      s.nms_max_overlap = g_value_get_double(value);
      break;
    case PROP_FIRST_TRACK_ID:
      t.first_id = g_value_get_uint64(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_deep_sort_track_get_property(GObject *object, guint prop_id, GValue *value,
                                             GParamSpec *pspec) {
  GstDeepSortTrack *self = GST_DEEP_SORT_TRACK(object);
  GST_OBJECT_LOCK(self);
  const Settings &s = *self->settings;
  const trk::TrackerConfig &t = s.tracker;
  switch (prop_id) {
    case PROP_MAX_AGE:
      g_value_set_int(value, t.max_age);
      break;
    case PROP_N_INIT:
      g_value_set_int(value, t.n_init);
      break;
    case PROP_MAX_IOU_DISTANCE:
      g_value_set_double(value, t.max_iou_distance);
      break;
    case PROP_MAX_COSINE_DISTANCE:
      g_value_set_double(value, t.max_cosine_distance);
      break;
    case PROP_NN_BUDGET:
      g_value_set_int(value, t.nn_budget);
      break;
    case PROP_HIGH_THRESHOLD:
      g_value_set_float(value, t.high_threshold);
      break;
    case PROP_LOW_THRESHOLD:
      g_value_set_float(value, t.low_threshold);
      break;
    case PROP_APPEARANCE:
      g_value_set_enum(value, int(s.appearance));
      break;
    case PROP_REID_MODEL_FILE:
      g_value_set_string(value, s.reid_model_file.c_str());
      break;
    case PROP_OUTPUT_TENTATIVE:
      g_value_set_boolean(value, s.output_tentative);
      break;
    case PROP_NMS_MAX_OVERLAP:
      g_value_set_double(value, s.nms_max_overlap);
      break;
    case PROP_FIRST_TRACK_ID:
      g_value_set_uint64(value, t.first_id);
      break;
    case PROP_APPEARANCE_MS: {
      // Written by the streaming thread; a torn read of a double is harmless for a statistic.
      const State &state = *self->state;
      g_value_set_double(value, state.inferred_frames > 0
                                    ? state.appearance_ms_total / double(state.inferred_frames)
                                    : 0.0);
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_deep_sort_track_finalize(GObject *object) {
  GstDeepSortTrack *self = GST_DEEP_SORT_TRACK(object);
  delete self->state;
  delete self->settings;
  G_OBJECT_CLASS(gst_deep_sort_track_parent_class)->finalize(object);
}

static void gst_deep_sort_track_class_init(GstDeepSortTrackClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS(klass);

  gobject_class->set_property = gst_deep_sort_track_set_property;
  gobject_class->get_property = gst_deep_sort_track_get_property;
  gobject_class->finalize = gst_deep_sort_track_finalize;

  const trk::TrackerConfig defaults;
  const auto playing =
      GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  const auto ready =
      GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  g_object_class_install_property(
      gobject_class, PROP_MAX_AGE,
      g_param_spec_int("max-age", "Max age",
                       "Frames a confirmed track may go without a matched detection before it "
                       "is deleted",
                       1, 10000, defaults.max_age, playing));
  g_object_class_install_property(
      gobject_class, PROP_N_INIT,
      g_param_spec_int("n-init", "N init",
                       "Consecutive matched frames before a track is confirmed and reported", 1,
                       100, defaults.n_init, playing));
  g_object_class_install_property(
      gobject_class, PROP_MAX_IOU_DISTANCE,
      g_param_spec_double("max-iou-distance", "Max IoU distance",
                          "IoU matching gate: a track and a detection with 1 - IoU above this "
                          "never match",
                          0.0, 1.0, defaults.max_iou_distance, playing));
  g_object_class_install_property(
      gobject_class, PROP_MAX_COSINE_DISTANCE,
      g_param_spec_double("max-cosine-distance", "Max cosine distance",
                          "Appearance gate of the matching cascade (cosine distance, 0..2)", 0.0,
                          2.0, defaults.max_cosine_distance, playing));
  g_object_class_install_property(
      gobject_class, PROP_NN_BUDGET,
      g_param_spec_int("nn-budget", "NN budget",
                       "Appearance features kept per track (oldest dropped first)", 1, 10000,
                       defaults.nn_budget, playing));
  g_object_class_install_property(
      gobject_class, PROP_HIGH_THRESHOLD,
      g_param_spec_float("high-threshold", "High threshold",
                         "Detections at or above this score are associated first and may start "
                         "tracks",
                         0.0f, 1.0f, defaults.high_threshold, playing));
  g_object_class_install_property(
      gobject_class, PROP_LOW_THRESHOLD,
      g_param_spec_float("low-threshold", "Low threshold",
                         "Detections between this and high-threshold only recover existing "
                         "tracks (second association); below it they are ignored",
                         0.0f, 1.0f, defaults.low_threshold, playing));
  g_object_class_install_property(
      gobject_class, PROP_APPEARANCE,
      g_param_spec_enum("appearance", "Appearance",
                        "Appearance descriptor of the matching cascade; none = motion only",
                        GST_TYPE_DEEP_SORT_TRACK_APPEARANCE, int(Appearance::kHistogram), ready));
  g_object_class_install_property(
      gobject_class, PROP_REID_MODEL_FILE,
      g_param_spec_string("reid-model-file", "ReID model file",
                          "ONNX re-identification model (e.g. OSNet) for appearance=reid", nullptr,
                          ready));
  g_object_class_install_property(
      gobject_class, PROP_OUTPUT_TENTATIVE,
      g_param_spec_boolean("output-tentative", "Output tentative",
                           "Also report tracks that are not confirmed yet", FALSE, playing));
  g_object_class_install_property(
      gobject_class, PROP_NMS_MAX_OVERLAP,
      g_param_spec_double("nms-max-overlap", "NMS max overlap",
                          "Detections overlapping a better one (any class) by more than this "
                          "IoU are dropped before tracking; 1 = keep all",
                          0.0, 1.0, DEFAULT_NMS_MAX_OVERLAP, playing));
  g_object_class_install_property(
      gobject_class, PROP_FIRST_TRACK_ID,
      g_param_spec_uint64("first-track-id", "First track id",
                          "Id of the first track; ids count up from it (read on start)", 1,
                          G_MAXUINT64, defaults.first_id, ready));
  g_object_class_install_property(
      gobject_class, PROP_APPEARANCE_MS,
      g_param_spec_double("appearance-ms", "Appearance ms",
                          "Mean time spent on appearance features per inferred frame, ms", 0.0,
                          G_MAXDOUBLE, 0.0,
                          GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  gst_element_class_set_static_metadata(
      element_class, "DeepSORT tracker", "Filter/Analyzer/Video",
      "Tracks detected objects with DeepSORT and ByteTrack-style low-score recovery", "roadwatch");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR(gst_deep_sort_track_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_deep_sort_track_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR(gst_deep_sort_track_sink_event);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR(gst_deep_sort_track_transform_ip);

  gst_type_mark_as_plugin_api(GST_TYPE_DEEP_SORT_TRACK_APPEARANCE, GstPluginAPIFlags(0));
}

static void gst_deep_sort_track_init(GstDeepSortTrack *self) {
  self->settings = new Settings();
  self->state = new State();
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
  gst_base_transform_set_qos_enabled(GST_BASE_TRANSFORM(self), FALSE);
}
