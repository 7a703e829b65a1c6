/**
 * SECTION:element-trafficoverlay
 * @title: trafficoverlay
 *
 * Burns the roadwatch metadata into the picture, for recordings and MJPEG previews (the
 * analytics elements never draw):
 * - one box per object in a colour per class, with "#track-id label confidence speed" above it
 *   (speed from the `kinematics` param once valid, in its units: "87 km/h" or "54 mph");
 * - with `zones-file` or `zones` (roianalytics' JSON format), the zone outlines in cyan and
 *   the counting lines in magenta, each line with an arrow pointing the forward way and, when
 *   the frame has roianalytics' RwZoneFrame meta, its "12 fwd 3 bwd" counts;
 * - with RwZoneFrame, a box top-left with the vehicle total, those in the zones and those
 *   speeding.
 * Normalized zone coordinates are resolved against the negotiated frame size. Works on packed
 * RGB frames, so put a videoconvert in front of it.
 *
 * `zones=none` (or `zones-file=none`), as in roianalytics, draws no zones or lines: a source
 * whose region is not drawn yet. Leaving both unset draws none either.
 *
 * The zones can change while playing (#GstTrafficOverlay:zones or
 * #GstTrafficOverlay:zones-file, as in roianalytics): the new ones are drawn from the next
 * frame; zones that fail to load while playing are a warning and the previous ones stay.
 *
 * #GstTrafficOverlay:silent (as textoverlay's) makes the element a passthrough that draws
 * nothing and does no drawing work, for a client that draws the overlay itself from the
 * analytics; it can be toggled while playing. Zones set while silent take effect from the
 * first frame drawn again.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=highway.mp4 ! decodebin ! videoconvert ! \
 *     yolodetect model-file=yolox_nano.onnx ! deepsorttrack ! \
 *     homographyspeed calibration-file=calibration.json ! roianalytics zones-file=zones.json ! \
 *     trafficoverlay zones-file=zones.json ! videoconvert ! autovideosink
 * ]|
 */

#include "trafficoverlay/gsttrafficoverlay.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "meta/rwmeta.h"
#include "rw/draw/overlay.hpp"
#include "rw/draw/zones.hpp"
#include "rw/zones/config.hpp"
#include "util/dropped_params.h"
#include "util/gstcv.h"

GST_DEBUG_CATEGORY_STATIC(gst_traffic_overlay_debug);
#define GST_CAT_DEFAULT gst_traffic_overlay_debug

enum {
  PROP_0,
  PROP_SHOW_LABELS,
  PROP_SHOW_CONFIDENCE,
  PROP_SHOW_SPEED,
  PROP_LINE_THICKNESS,
  PROP_ZONES_FILE,
  PROP_ZONES,
  PROP_SILENT,
};

constexpr gboolean DEFAULT_SHOW_LABELS = TRUE;
constexpr gboolean DEFAULT_SHOW_CONFIDENCE = TRUE;
constexpr gboolean DEFAULT_SHOW_SPEED = TRUE;
constexpr gint DEFAULT_LINE_THICKNESS = 0;
constexpr gboolean DEFAULT_SILENT = FALSE;

struct Settings {
  rw::draw::OverlayStyle style;
  std::string zones_file;
  std::string zones_json;     // wins over zones_file, as in roianalytics
  bool reload_zones = false;  // zones or zones-file set since the streaming thread looked
};

struct State {
  std::optional<rw::zones::ZoneConfig> config;  // read at start, as written (maybe normalized)
  std::vector<rw::draw::ZoneOutline> zones;     // config in frame pixels, from set_info
  std::vector<rw::draw::LineMark> lines;
  bool warned_dropped_params = false;
};

struct _GstTrafficOverlay {
  GstVideoFilter parent;
  Settings *settings;  // under the object lock
  State *state;        // streaming thread, start, stop and set_info
};

