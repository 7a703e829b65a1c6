/**
 * SECTION:element-homographyspeed
 * @title: homographyspeed
 *
 * Measures the ground position, speed and heading of every tracked vehicle through a
 * calibrated image-to-road homography, with time taken from buffer PTS (running time) only,
 * so dropped frames and variable frame rates do not bias it.
 *
 * Reads the ROI metas with a `tracking` param (deepsorttrack) and adds a `kinematics` param
 * to each: `world-x`, `world-y` (metres on the road plane), `speed` and `uncertainty` (1-sigma)
 * in #GstHomographySpeed:units, `heading` (degrees, 0 along world +y, 90 along world +x),
 * `valid` and `units`. Objects without a `tracking` param are left alone.
 *
 * The ground point of a vehicle is the bottom centre of its box, undistorted when the
 * calibration has a camera matrix, then mapped to the road. Each track's positions over the
 * last #GstHomographySpeed:window-ms are fitted with a robust straight line in time; its
 * slope is the speed. `valid` is false until the window spans #GstHomographySpeed:min-span-ms
 * with at least 4 positions, and for a ground point at or beyond the horizon (world-x/y are
 * then the track's last position, or 0). A box touching the left, right or bottom frame edge
 * may be cut off, so its bottom is not the ground contact: it is not measured.
 *
 * On frames where yolodetect did not run (its `interval`), deepsorttrack reports Kalman
 * predictions, not measurements, and a constant image velocity is not a constant ground
 * speed under perspective: they are not fed to the fit. Such frames, and edge-cut boxes,
 * repeat the track's last estimate with its position extrapolated along the fitted velocity,
 * for at most one window after the last measurement.
 *
 * The uncertainty (1-sigma) combines in quadrature the fit's standard error of the slope
 * (frame-to-frame scatter, which averages out) with two errors that do not average out over
 * the window, so they are bounded by its ends: a detector's box bottom errs by about
 * #GstHomographySpeed:box-error-px in much the same way on consecutive frames, and a
 * calibration with reprojection error e px misplaces every ground point by about e px. With
 * local scales s1, s2 (metres per pixel) at the window's first and last points, T seconds
 * apart, they add sqrt(box-error-px^2 + e^2) * sqrt(s1^2 + s2^2) / T. e is the RMS
 * reprojection error of the point pairs corrected for the 8 fitted parameters; it is unknown
 * (taken as 0) for a bare homography or exactly 4 pairs.
 *
 * The calibration (#GstHomographySpeed:calibration-file or #GstHomographySpeed:calibration,
 * exactly one of them) is JSON: at least 4 `image_points` (pixel centres at integer
 * coordinates) paired with `world_points` (metres), or a `homography`, plus an optional
 * `camera_matrix` and `dist_coeffs`; see the README. It is parsed at start; a bad one fails
 * the state change with a message naming the problem, and so does setting neither property.
 * Its reprojection error is logged and posted as an INFO message, and readable as
 * #GstHomographySpeed:reprojection-error-px.
 *
 * `calibration=none` (or `calibration-file=none`) runs a source that is not calibrated yet:
 * nothing is measured, every tracked object gets a `kinematics` param with `valid` false and
 * NaN numbers (so records carry no world position or speed), and one warning is posted at
 * start. Setting a real calibration while playing starts measuring from the next frame.
 *
 * Either calibration property can change while playing (a camera re-aimed, a calibration
 * refined): the new one applies from the next frame, replaces the one in effect whichever
 * property that came from (the other is cleared), and every track's history restarts, since
 * positions measured through different homographies do not mix. A calibration that fails to
 * load while playing is a warning and the previous one stays in effect.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=highway.mp4 ! decodebin ! videoconvert ! \
 *     video/x-raw,format=BGR ! yolodetect model-file=yolox_nano.onnx score-threshold=0.1 ! \
 *     deepsorttrack ! homographyspeed calibration-file=highway.json units=kmh ! \
 *     metaconvert ! filesink location=speeds.jsonl
 * ]|
 *
 * The box bottom is taken as the ground contact: a bias of the detector there, or a vehicle
 * overhang, shifts positions by a near constant ground distance and barely changes speeds.
 */

#include "homographyspeed/gsthomographyspeed.h"

