/**
 * SECTION:element-metaconvert
 * @title: metaconvert
 *
 * Turns the roadwatch metadata of each video frame into one `roadwatch/1` JSON record
 * (docs/schema/roadwatch-1.schema.json) followed by a newline, so analytics can be written
 * to a file or any byte sink without Redis. Reads the ROI metas and their params:
 * `detection` (class_id, label, confidence, bbox), `tracking` (track_id), `kinematics`
 * (world {x, y} in metres; speed_kmh and speed_err_kmh once the speed is valid, converted to
 * km/h whatever units homographyspeed used) and `zones` (the zones the object is inside);
 * and the RwZoneFrame meta of roianalytics (stats and events, the end-of-stream summary in
 * the end_of_stream event). Fields whose element did not run are left out.
 * frame_number counts frames from the start of each stream; pts_ns is the buffer PTS
 * (absent when the buffer has none); ts_unix_ms is the wall clock when the record is made.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=highway.mp4 ! decodebin ! yolodetect model-file=yolox_nano.onnx !
 * \ metaconvert source-id=cam-1 ! filesink location=analytics.jsonl
 * ]|
 */

#include "metaconvert/gstmetaconvert.h"

#include <gst/video/video.h>

#include <string>

#include "rw/schema/frame_record.hpp"
#include "util/frame_record.h"

GST_DEBUG_CATEGORY_STATIC(gst_meta_convert_debug);
#define GST_CAT_DEFAULT gst_meta_convert_debug

enum { PROP_0, PROP_SOURCE_ID };

constexpr const char *DEFAULT_SOURCE_ID = "0";

struct _GstMetaConvert {
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  gchar *source_id;   // under the object lock
  GstVideoInfo info;  // streaming thread only
  gboolean have_info;
  guint64 frame_number;
  bool warned_dropped_params;
};

G_DEFINE_TYPE_WITH_CODE(GstMetaConvert, gst_meta_convert, GST_TYPE_ELEMENT,
                        GST_DEBUG_CATEGORY_INIT(gst_meta_convert_debug, "metaconvert", 0,
                                                "roadwatch metadata to JSON lines"));
GST_ELEMENT_REGISTER_DEFINE(metaconvert, "metaconvert", GST_RANK_NONE, GST_TYPE_META_CONVERT);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("video/x-raw(ANY)"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-ndjson"));

static std::string source_id(GstMetaConvert *self) {
  GST_OBJECT_LOCK(self);
  std::string id = self->source_id;
  GST_OBJECT_UNLOCK(self);
  return id;
}

static GstFlowReturn gst_meta_convert_chain(GstPad *, GstObject *parent, GstBuffer *buffer) {
  GstMetaConvert *self = GST_META_CONVERT(parent);
  if (!self->have_info) {
    gst_buffer_unref(buffer);
    GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("metaconvert received a frame before caps"),
                      (nullptr));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  std::string line = rw::schema::to_json(
      rw::gst::frame_record(GST_ELEMENT(self), buffer, self->info, source_id(self),
                            self->frame_number, self->warned_dropped_params));
  line += '\n';
  ++self->frame_number;
  GstBuffer *out = gst_buffer_new_memdup(line.data(), line.size());
  gst_buffer_copy_into(out, buffer, GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  gst_buffer_unref(buffer);
  return gst_pad_push(self->srcpad, out);
}

static gboolean gst_meta_convert_sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
  GstMetaConvert *self = GST_META_CONVERT(parent);
  switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
      GstCaps *caps = nullptr;
      gst_event_parse_caps(event, &caps);
      self->have_info = gst_video_info_from_caps(&self->info, caps);
      gst_event_unref(event);
      if (!self->have_info) {
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("metaconvert cannot parse the video caps"),
                          (nullptr));
        return FALSE;
      }
      GstCaps *out = gst_static_pad_template_get_caps(&src_template);
      const gboolean ok = gst_pad_push_event(self->srcpad, gst_event_new_caps(out));
      gst_caps_unref(out);
      return ok;
    }
    case GST_EVENT_STREAM_START:
    case GST_EVENT_FLUSH_STOP:
      self->frame_number = 0;
      self->warned_dropped_params = false;
      break;
    default:
      break;
  }
  return gst_pad_event_default(pad, parent, event);
}

static gboolean gst_meta_convert_sink_query(GstPad *pad, GstObject *parent, GstQuery *query) {
  // Any video is fine, and nothing downstream constrains it: answer with our template
  // instead of forwarding a video caps query to a byte sink.
  if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS) {
    GstCaps *filter = nullptr;
    gst_query_parse_caps(query, &filter);
    GstCaps *caps = gst_pad_get_pad_template_caps(pad);
    if (filter != nullptr) {
      GstCaps *both = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
      gst_caps_unref(caps);
      caps = both;
    }
    gst_query_set_caps_result(query, caps);
    gst_caps_unref(caps);
    return TRUE;
  }
  if (GST_QUERY_TYPE(query) == GST_QUERY_ALLOCATION) return FALSE;
  return gst_pad_query_default(pad, parent, query);
}

static void gst_meta_convert_set_property(GObject *object, guint prop_id, const GValue *value,
                                          GParamSpec *pspec) {
  GstMetaConvert *self = GST_META_CONVERT(object);
  switch (prop_id) {
    case PROP_SOURCE_ID: {
      const gchar *id = g_value_get_string(value);
      GST_OBJECT_LOCK(self);
      g_free(self->source_id);
      self->source_id = g_strdup(id != nullptr ? id : DEFAULT_SOURCE_ID);
      GST_OBJECT_UNLOCK(self);
      break;
    }
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
}

static void gst_meta_convert_get_property(GObject *object, guint prop_id, GValue *value,
                                          GParamSpec *pspec) {
  GstMetaConvert *self = GST_META_CONVERT(object);
  switch (prop_id) {
    case PROP_SOURCE_ID:
      GST_OBJECT_LOCK(self);
      g_value_set_string(value, self->source_id);
      GST_OBJECT_UNLOCK(self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
      break;
  }
}

static void gst_meta_convert_finalize(GObject *object) {
  g_free(GST_META_CONVERT(object)->source_id);
  G_OBJECT_CLASS(gst_meta_convert_parent_class)->finalize(object);
}

static void gst_meta_convert_class_init(GstMetaConvertClass *klass) {
  GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);

  gobject_class->set_property = gst_meta_convert_set_property;
  gobject_class->get_property = gst_meta_convert_get_property;
  gobject_class->finalize = gst_meta_convert_finalize;

  g_object_class_install_property(
      gobject_class, PROP_SOURCE_ID,
      g_param_spec_string(
          "source-id", "Source id", "Camera or video id written as source_id in every record",
          DEFAULT_SOURCE_ID,
          GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)));

  gst_element_class_set_static_metadata(
      element_class, "roadwatch metadata to JSON", "Formatter/Metadata",
      "Writes one roadwatch/1 JSON record per video frame (JSON lines)", "roadwatch");
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
}

static void gst_meta_convert_init(GstMetaConvert *self) {
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_meta_convert_chain));
  gst_pad_set_event_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_meta_convert_sink_event));
  gst_pad_set_query_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_meta_convert_sink_query));
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  gst_pad_use_fixed_caps(self->srcpad);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
  self->source_id = g_strdup(DEFAULT_SOURCE_ID);
}