G_DEFINE_TYPE_WITH_CODE(GstTrafficOverlay, gst_traffic_overlay, GST_TYPE_VIDEO_FILTER,
                        GST_DEBUG_CATEGORY_INIT(gst_traffic_overlay_debug, "trafficoverlay", 0,
                                                "draws roadwatch metadata into frames"));
GST_ELEMENT_REGISTER_DEFINE(trafficoverlay, "trafficoverlay", GST_RANK_NONE,
                            GST_TYPE_TRAFFIC_OVERLAY);

#define OVERLAY_CAPS GST_VIDEO_CAPS_MAKE("{ BGR, RGB, BGRx, RGBx, BGRA, RGBA }")

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(OVERLAY_CAPS));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(OVERLAY_CAPS));

// The zone config the properties name (none when both are empty); throws what is wrong.
static std::optional<rw::zones::ZoneConfig> load_zones(GstTrafficOverlay *self,
                                                       const Settings &settings) {
  if (!settings.zones_json.empty() && !settings.zones_file.empty()) {
    GST_WARNING_OBJECT(self, "both zones and zones-file are set: the zones property wins");
  }
  std::optional<rw::zones::ZoneConfig> config =
      rw::zones::zone_config_from(settings.zones_json, settings.zones_file);
  if (config) {
    GST_INFO_OBJECT(self, "drawing %zu zones and %zu lines", config->zones.size(),
                    config->lines.size());
  }
  return config;
}

// Takes the settings and clears the reload flag: what the streaming thread now draws.
static Settings take_settings(GstTrafficOverlay *self) {
  GST_OBJECT_LOCK(self);
  self->settings->reload_zones = false;
  Settings copy = *self->settings;
  GST_OBJECT_UNLOCK(self);
  return copy;
}

static gboolean gst_traffic_overlay_start(GstBaseTransform *trans) {
  GstTrafficOverlay *self = GST_TRAFFIC_OVERLAY(trans);
  const Settings settings = take_settings(self);
  State &state = *self->state;
  state = State();
  try {
    state.config = load_zones(self, settings);
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", e.what()), (nullptr));
    return FALSE;
  }
  return TRUE;
}

static gboolean gst_traffic_overlay_stop(GstBaseTransform *trans) {
  *GST_TRAFFIC_OVERLAY(trans)->state = State();
  return TRUE;
}

// The zone config in pixels of the frame size, as shapes to draw; throws what is wrong.
static void resolve_shapes(State &state, int width, int height) {
  std::vector<rw::draw::ZoneOutline> zones;
  std::vector<rw::draw::LineMark> lines;
  if (state.config) {
    const rw::zones::ZoneConfig pixels = state.config->to_pixels(width, height);
    for (const rw::zones::Zone &zone : pixels.zones) zones.push_back({zone.name, zone.polygon});
    for (const rw::zones::CountingLine &line : pixels.lines) {
      lines.push_back({line.name, line.a, line.b, std::nullopt});
    }
  }
  state.zones = std::move(zones);
  state.lines = std::move(lines);
}

static gboolean gst_traffic_overlay_set_info(GstVideoFilter *filter, GstCaps *, GstVideoInfo *,
                                             GstCaps *, GstVideoInfo *out_info) {
  GstTrafficOverlay *self = GST_TRAFFIC_OVERLAY(filter);
  try {
    resolve_shapes(*self->state, GST_VIDEO_INFO_WIDTH(out_info), GST_VIDEO_INFO_HEIGHT(out_info));
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("%s", e.what()), (nullptr));
    return FALSE;
  }
  return TRUE;
}

// Zones set while playing, drawn from this frame on; bad ones leave the previous in place.
static void apply_new_zones(GstTrafficOverlay *self, int width, int height) {
  GST_OBJECT_LOCK(self);
  const bool reload = self->settings->reload_zones;
  GST_OBJECT_UNLOCK(self);
  if (!reload) return;
  State &state = *self->state;
  State next;
  try {
    next.config = load_zones(self, take_settings(self));
    resolve_shapes(next, width, height);
  } catch (const std::exception &e) {
    GST_ELEMENT_WARNING(self, RESOURCE, SETTINGS,
                        ("New zones ignored, the previous ones stay in effect: %s", e.what()),
                        (nullptr));
    return;
  }
  next.warned_dropped_params = state.warned_dropped_params;
  state = std::move(next);
}