#include <gst/video/video.h>

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "meta/rwmeta.h"
#include "rw/common/error.hpp"
#include "rw/common/none.hpp"
#include "rw/geometry/calibration.hpp"
#include "rw/geometry/ground_speed.hpp"
#include "util/dropped_params.h"

GST_DEBUG_CATEGORY_STATIC(gst_homography_speed_debug);
#define GST_CAT_DEFAULT gst_homography_speed_debug

namespace geo = rw::geometry;
using rw::meta::SpeedUnit;

enum {
  PROP_0,
  PROP_CALIBRATION_FILE,
  PROP_CALIBRATION,
  PROP_WINDOW_MS,
  PROP_MIN_SPAN_MS,
  PROP_BOX_ERROR_PX,
  PROP_UNITS,
  PROP_REPROJECTION_ERROR_PX,
  PROP_REPROJECTION_ERROR_M,
};

constexpr guint DEFAULT_WINDOW_MS = 1000;
constexpr guint DEFAULT_MIN_SPAN_MS = 300;
constexpr double DEFAULT_BOX_ERROR_PX = 1.0;
constexpr gint64 kNsPerMs = 1'000'000;

struct Settings {
  std::string calibration_file;
  std::string calibration;
  bool reload_calibration = false;  // set while started: the streaming thread applies it
  bool started = false;
  guint window_ms = DEFAULT_WINDOW_MS;
  guint min_span_ms = DEFAULT_MIN_SPAN_MS;
  double box_error_px = DEFAULT_BOX_ERROR_PX;
  SpeedUnit units = SpeedUnit::kKmh;
};

struct State {
  std::unique_ptr<geo::GroundSpeed> ground;
  geo::GroundSpeedConfig config;  // from start: window-ms and friends are MUTABLE_READY
  int frame_w = 0, frame_h = 0;
  bool warned_no_pts = false;
  bool warned_dropped_params = false;

  void reset_stream() {
    if (ground) ground->reset();
    warned_no_pts = warned_dropped_params = false;
  }
};

struct _GstHomographySpeed {
  GstBaseTransform parent;
  Settings *settings;  // under the object lock
  // Of the calibration in effect, under the object lock; -1 when unknown.
  double reprojection_error_px;
  double reprojection_error_m;
  State *state;  // streaming thread, start and stop
};

G_DEFINE_TYPE_WITH_CODE(GstHomographySpeed, gst_homography_speed, GST_TYPE_BASE_TRANSFORM,
                        GST_DEBUG_CATEGORY_INIT(gst_homography_speed_debug, "homographyspeed", 0,
                                                "Calibrated ground speed of tracked objects"));
GST_ELEMENT_REGISTER_DEFINE(homographyspeed, "homographyspeed", GST_RANK_NONE,
                            GST_TYPE_HOMOGRAPHY_SPEED);

// Metadata only: any raw video, any memory.
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw(ANY)"));

#define GST_TYPE_HOMOGRAPHY_SPEED_UNITS (gst_homography_speed_units_get_type())
static GType gst_homography_speed_units_get_type() {
  static const GEnumValue values[] = {{int(SpeedUnit::kKmh), "Kilometres per hour", "kmh"},
                                      {int(SpeedUnit::kMph), "Miles per hour", "mph"},
                                      {0, nullptr, nullptr}};
  static GType type = g_enum_register_static("GstHomographySpeedUnits", values);
  return type;
}

static Settings snapshot(GstHomographySpeed *self) {
  GST_OBJECT_LOCK(self);
  Settings copy = *self->settings;
  GST_OBJECT_UNLOCK(self);
  return copy;
}

static void set_reprojection_errors(GstHomographySpeed *self, double px, double m) {
  GST_OBJECT_LOCK(self);
  self->reprojection_error_px = px;
  self->reprojection_error_m = m;
  GST_OBJECT_UNLOCK(self);
}

