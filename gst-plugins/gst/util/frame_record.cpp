#include "util/frame_record.h"

#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "meta/rwmeta.h"
#include "util/dropped_params.h"

namespace rw::gst {
namespace {

rw::schema::ObjectRecord object_record(const rw::meta::Object &object, int frame_w, int frame_h) {
  const rw::meta::BoxPx &b = object.box;
  rw::schema::ObjectRecord out;
  if (object.tracking) out.track_id = object.tracking->id;
  out.class_id = object.detection->class_id;
  out.label = object.detection->label;
  out.confidence = object.detection->confidence;
  out.bbox = rw::schema::normalise_box(b.x, b.y, b.w, b.h, frame_w, frame_h);
  if (const auto &k = object.kinematics) {
    // The record is in km/h whatever the display units; NaN would be null, not a number.
    if (k->valid && std::isfinite(k->speed_kmh())) {
      out.speed_kmh = k->speed_kmh();
      if (std::isfinite(k->uncertainty_kmh())) out.speed_err_kmh = k->uncertainty_kmh();
    }
    if (std::isfinite(k->world_x_m) && std::isfinite(k->world_y_m)) {
      out.world = rw::schema::WorldPosition{k->world_x_m, k->world_y_m};
    }
  }
  out.zones = object.zones;
  return out;
}

}  // namespace

rw::schema::FrameRecord frame_record(GstElement *element, GstBuffer *buffer,
                                     const GstVideoInfo &info, std::string source_id,
                                     guint64 frame_number, bool &warned_dropped_params) {
  rw::schema::FrameRecord record;
  record.source_id = std::move(source_id);
  record.frame_number = frame_number;
  if (GST_BUFFER_PTS_IS_VALID(buffer)) record.pts_ns = gint64(GST_BUFFER_PTS(buffer));
  record.ts_unix_ms = g_get_real_time() / 1000;
  record.frame_w = GST_VIDEO_INFO_WIDTH(&info);
  record.frame_h = GST_VIDEO_INFO_HEIGHT(&info);
  const std::vector<rw::meta::Object> objects =
      rw::meta::read_objects(buffer, record.frame_w, record.frame_h);
  warn_if_params_dropped(element, objects, warned_dropped_params);
  for (const rw::meta::Object &object : objects) {
    if (object.detection) {
      record.objects.push_back(object_record(object, record.frame_w, record.frame_h));
    }
  }
  if (std::optional<rw::meta::ZoneFrame> zones = rw::meta::zone_frame(buffer)) {
    record.stats = std::move(zones->stats);
    record.events = std::move(zones->events);
    record.summary = std::move(zones->summary);
  }
  return record;
}

}  // namespace rw::gst