static cv::Rect whole_pixels(const rw::meta::BoxPx &box) {
  const int x = int(std::lround(box.x)), y = int(std::lround(box.y));
  return {x, y, int(std::lround(box.x + box.w)) - x, int(std::lround(box.y + box.h)) - y};
}

static const char *unit_text(rw::meta::SpeedUnit units) {
  return units == rw::meta::SpeedUnit::kMph ? "mph" : "km/h";
}

static std::vector<rw::draw::OverlayObject> overlay_objects(
    const std::vector<rw::meta::Object> &found) {
  std::vector<rw::draw::OverlayObject> objects;
  for (const rw::meta::Object &object : found) {
    rw::draw::OverlayObject drawn;
    drawn.rect_px = whole_pixels(object.box);
    if (object.detection) {
      drawn.class_id = object.detection->class_id;
      drawn.label = object.detection->label;
      drawn.confidence = object.detection->confidence;
    } else {
      drawn.has_caption = false;
    }
    if (object.tracking) drawn.track_id = object.tracking->id;
    if (object.kinematics && object.kinematics->valid && std::isfinite(object.kinematics->speed)) {
      drawn.speed = object.kinematics->speed;
      drawn.speed_unit = unit_text(object.kinematics->units);
    }
    objects.push_back(std::move(drawn));
  }
  return objects;
}

// The configured lines with this frame's counts; roianalytics reports them by line name.
static std::vector<rw::draw::LineMark> tallied_lines(std::vector<rw::draw::LineMark> lines,
                                                     const rw::zones::Stats &stats) {
  for (rw::draw::LineMark &line : lines) {
    for (const rw::zones::LineCount &count : stats.line_counts) {
      if (count.name == line.name) line.tally = rw::draw::LineTally{count.forward, count.backward};
    }
  }
  return lines;
}

