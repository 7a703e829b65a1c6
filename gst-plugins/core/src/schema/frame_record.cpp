#include "rw/schema/frame_record.hpp"

#include <algorithm>
#include <cmath>

#include "schema/json_writer.hpp"
#include "schema/rounding.hpp"
#include "schema/zone_json.hpp"

namespace rw::schema {
namespace {

double round6(double value) {
  return round_to(value, kPerNormalised);
}

void write_object(JsonWriter &json, const ObjectRecord &object) {
  json.begin_object();
  if (object.track_id) json.key("track_id").value(*object.track_id);
  json.key("class_id").value(object.class_id);
  json.key("label").value(object.label);
  json.key("confidence").value(round6(object.confidence));
  json.key("bbox").begin_object();
  json.key("x").value(round6(object.bbox.x)).key("y").value(round6(object.bbox.y));
  json.key("w").value(round6(object.bbox.w)).key("h").value(round6(object.bbox.h));
  json.end_object();
  if (object.speed_kmh) {
    json.key("speed_kmh").value(round_to(*object.speed_kmh, kPerKmh));
    if (object.speed_err_kmh)
      json.key("speed_err_kmh").value(round_to(*object.speed_err_kmh, kPerKmh));
  }
  if (object.world) {
    json.key("world").begin_object();
    json.key("x").value(round_to(object.world->x_m, kPerMetre));
    json.key("y").value(round_to(object.world->y_m, kPerMetre));
    json.end_object();
  }
  if (object.zones) {
    json.key("zones").begin_array();
    for (const std::string &zone : *object.zones) json.value(zone);
    json.end_array();
  }
  json.end_object();
}

double clamp01(double value) {
  return std::clamp(value, 0.0, 1.0);
}

}  // namespace

NormBox normalise_box(double x_px, double y_px, double w_px, double h_px, int frame_w,
                      int frame_h) {
  if (frame_w <= 0 || frame_h <= 0) return {};
  const double x1 = clamp01(x_px / frame_w), y1 = clamp01(y_px / frame_h);
  const double x2 = clamp01((x_px + w_px) / frame_w), y2 = clamp01((y_px + h_px) / frame_h);
  return {x1, y1, std::max(0.0, x2 - x1), std::max(0.0, y2 - y1)};
}

std::string to_json(const FrameRecord &record) {
  JsonWriter json;
  json.begin_object();
  json.key("schema").value(kSchemaName);
  json.key("source_id").value(record.source_id);
  json.key("frame_number").value(record.frame_number);
  if (record.pts_ns) json.key("pts_ns").value(*record.pts_ns);
  json.key("ts_unix_ms").value(record.ts_unix_ms);
  json.key("frame_size").begin_object();
  json.key("w").value(record.frame_w).key("h").value(record.frame_h);
  json.end_object();
  json.key("objects").begin_array();
  for (const ObjectRecord &object : record.objects) write_object(json, object);
  json.end_array();
  if (record.stats) {
    json.key("stats");
    write_stats(json, *record.stats);
  }
  if (record.stats || !record.events.empty()) {
    json.key("events");
    write_events(json, record.events, record.summary);
  }
  json.end_object();
  return json.str();
}

std::vector<std::string> events_to_json(const FrameRecord &record) {
  std::vector<std::string> out;
  out.reserve(record.events.size());
  for (const rw::zones::Event &event : record.events) {
    JsonWriter json;
    write_event(json, event, record.summary);
    out.push_back(json.str());
  }
  return out;
}

}  // namespace rw::schema
