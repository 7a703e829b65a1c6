/**
 * SECTION:element-trafficoverlay
 * @title: trafficoverlay
 *
 * Burns the roadwatch metadata into the picture: one box per object in a colour per class,
 * with "#track-id label confidence" above it. For recordings and MJPEG previews; the analytics
 * elements never draw. Works on packed RGB frames, so put a videoconvert in front of it.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=highway.mp4 ! decodebin ! videoconvert ! \
 *     yolodetect model-file=yolox_nano.onnx ! trafficoverlay ! videoconvert ! autovideosink
 * ]|
 */

#include "trafficoverlay/gsttrafficoverlay.h"

#include <cmath>

#include "meta/rwmeta.h"
#include "rw/draw/overlay.hpp"
#include "util/dropped_params.h"
#include "util/gstcv.h"

GST_DEBUG_CATEGORY_STATIC(gst_traffic_overlay_debug);
#define GST_CAT_DEFAULT gst_traffic_overlay_debug

enum { PROP_0, PROP_SHOW_LABELS, PROP_SHOW_CONFIDENCE, PROP_LINE_THICKNESS };

constexpr gboolean DEFAULT_SHOW_LABELS = TRUE;
constexpr gboolean DEFAULT_SHOW_CONFIDENCE = TRUE;
constexpr gint DEFAULT_LINE_THICKNESS = 0;

struct _GstTrafficOverlay {
  GstVideoFilter parent;
  rw::draw::OverlayStyle style;  // under the object lock
  bool warned_dropped_params;    // streaming thread
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

static bool is_rgb_order(GstVideoFormat format) {
  return format == GST_VIDEO_FORMAT_RGB || format == GST_VIDEO_FORMAT_RGBx ||
         format == GST_VIDEO_FORMAT_RGBA;
}

static cv::Rect whole_pixels(const rw::meta::BoxPx &box) {
  const int x = int(std::lround(box.x)), y = int(std::lround(box.y));
  return {x, y, int(std::lround(box.x + box.w)) - x, int(std::lround(box.y + box.h)) - y};
}

static GstFlowReturn gst_traffic_overlay_transform_frame_ip(GstVideoFilter *filter,
                                                            GstVideoFrame *frame) {
  GstTrafficOverlay *self = GST_TRAFFIC_OVERLAY(filter);
  GST_OBJECT_LOCK(self);
  rw::draw::OverlayStyle style = self->style;
  GST_OBJECT_UNLOCK(self);
  style.rgb_order = is_rgb_order(GST_VIDEO_FRAME_FORMAT(frame));

  const int width = GST_VIDEO_FRAME_WIDTH(frame), height = GST_VIDEO_FRAME_HEIGHT(frame);
  const std::vector<rw::meta::Object> found = rw::meta::read_objects(frame->buffer, width, height);
  rw::gst::warn_if_params_dropped(GST_ELEMENT(self), found, self->warned_dropped_params);
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
    objects.push_back(std::move(drawn));
  }
  try {
    cv::Mat pixels = rw::gst::packed_mat(*frame);
    rw::draw::draw_objects(pixels, objects, style);
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Drawing the overlay failed: %s", e.what()),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

static gboolean gst_traffic_overlay_sink_event(GstBaseTransform *trans, GstEvent *event) {
  if (GST_EVENT_TYPE(event) == GST_EVENT_STREAM_START) {
    GST_TRAFFIC_OVERLAY(trans)->warned_dropped_params = false;
  }
  return GST_BASE_TRANSFORM_CLASS(gst_traffic_overlay_parent_class)->sink_event(trans, event);
}

static void gst_traffic_overlay_set_property(GObject *object, guint prop_id, const GValue *value,
                                             GParamSpec *pspec) {
  GstTrafficOverlay *self = GST_TRAFFIC_OVERLAY(object);
  GST_OBJECT_LOCK(self);
  switch (prop_id) {
    case PROP_SHOW_LABELS:
      self->style.show_labels = g_value_get_boolean(value);
      break;
    case PROP_SHOW_CONFIDENCE:
      self->style.show_confidence = g_value_get_boolean(value);
      break;
    case PROP_LINE_THICKNESS:
      self->style.line_thickness_px = g_value_get_int(value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_traffic_overlay_get_property(GObject *object, guint prop_id, GValue *value,
                                             GParamSpec *pspec) {
  GstTrafficOverlay *self = GST_TRAFFIC_OVERLAY(object);
  GST_OBJECT_LOCK(self);
  switch (prop_id) {
    case PROP_SHOW_LABELS:
      g_value_set_boolean(value, self->style.show_labels);
      break;
    case PROP_SHOW_CONFIDENCE:
      g_value_set_boolean(value, self->style.show_confidence);
      break;
    case PROP_LINE_THICKNESS:
      g_value_set_int(value, self->style.line_thickness_px);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK(self);
}

static void gst_traffic_overlay_class_init(GstTrafficOverlayClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS(klass);

  gobject_class->set_property = gst_traffic_overlay_set_property;
  gobject_class->get_property = gst_traffic_overlay_get_property;

  const auto playing =
      GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  g_object_class_install_property(
      gobject_class, PROP_SHOW_LABELS,
      g_param_spec_boolean("show-labels", "Show labels", "Write the class label above each box",
                           DEFAULT_SHOW_LABELS, playing));
  g_object_class_install_property(gobject_class, PROP_SHOW_CONFIDENCE,
                                  g_param_spec_boolean("show-confidence", "Show confidence",
                                                       "Add the detection confidence to the label",
                                                       DEFAULT_SHOW_CONFIDENCE, playing));
  g_object_class_install_property(
      gobject_class, PROP_LINE_THICKNESS,
      g_param_spec_int("line-thickness", "Line thickness",
                       "Box line thickness in pixels; 0 = one pixel per 360 rows of frame", 0, 64,
                       DEFAULT_LINE_THICKNESS, playing));

  gst_element_class_set_static_metadata(element_class, "Traffic overlay", "Filter/Effect/Video",
                                        "Draws roadwatch objects (boxes, labels) into frames",
                                        "roadwatch");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  filter_class->transform_frame_ip = GST_DEBUG_FUNCPTR(gst_traffic_overlay_transform_frame_ip);
  GST_BASE_TRANSFORM_CLASS(klass)->sink_event = GST_DEBUG_FUNCPTR(gst_traffic_overlay_sink_event);
}

static void gst_traffic_overlay_init(GstTrafficOverlay *self) {
  self->style.show_labels = DEFAULT_SHOW_LABELS;
  self->style.show_confidence = DEFAULT_SHOW_CONFIDENCE;
  self->style.line_thickness_px = DEFAULT_LINE_THICKNESS;
}