static GstFlowReturn gst_traffic_overlay_transform_frame_ip(GstVideoFilter *filter,
                                                            GstVideoFrame *frame) {
  GstTrafficOverlay *self = GST_TRAFFIC_OVERLAY(filter);
  State &state = *self->state;
  GST_OBJECT_LOCK(self);
  rw::draw::OverlayStyle style = self->settings->style;
  GST_OBJECT_UNLOCK(self);
  style.rgb_order = rw::gst::is_rgb_order(GST_VIDEO_FRAME_FORMAT(frame));

  const int width = GST_VIDEO_FRAME_WIDTH(frame), height = GST_VIDEO_FRAME_HEIGHT(frame);
  apply_new_zones(self, width, height);
  const std::vector<rw::meta::Object> found = rw::meta::read_objects(frame->buffer, width, height);
  rw::gst::warn_if_params_dropped(GST_ELEMENT(self), found, state.warned_dropped_params);
  const std::optional<rw::meta::ZoneFrame> analytics = rw::meta::zone_frame(frame->buffer);
  try {
    cv::Mat pixels = rw::gst::packed_mat(*frame);
    // Road layout first, so boxes and captions stay readable on top of it.
    rw::draw::draw_zones(pixels, state.zones, style);
    if (analytics) {
      rw::draw::draw_lines(pixels, tallied_lines(state.lines, analytics->stats), style);
    } else {
      rw::draw::draw_lines(pixels, state.lines, style);
    }
    rw::draw::draw_objects(pixels, overlay_objects(found), style);
    if (analytics) {
      const rw::zones::Stats &stats = analytics->stats;
      rw::draw::draw_stats_box(
          pixels, {stats.total_vehicles, stats.current_in_roi, stats.speeding_count}, style);
    }
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Drawing the overlay failed: %s", e.what()),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

static gboolean gst_traffic_overlay_sink_event(GstBaseTransform *trans, GstEvent *event) {
  if (GST_EVENT_TYPE(event) == GST_EVENT_STREAM_START) {
    GST_TRAFFIC_OVERLAY(trans)->state->warned_dropped_params = false;
  }
  return GST_BASE_TRANSFORM_CLASS(gst_traffic_overlay_parent_class)->sink_event(trans, event);
}

static void set_string(std::string &target, const GValue *value) {
  const gchar *text = g_value_get_string(value);
  target = text != nullptr ? text : "";
}

static void gst_traffic_overlay_set_property(GObject *object, guint prop_id, const GValue *value,
                                             GParamSpec *pspec) {
  GstTrafficOverlay *self = GST_TRAFFIC_OVERLAY(object);
  if (prop_id == PROP_SILENT) {
    // Passthrough is the state itself, not a flag checked per frame: the base class then
    // neither maps nor makes the buffer writable (transform_ip_on_passthrough is off), so a
    // silent overlay costs nothing. set_passthrough takes the object lock itself.
    gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), g_value_get_boolean(value));
    return;
  }
  GST_OBJECT_LOCK(self);
  Settings &s = *self->settings;
  switch (prop_id) {
    case PROP_SHOW_LABELS:
      s.style.show_labels = g_value_get_boolean(value);
      break;
    case PROP_SHOW_CONFIDENCE:
      s.style.show_confidence = g_value_get_boolean(value);
      break;
    case PROP_SHOW_SPEED:
      s.style.show_speed = g_value_get_boolean(value);
      break;
    case PROP_LINE_THICKNESS:
      s.style.line_thickness_px = g_value_get_int(value);
      break;
    case PROP_ZONES_FILE:
      set_string(s.zones_file, value);
      s.reload_zones = true;
      break;
    case PROP_ZONES:
      set_string(s.zones_json, value);
      s.reload_zones = true;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static const gchar *or_null(const std::string &text) {
  return text.empty() ? nullptr : text.c_str();
}

static void gst_traffic_overlay_get_property(GObject *object, guint prop_id, GValue *value,
                                             GParamSpec *pspec) {
  GstTrafficOverlay *self = GST_TRAFFIC_OVERLAY(object);
  if (prop_id == PROP_SILENT) {  // is_passthrough takes the object lock itself
    g_value_set_boolean(value, gst_base_transform_is_passthrough(GST_BASE_TRANSFORM(self)));
    return;
  }
  GST_OBJECT_LOCK(self);
  const Settings &s = *self->settings;
  switch (prop_id) {
    case PROP_SHOW_LABELS:
      g_value_set_boolean(value, s.style.show_labels);
      break;
    case PROP_SHOW_CONFIDENCE:
      g_value_set_boolean(value, s.style.show_confidence);
      break;
    case PROP_SHOW_SPEED:
      g_value_set_boolean(value, s.style.show_speed);
      break;
    case PROP_LINE_THICKNESS:
      g_value_set_int(value, s.style.line_thickness_px);
      break;
    case PROP_ZONES_FILE:
      g_value_set_string(value, or_null(s.zones_file));
      break;
    case PROP_ZONES:
      g_value_set_string(value, or_null(s.zones_json));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_traffic_overlay_finalize(GObject *object) {
  GstTrafficOverlay *self = GST_TRAFFIC_OVERLAY(object);
  delete self->state;
  delete self->settings;
  G_OBJECT_CLASS(gst_traffic_overlay_parent_class)->finalize(object);
}

static void gst_traffic_overlay_class_init(GstTrafficOverlayClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS(klass);

  gobject_class->set_property = gst_traffic_overlay_set_property;
  gobject_class->get_property = gst_traffic_overlay_get_property;
  gobject_class->finalize = gst_traffic_overlay_finalize;

  const auto playing =
      GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property(
      gobject_class, PROP_SHOW_LABELS,
      g_param_spec_boolean("show-labels", "Show labels",
                           "Write a caption above each box, and the names of zones and lines",
                           DEFAULT_SHOW_LABELS, playing));
  g_object_class_install_property(gobject_class, PROP_SHOW_CONFIDENCE,
                                  g_param_spec_boolean("show-confidence", "Show confidence",
                                                       "Add the detection confidence to the label",
                                                       DEFAULT_SHOW_CONFIDENCE, playing));
  g_object_class_install_property(
      gobject_class, PROP_SHOW_SPEED,
      g_param_spec_boolean("show-speed", "Show speed",
                           "Add the measured speed (homographyspeed, in its units) to the label",
                           DEFAULT_SHOW_SPEED, playing));
  g_object_class_install_property(
      gobject_class, PROP_LINE_THICKNESS,
      g_param_spec_int("line-thickness", "Line thickness",
                       "Box line thickness in pixels; 0 = one pixel per 360 rows of frame", 0, 64,
                       DEFAULT_LINE_THICKNESS, playing));
  /**
   * GstTrafficOverlay:zones-file:
   *
   * The zones and counting lines to draw, in roianalytics' JSON format; usually the same file
   * roianalytics reads. Read at start and again whenever the property is set.
   */
  g_object_class_install_property(
      gobject_class, PROP_ZONES_FILE,
      g_param_spec_string("zones-file", "Zones file",
                          "JSON file of zones and counting lines to draw, as roianalytics reads "
                          "it ({\"zones\": [{\"name\", \"polygon\"}], \"lines\": [{\"name\", "
                          "\"points\"}], \"normalized\"}); read at start and when set; none: "
                          "no zones",
                          nullptr, playing));
  g_object_class_install_property(
      gobject_class, PROP_ZONES,
      g_param_spec_string("zones", "Zones",
                          "The zones to draw as a JSON string (same format as zones-file); when "
                          "both are set, this one wins; none: no zones",
                          nullptr, playing));
  /**
   * GstTrafficOverlay:silent:
   *
   * Passes frames through untouched, drawing nothing (named after textoverlay's `silent`): for
   * frames whose viewer draws the overlay itself from the analytics. Settable while playing.
   */
  g_object_class_install_property(
      gobject_class, PROP_SILENT,
      g_param_spec_boolean("silent", "Silent",
                           "Draw nothing: pass frames through untouched (for a client that draws "
                           "the overlay from the analytics)",
                           DEFAULT_SILENT, playing));

  gst_element_class_set_static_metadata(element_class, "Traffic overlay", "Filter/Effect/Video",
                                        "Draws roadwatch objects (boxes, ids, speeds), zones, "
                                        "counting lines and counts into frames",
                                        "roadwatch");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  filter_class->transform_frame_ip = GST_DEBUG_FUNCPTR(gst_traffic_overlay_transform_frame_ip);
  filter_class->set_info = GST_DEBUG_FUNCPTR(gst_traffic_overlay_set_info);
  GST_BASE_TRANSFORM_CLASS(klass)->start = GST_DEBUG_FUNCPTR(gst_traffic_overlay_start);
  GST_BASE_TRANSFORM_CLASS(klass)->stop = GST_DEBUG_FUNCPTR(gst_traffic_overlay_stop);
  GST_BASE_TRANSFORM_CLASS(klass)->sink_event = GST_DEBUG_FUNCPTR(gst_traffic_overlay_sink_event);
  // Silent (passthrough) frames are not even looked at: zones set meanwhile are applied by the
  // first frame drawn again.
  GST_BASE_TRANSFORM_CLASS(klass)->transform_ip_on_passthrough = FALSE;
}

static void gst_traffic_overlay_init(GstTrafficOverlay *self) {
  self->settings = new Settings();
  self->settings->style.show_labels = DEFAULT_SHOW_LABELS;
  self->settings->style.show_confidence = DEFAULT_SHOW_CONFIDENCE;
  self->settings->style.show_speed = DEFAULT_SHOW_SPEED;
  self->settings->style.line_thickness_px = DEFAULT_LINE_THICKNESS;
  self->state = new State();
}