// The calibration the properties name; nullopt for "none" (measure nothing until one is set).
static std::optional<geo::Calibration> load_calibration(const Settings &settings) {
  if (settings.calibration_file.empty() && settings.calibration.empty()) {
    throw rw::Error(
        "homographyspeed needs a calibration: set calibration-file (a JSON file) or "
        "calibration (the same JSON as a string), or calibration=none to run without speeds "
        "until one is set");
  }
  if (!settings.calibration_file.empty() && !settings.calibration.empty()) {
    throw rw::Error(
        "both calibration-file and calibration are set; set only one of them, so it is clear "
        "which calibration measures the speeds");
  }
  const std::string &in_effect =
      settings.calibration_file.empty() ? settings.calibration : settings.calibration_file;
  if (rw::is_none(in_effect)) return std::nullopt;
  return settings.calibration_file.empty()
             ? geo::parse_calibration(settings.calibration, "property")
             : geo::load_calibration_file(settings.calibration_file);
}

// Not silent: an uncalibrated source is worth one warning (at start, or when a calibration is
// taken away while playing), since it reports no speed and so no speeding.
static void report_uncalibrated(GstHomographySpeed *self) {
  set_reprojection_errors(self, -1, -1);
  GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                      ("No calibration (calibration=none): no positions or speeds are measured "
                       "until a calibration is set"),
                      (nullptr));
}

static void report_calibration(GstHomographySpeed *self, const geo::Calibration &c) {
  if (!c.rms_error_px) {
    set_reprojection_errors(self, -1, -1);
    GST_INFO_OBJECT(self, "calibration: a homography without point pairs, error unknown");
    GST_ELEMENT_INFO(self, RESOURCE, SETTINGS,
                     ("Calibration loaded: a homography without point pairs, so its "
                      "reprojection error is unknown"),
                     (nullptr));
    return;
  }
  set_reprojection_errors(self, *c.rms_error_px, c.rms_error_m.value_or(-1));
  const char *exact =
      c.point_pairs == 4 ? " (4 pairs always fit exactly: add pairs to measure the error)" : "";
  GST_INFO_OBJECT(self, "calibration: %zu point pairs, reprojection error %.3f px, %.3f m RMS%s",
                  c.point_pairs, *c.rms_error_px, c.rms_error_m.value_or(-1), exact);
  GST_ELEMENT_INFO(self, RESOURCE, SETTINGS,
                   ("Calibration loaded: %zu point pairs, reprojection error %.3f px (%.3f m) "
                    "RMS%s",
                    c.point_pairs, *c.rms_error_px, c.rms_error_m.value_or(-1), exact),
                   (nullptr));
}

static gboolean gst_homography_speed_start(GstBaseTransform *trans) {
  GstHomographySpeed *self = GST_HOMOGRAPHY_SPEED(trans);
  const Settings settings = snapshot(self);
  State &state = *self->state;
  set_reprojection_errors(self, -1, -1);
  if (settings.min_span_ms > settings.window_ms) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                      ("min-span-ms (%u) is longer than window-ms (%u)", settings.min_span_ms,
                       settings.window_ms),
                      (nullptr));
    return FALSE;
  }
  try {
    std::optional<geo::Calibration> calibration = load_calibration(settings);
    geo::GroundSpeedConfig &config = state.config;
    config.estimator.window_ns = gint64(settings.window_ms) * kNsPerMs;
    config.estimator.min_span_ns = gint64(settings.min_span_ms) * kNsPerMs;
    config.box_error_px = settings.box_error_px;
    state.ground.reset();
    if (calibration) {
      report_calibration(self, *calibration);
      state.ground = std::make_unique<geo::GroundSpeed>(std::move(*calibration), config);
      if (state.frame_w > 0) state.ground->set_frame_size(state.frame_w, state.frame_h);
    } else {
      report_uncalibrated(self);
    }
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", e.what()), (nullptr));
    return FALSE;
  }
  state.warned_no_pts = state.warned_dropped_params = false;
  // From here on a calibration set is a live change; one set since the snapshot is one too.
  GST_OBJECT_LOCK(self);
  Settings &now = *self->settings;
  now.started = true;
  now.reload_calibration =
      now.calibration != settings.calibration || now.calibration_file != settings.calibration_file;
  GST_OBJECT_UNLOCK(self);
  return TRUE;
}

static gboolean gst_homography_speed_stop(GstBaseTransform *trans) {
  GstHomographySpeed *self = GST_HOMOGRAPHY_SPEED(trans);
  GST_OBJECT_LOCK(self);
  self->settings->started = false;
  GST_OBJECT_UNLOCK(self);
  State &state = *self->state;
  state.ground.reset();
  state.frame_w = state.frame_h = 0;
  return TRUE;
}

static gboolean gst_homography_speed_set_caps(GstBaseTransform *trans, GstCaps *incaps, GstCaps *) {
  GstHomographySpeed *self = GST_HOMOGRAPHY_SPEED(trans);
  State &state = *self->state;
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, incaps)) {
    GST_ERROR_OBJECT(self, "cannot read the frame size from %" GST_PTR_FORMAT,
                     static_cast<void *>(incaps));
    return FALSE;
  }
  state.frame_w = GST_VIDEO_INFO_WIDTH(&info);
  state.frame_h = GST_VIDEO_INFO_HEIGHT(&info);
  if (state.ground) state.ground->set_frame_size(state.frame_w, state.frame_h);
  return TRUE;
}

static gboolean gst_homography_speed_sink_event(GstBaseTransform *trans, GstEvent *event) {
  if (GST_EVENT_TYPE(event) == GST_EVENT_STREAM_START ||
      GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP) {
    GST_HOMOGRAPHY_SPEED(trans)->state->reset_stream();
  }
  return GST_BASE_TRANSFORM_CLASS(gst_homography_speed_parent_class)->sink_event(trans, event);
}

// A calibration set while playing, applied before this frame. A new homography puts every
// ground point elsewhere, so the tracks' histories start over; a bad one keeps the old.
static void apply_new_calibration(GstHomographySpeed *self) {
  GST_OBJECT_LOCK(self);
  const bool reload = std::exchange(self->settings->reload_calibration, false);
  const Settings settings = *self->settings;
  GST_OBJECT_UNLOCK(self);
  if (!reload) return;
  State &state = *self->state;
  try {
    const std::optional<geo::Calibration> calibration = load_calibration(settings);
    if (!calibration) {
      state.ground.reset();
      report_uncalibrated(self);
      return;
    }
    auto ground = std::make_unique<geo::GroundSpeed>(*calibration, state.config);
    ground->set_frame_size(state.frame_w, state.frame_h);
    report_calibration(self, *calibration);
    state.ground = std::move(ground);
  } catch (const std::exception &e) {
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                        ("New calibration ignored, the previous one stays in effect: %s", e.what()),
                        (nullptr));
  }
}

static rw::meta::Kinematics to_meta(const geo::GroundKinematics &k, SpeedUnit units) {
  const auto convert = units == SpeedUnit::kMph ? geo::to_mph : geo::to_kmh;
  return {k.world_m.x, k.world_m.y, convert(k.speed_mps), convert(k.speed_sigma_mps), k.heading_deg,
          k.valid,     units};
}

// Without a calibration nothing is known: every number NaN (records then leave out world and
// speed), never valid.
static rw::meta::Kinematics unknown_kinematics(SpeedUnit units) {
  const double unknown = std::numeric_limits<double>::quiet_NaN();
  return {unknown, unknown, unknown, unknown, unknown, false, units};
}

static GstFlowReturn gst_homography_speed_transform_ip(GstBaseTransform *trans, GstBuffer *buffer) {
  GstHomographySpeed *self = GST_HOMOGRAPHY_SPEED(trans);
  State &state = *self->state;
  if (state.frame_w <= 0) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("homographyspeed received a frame before caps"),
                      (nullptr));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  const GstClockTime pts = GST_BUFFER_PTS(buffer);
  const GstClockTime running_ns =
      GST_CLOCK_TIME_IS_VALID(pts)
          ? gst_segment_to_running_time(&trans->segment, GST_FORMAT_TIME, pts)
          : GST_CLOCK_TIME_NONE;
  if (!GST_CLOCK_TIME_IS_VALID(running_ns)) {
    if (!state.warned_no_pts) {
      state.warned_no_pts = true;
      GST_ELEMENT_WARNING(self, STREAM, FORMAT,
                          ("Frames without a timestamp (or outside the segment): speeds are "
                           "measured over PTS, so their objects get no kinematics"),
                          (nullptr));
    }
    return GST_FLOW_OK;
  }
  apply_new_calibration(self);
  const SpeedUnit units = snapshot(self).units;
  const bool inferred = rw::meta::inferred(buffer).value_or(true);
  const gint64 now_ns = gint64(running_ns);
  try {
    const std::vector<rw::meta::Object> objects =
        rw::meta::read_objects(buffer, state.frame_w, state.frame_h);
    rw::gst::warn_if_params_dropped(GST_ELEMENT(self), objects, state.warned_dropped_params);
    for (std::size_t i = 0; i < objects.size(); ++i) {
      const rw::meta::Object &object = objects[i];
      if (!object.tracking) continue;
      if (!state.ground) {
        rw::meta::set_kinematics(buffer, i, unknown_kinematics(units));
        continue;
      }
      const rw::meta::BoxPx &b = object.box;
      const geo::GroundKinematics k =
          inferred
              ? state.ground->measure(object.tracking->id, {b.x, b.y, b.x + b.w, b.y + b.h}, now_ns)
              : state.ground->predict(object.tracking->id, now_ns);
      rw::meta::set_kinematics(buffer, i, to_meta(k, units));
    }
    if (state.ground) state.ground->forget_stale(now_ns);
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Speed estimation failed: %s", e.what()), (nullptr));
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

// While started, the calibration property set last replaces the one in effect: the other
// one is cleared (before start, setting both is an error, as it is ambiguous).
static void replace_calibration_while_started(Settings &s, std::string &other) {
  if (!s.started) return;
  other.clear();
  s.reload_calibration = true;
}

static void gst_homography_speed_set_property(GObject *object, guint prop_id, const GValue *value,
                                              GParamSpec *pspec) {
  GstHomographySpeed *self = GST_HOMOGRAPHY_SPEED(object);
  GST_OBJECT_LOCK(self);
  Settings &s = *self->settings;
  switch (prop_id) {
    case PROP_CALIBRATION_FILE: {
      const gchar *path = g_value_get_string(value);
      s.calibration_file = path != nullptr ? path : "";
      replace_calibration_while_started(s, s.calibration);
      break;
    }
    case PROP_CALIBRATION: {
      const gchar *json = g_value_get_string(value);
      s.calibration = json != nullptr ? json : "";
      replace_calibration_while_started(s, s.calibration_file);
      break;
    }
    case PROP_WINDOW_MS:
      s.window_ms = g_value_get_uint(value);
      break;
    case PROP_MIN_SPAN_MS:
      s.min_span_ms = g_value_get_uint(value);
      break;
    case PROP_BOX_ERROR_PX:
      s.box_error_px = g_value_get_double(value);
      break;
    case PROP_UNITS:
      s.units = static_cast<SpeedUnit>(g_value_get_enum(value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_homography_speed_get_property(GObject *object, guint prop_id, GValue *value,
                                              GParamSpec *pspec) {
  GstHomographySpeed *self = GST_HOMOGRAPHY_SPEED(object);
  GST_OBJECT_LOCK(self);
  const Settings &s = *self->settings;
  switch (prop_id) {
    case PROP_CALIBRATION_FILE:
      g_value_set_string(value, s.calibration_file.empty() ? nullptr : s.calibration_file.c_str());
      break;
    case PROP_CALIBRATION:
      g_value_set_string(value, s.calibration.empty() ? nullptr : s.calibration.c_str());
      break;
    case PROP_WINDOW_MS:
      g_value_set_uint(value, s.window_ms);
      break;
    case PROP_MIN_SPAN_MS:
      g_value_set_uint(value, s.min_span_ms);
      break;
    case PROP_BOX_ERROR_PX:
      g_value_set_double(value, s.box_error_px);
      break;
    case PROP_UNITS:
      g_value_set_enum(value, int(s.units));
      break;
    case PROP_REPROJECTION_ERROR_PX:
      g_value_set_double(value, self->reprojection_error_px);
      break;
    case PROP_REPROJECTION_ERROR_M:
      g_value_set_double(value, self->reprojection_error_m);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_homography_speed_finalize(GObject *object) {
  GstHomographySpeed *self = GST_HOMOGRAPHY_SPEED(object);
  delete self->state;
  delete self->settings;
  G_OBJECT_CLASS(gst_homography_speed_parent_class)->finalize(object);
}

static void gst_homography_speed_class_init(GstHomographySpeedClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS(klass);

  gobject_class->set_property = gst_homography_speed_set_property;
  gobject_class->get_property = gst_homography_speed_get_property;
  gobject_class->finalize = gst_homography_speed_finalize;

  const auto playing =
      GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  const auto ready =
      GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
  const auto read_only = GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(
      gobject_class, PROP_CALIBRATION_FILE,
      g_param_spec_string("calibration-file", "Calibration file",
                          "JSON calibration: >= 4 image_points paired with world_points in "
                          "metres, or a homography; optional camera_matrix and dist_coeffs. "
                          "Exclusive with calibration; while playing, setting it replaces the "
                          "calibration in effect from the next frame; none: not calibrated yet, "
                          "no speeds (one warning)",
                          nullptr, playing));
  g_object_class_install_property(
      gobject_class, PROP_CALIBRATION,
      g_param_spec_string("calibration", "Calibration",
                          "The same JSON as calibration-file, given as a string. Exclusive "
                          "with calibration-file; while playing, setting it replaces the "
                          "calibration in effect from the next frame; none: not calibrated yet, "
                          "no speeds (one warning)",
                          nullptr, playing));
  g_object_class_install_property(
      gobject_class, PROP_WINDOW_MS,
      g_param_spec_uint("window-ms", "Window (ms)",
                        "Span of PTS over which each track's positions are fitted to a "
                        "straight line; longer is smoother but slower to follow changes",
                        50, 60000, DEFAULT_WINDOW_MS, ready));
  g_object_class_install_property(
      gobject_class, PROP_MIN_SPAN_MS,
      g_param_spec_uint("min-span-ms", "Minimum span (ms)",
                        "A speed is valid once the window spans at least this much PTS (and "
                        "holds at least 4 positions)",
                        0, 60000, DEFAULT_MIN_SPAN_MS, ready));
  g_object_class_install_property(
      gobject_class, PROP_BOX_ERROR_PX,
      g_param_spec_double("box-error-px", "Box error (px)",
                          "1-sigma error of a box's bottom centre in pixels, as the detector "
                          "makes it on consecutive frames alike: sets the least uncertainty",
                          0.0, 100.0, DEFAULT_BOX_ERROR_PX, ready));
  g_object_class_install_property(
      gobject_class, PROP_UNITS,
      g_param_spec_enum("units", "Units", "Units of the speed and uncertainty written",
                        GST_TYPE_HOMOGRAPHY_SPEED_UNITS, int(SpeedUnit::kKmh), playing));
  g_object_class_install_property(
      gobject_class, PROP_REPROJECTION_ERROR_PX,
      g_param_spec_double("reprojection-error-px", "Reprojection error (px)",
                          "RMS reprojection error of the calibration's point pairs in pixels, "
                          "of the calibration in effect; -1 when unknown",
                          -1.0, G_MAXDOUBLE, -1.0, read_only));
  g_object_class_install_property(
      gobject_class, PROP_REPROJECTION_ERROR_M,
      g_param_spec_double("reprojection-error-m", "Reprojection error (m)",
                          "RMS error of the calibration's image points mapped to the road, in "
                          "metres, of the calibration in effect; -1 when unknown",
                          -1.0, G_MAXDOUBLE, -1.0, read_only));

  gst_element_class_set_static_metadata(
      element_class, "Homography speed", "Filter/Analyzer/Video",
      "Ground position, speed and heading of tracked objects through a calibrated homography",
      "roadwatch");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);

  trans_class->start = GST_DEBUG_FUNCPTR(gst_homography_speed_start);
  trans_class->stop = GST_DEBUG_FUNCPTR(gst_homography_speed_stop);
  trans_class->set_caps = GST_DEBUG_FUNCPTR(gst_homography_speed_set_caps);
  trans_class->sink_event = GST_DEBUG_FUNCPTR(gst_homography_speed_sink_event);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR(gst_homography_speed_transform_ip);

  gst_type_mark_as_plugin_api(GST_TYPE_HOMOGRAPHY_SPEED_UNITS, GstPluginAPIFlags(0));
}

static void gst_homography_speed_init(GstHomographySpeed *self) {
  self->settings = new Settings();
  self->state = new State();
  self->reprojection_error_px = -1;
  self->reprojection_error_m = -1;
  gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
  gst_base_transform_set_qos_enabled(GST_BASE_TRANSFORM(self), FALSE);
}
